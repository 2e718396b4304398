package sshd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qosagent/qosagent/vendors/cli/sshconn"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// cliScript is a minimal switch CLI for ForceCommand: a banner, the prompt
// "sw1#", one answer per line. The PTY echoes input and turns its "\r\n"
// into "\r\r\n", as a device's terminal would.
const cliScript = `#!/bin/sh
printf 'Unauthorized access prohibited\r\n\r\nsw1#'
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\r')
  case "$line" in
    exit) exit 0 ;;
    "") ;;
    *) printf 'you said: %s\r\n' "$line" ;;
  esac
  printf 'sw1#'
done
`

var prompt = sshconn.Expect{Prompt: regexp.MustCompile(`[\w.\-@/:]{1,63}#\s?$`), Timeout: 10 * time.Second}

func startCLI(t *testing.T, extra ...string) *Server {
	t.Helper()
	script := filepath.Join(t.TempDir(), "cli.sh")
	if err := os.WriteFile(script, []byte(cliScript), 0o755); err != nil {
		t.Fatal(err)
	}
	return Start(t, Options{ForceCommand: script, ExtraConfig: extra})
}

func clientConfig(s *Server, knownHosts string) sshconn.Config {
	return sshconn.Config{
		Host: s.Host, Port: s.Port, User: s.User,
		KeyFile: s.KeyFile, KnownHosts: knownHosts, Timeout: 10 * time.Second,
	}
}

func TestShellSend(t *testing.T) {
	s := startCLI(t)
	ctx := context.Background()
	cl, err := sshconn.Dial(ctx, clientConfig(s, s.WriteKnownHosts(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ch, err := cl.Shell(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	banner, err := ch.ReadUntil(ctx, prompt)
	if err != nil {
		t.Fatal(err)
	}
	if banner != "Unauthorized access prohibited" {
		t.Errorf("banner = %q", banner)
	}
	for _, cmd := range []string{"show clock", "show mls qos maps dscp-output-q", "terminal length 0"} {
		out, err := ch.Send(ctx, cmd, prompt)
		if err != nil {
			t.Fatal(err)
		}
		if want := "you said: " + cmd; out != want {
			t.Errorf("Send(%q) = %q, want %q", cmd, out, want)
		}
	}
	// An empty line gives an empty output, not the previous one.
	if out, err := ch.Send(ctx, "", prompt); err != nil || out != "" {
		t.Errorf("Send(\"\") = %q, %v", out, err)
	}
	if !strings.Contains(s.Log(), "Accepted publickey for "+s.User) {
		t.Errorf("sshd log does not show the login:\n%s", s.Log())
	}
}

func TestHostKeyRefused(t *testing.T) {
	s := startCLI(t)
	empty := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := sshconn.Dial(context.Background(), clientConfig(s, empty))
	if !errors.Is(err, sshconn.ErrHostKeyUnknown) {
		t.Fatalf("err = %v, want ErrHostKeyUnknown", err)
	}
	if !strings.Contains(err.Error(), s.KnownHostsLine) || !strings.Contains(err.Error(), ssh.FingerprintSHA256(s.HostKey)) {
		t.Errorf("error lacks the line or fingerprint:\n%v", err)
	}

	// Another key on record for this address: refused as changed.
	other := Start(t, Options{}).HostKey
	changed := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(changed, []byte(knownhosts.Line([]string{s.Addr}, other)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := clientConfig(s, changed)
	cfg.AcceptNewHostKeys = true
	_, err = sshconn.Dial(context.Background(), cfg)
	if !errors.Is(err, sshconn.ErrHostKeyChanged) {
		t.Fatalf("err = %v, want ErrHostKeyChanged", err)
	}
}

func TestAcceptNewHostKey(t *testing.T) {
	s := startCLI(t)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	cfg := clientConfig(s, kh)
	cfg.AcceptNewHostKeys = true
	cl, err := sshconn.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
	data, err := os.ReadFile(kh)
	if err != nil || string(data) != s.KnownHostsLine+"\n" {
		t.Errorf("known_hosts = %q, %v; want %q", data, err, s.KnownHostsLine)
	}
}

func TestWrongKeyRefused(t *testing.T) {
	s := startCLI(t)
	other := Start(t, Options{}) // its generated key is not authorized on s
	cfg := clientConfig(s, s.WriteKnownHosts(t))
	cfg.KeyFile = other.KeyFile
	_, err := sshconn.Dial(context.Background(), cfg)
	if !errors.Is(err, sshconn.ErrAuth) || !strings.Contains(err.Error(), s.User) {
		t.Fatalf("err = %v, want ErrAuth naming the user", err)
	}
}

// Old firmware: only CBC ciphers and SHA-1 key exchange.
func TestLegacyAlgorithms(t *testing.T) {
	s := startCLI(t, "Ciphers aes128-cbc", "KexAlgorithms diffie-hellman-group14-sha1")
	cfg := clientConfig(s, s.WriteKnownHosts(t))
	if _, err := sshconn.Dial(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "legacy") {
		t.Errorf("without legacy algorithms: %v", err)
	}
	cfg.LegacyAlgorithms = true
	cl, err := sshconn.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ch, err := cl.Shell(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	if _, err := ch.ReadUntil(context.Background(), prompt); err != nil {
		t.Fatal(err)
	}
}

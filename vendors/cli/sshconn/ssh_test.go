package sshconn

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

var promptExpect = Expect{Prompt: regexp.MustCompile(`[\w.\-@/:]{1,63}#\s?$`), Timeout: 5 * time.Second}

func configFor(t testing.TB, s *testServer, knownHosts string) Config {
	port, _ := strconv.Atoi(s.port())
	return Config{Host: "127.0.0.1", Port: port, User: "netops", KnownHosts: knownHosts, Timeout: 5 * time.Second}
}

// roundTrip opens a shell and runs one command through it.
func roundTrip(t *testing.T, cl *Client) {
	t.Helper()
	ctx := context.Background()
	ch, err := cl.Shell(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	banner, err := ch.ReadUntil(ctx, promptExpect)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(banner, "Unauthorized access prohibited") {
		t.Errorf("banner = %q", banner)
	}
	out, err := ch.Send(ctx, "show clock", promptExpect)
	if err != nil {
		t.Fatal(err)
	}
	if out != "you said: show clock" {
		t.Errorf("Send = %q", out)
	}
}

func TestDialKnownHostAndKeyAuth(t *testing.T) {
	keyFile, pub := writeKey(t, "")
	s := newTestServer(t, serverOpts{authorized: pub})
	cfg := configFor(t, s, s.knownHosts(t, s.HostKeys[0].PublicKey()))
	cfg.KeyFile = keyFile
	cl, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	roundTrip(t, cl)
}

// A server with several host keys presents the type we have on record.
func TestDialKnownHostOtherKeyType(t *testing.T) {
	ec := newECDSASigner(t)
	s := newTestServer(t, serverOpts{password: "pw", hostKeys: []ssh.Signer{newSigner(t), ec}})
	cfg := configFor(t, s, s.knownHosts(t, ec.PublicKey()))
	cfg.Password = "pw"
	cl, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
}

func TestDialUnknownHost(t *testing.T) {
	s := newTestServer(t, serverOpts{password: "pw"})
	key := s.HostKeys[0].PublicKey()
	for _, missing := range []bool{false, true} {
		kh := s.knownHosts(t)
		if missing {
			kh = filepath.Join(t.TempDir(), "absent")
		}
		cfg := configFor(t, s, kh)
		cfg.Password = "pw"
		_, err := Dial(context.Background(), cfg)
		if !errors.Is(err, ErrHostKeyUnknown) || errors.Is(err, ErrHostKeyChanged) {
			t.Fatalf("err = %v, want ErrHostKeyUnknown", err)
		}
		msg := err.Error()
		line := "[127.0.0.1]:" + s.port() + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
		for _, want := range []string{s.Addr, "ssh-ed25519", ssh.FingerprintSHA256(key), line, "--accept-new-host-keys", kh} {
			if !strings.Contains(msg, want) {
				t.Errorf("error lacks %q:\n%s", want, msg)
			}
		}
		if missing != strings.Contains(msg, "does not exist") {
			t.Errorf("missing file=%v, message: %s", missing, msg)
		}
		var hk *HostKeyError
		if !errors.As(err, &hk) || hk.Line() != line {
			t.Errorf("HostKeyError.Line = %v", hk)
		}
	}
}

func TestDialAcceptNewHostKey(t *testing.T) {
	s := newTestServer(t, serverOpts{password: "pw"})
	kh := filepath.Join(t.TempDir(), "dot-ssh", "known_hosts") // directory missing too
	var logBuf bytes.Buffer
	cfg := configFor(t, s, kh)
	cfg.Password = "pw"
	cfg.AcceptNewHostKeys = true
	cfg.Logger = slog.New(slog.NewTextHandler(&logBuf, nil))
	cl, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()

	st, err := os.Stat(kh)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("known_hosts mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(kh)
	want := knownhosts.Line([]string{s.Addr}, s.HostKeys[0].PublicKey()) + "\n"
	if string(data) != want {
		t.Errorf("known_hosts = %q, want %q", data, want)
	}
	fp := ssh.FingerprintSHA256(s.HostKeys[0].PublicKey())
	if !strings.Contains(logBuf.String(), "level=WARN") || !strings.Contains(logBuf.String(), fp) {
		t.Errorf("log lacks a WARN with the fingerprint: %s", logBuf.String())
	}
	if strings.Contains(logBuf.String(), "pw") && strings.Contains(logBuf.String(), "password=") {
		t.Errorf("log mentions the password: %s", logBuf.String())
	}

	// Strict from now on, and the recorded key passes.
	cfg.AcceptNewHostKeys = false
	cl, err = Dial(context.Background(), cfg)
	if err != nil {
		t.Fatalf("second dial: %v", err)
	}
	cl.Close()
	if data2, _ := os.ReadFile(kh); !bytes.Equal(data, data2) {
		t.Errorf("known_hosts rewritten: %q", data2)
	}
}

func TestDialChangedHostKey(t *testing.T) {
	s := newTestServer(t, serverOpts{password: "pw"})
	old := newSigner(t).PublicKey()
	kh := s.knownHosts(t, old)
	for _, accept := range []bool{false, true} { // accept-new never overrides a change
		cfg := configFor(t, s, kh)
		cfg.Password = "pw"
		cfg.AcceptNewHostKeys = accept
		_, err := Dial(context.Background(), cfg)
		if !errors.Is(err, ErrHostKeyChanged) {
			t.Fatalf("accept=%v: err = %v, want ErrHostKeyChanged", accept, err)
		}
		msg := err.Error()
		for _, want := range []string{
			ssh.FingerprintSHA256(old), ssh.FingerprintSHA256(s.HostKeys[0].PublicKey()),
			kh + ":2", "man-in-the-middle", "ssh-keygen", `-R "[127.0.0.1]:` + s.port() + `"`,
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("error lacks %q:\n%s", want, msg)
			}
		}
	}
	if data, _ := os.ReadFile(kh); strings.Count(string(data), "\n") != 2 {
		t.Errorf("known_hosts modified: %q", data)
	}
}

func TestDialPasswordAuth(t *testing.T) {
	s := newTestServer(t, serverOpts{password: "Secr3t!"})
	cfg := configFor(t, s, s.knownHosts(t, s.HostKeys[0].PublicKey()))
	cfg.Password = "Secr3t!"
	cl, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	roundTrip(t, cl)
}

func TestDialKeyboardInteractive(t *testing.T) {
	s := newTestServer(t, serverOpts{kbdPassword: "Secr3t!"})
	cfg := configFor(t, s, s.knownHosts(t, s.HostKeys[0].PublicKey()))
	cfg.Password = "Secr3t!"
	cl, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
}

func TestDialWrongPassword(t *testing.T) {
	for _, o := range []serverOpts{{password: "right"}, {kbdPassword: "right"}} {
		s := newTestServer(t, o)
		cfg := configFor(t, s, s.knownHosts(t, s.HostKeys[0].PublicKey()))
		cfg.Password = "wrong-Pa55"
		_, err := Dial(context.Background(), cfg)
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("err = %v, want ErrAuth", err)
		}
		msg := err.Error()
		if !strings.Contains(msg, `user "netops"`) || !strings.Contains(msg, "password") || !strings.Contains(msg, s.Addr) {
			t.Errorf("message should name the address, user and methods: %s", msg)
		}
		if strings.Contains(msg, "wrong-Pa55") {
			t.Errorf("message leaks the password: %s", msg)
		}
	}
}

func TestDialEncryptedKey(t *testing.T) {
	keyFile, pub := writeKey(t, "key-Pa55phrase")
	s := newTestServer(t, serverOpts{authorized: pub})
	cfg := configFor(t, s, s.knownHosts(t, s.HostKeys[0].PublicKey()))
	cfg.KeyFile = keyFile

	_, err := Dial(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Errorf("no passphrase: %v", err)
	}
	cfg.KeyPassphrase = "not-the-Pa55phrase"
	_, err = Dial(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), keyFile) || strings.Contains(err.Error(), "not-the-Pa55phrase") {
		t.Errorf("wrong passphrase: %v", err)
	}
	cfg.KeyPassphrase = "key-Pa55phrase"
	cl, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	roundTrip(t, cl)
}

func TestDialAgent(t *testing.T) {
	keyring := agent.NewKeyring()
	_, priv := signerKey(t)
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { agent.ServeAgent(keyring, c); c.Close() }()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)
	pubs, _ := keyring.List()
	pk, err := ssh.ParsePublicKey(pubs[0].Blob)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, serverOpts{authorized: pk})
	cl, err := Dial(context.Background(), configFor(t, s, s.knownHosts(t, s.HostKeys[0].PublicKey())))
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
}

// TestDialLegacyAlgorithms: old firmware that offers only insecure key
// exchanges, ciphers or host key signatures is refused with a hint at
// legacy_algorithms, and reached with it.
func TestDialLegacyAlgorithms(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaSigner, err := ssh.NewSignerFromKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	sha1Only, err := ssh.NewSignerWithAlgorithms(rsaSigner.(ssh.AlgorithmSigner), []string{ssh.KeyAlgoRSA})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		config   ssh.Config
		hostKeys []ssh.Signer
	}{
		{"group14-sha1 and aes128-cbc", ssh.Config{KeyExchanges: []string{ssh.InsecureKeyExchangeDH14SHA1}, Ciphers: []string{ssh.InsecureCipherAES128CBC}}, nil},
		{"group1 and 3des-cbc", ssh.Config{KeyExchanges: []string{ssh.InsecureKeyExchangeDH1SHA1}, Ciphers: []string{ssh.InsecureCipherTripleDESCBC}}, nil},
		// A MAC matters only with a cipher that is not AEAD.
		{"aes128-ctr with hmac-sha1-96", ssh.Config{Ciphers: []string{ssh.CipherAES128CTR}, MACs: []string{ssh.InsecureHMACSHA196}}, nil},
		{"ssh-rsa host key (SHA-1 signatures)", ssh.Config{}, []ssh.Signer{sha1Only}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, serverOpts{password: "pw", config: tc.config, hostKeys: tc.hostKeys})
			cfg := configFor(t, s, s.knownHosts(t, s.HostKeys[0].PublicKey()))
			cfg.Password = "pw"
			if cl, err := Dial(context.Background(), cfg); err == nil {
				cl.Close()
				t.Fatal("modern client reached the old server")
			} else if !strings.Contains(err.Error(), "legacy") {
				t.Errorf("modern client against old server: %v; want a hint at legacy_algorithms", err)
			}
			cfg.LegacyAlgorithms = true
			cl, err := Dial(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			roundTrip(t, cl)
		})
	}
}

// A port that accepts TCP but never speaks SSH (a hung daemon, a
// tarpit) must fail at the timeout.
func TestDialHandshakeTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	cfg := Config{Host: host, Port: p, User: "u", Password: "pw", KnownHosts: filepath.Join(t.TempDir(), "kh"), Timeout: 300 * time.Millisecond}
	start := time.Now()
	_, err = Dial(context.Background(), cfg)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}

	// Cancelling the context stops the handshake as well.
	cfg.Timeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := Dial(ctx, cfg); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("cancelled dial: %v after %s", err, time.Since(start))
	}
}

// 192.0.2.1 (TEST-NET-1) is not routed: SYNs go unanswered, or the
// sandbox says the network is unreachable at once.
func TestDialConnectTimeoutBlackhole(t *testing.T) {
	cfg := Config{Host: "192.0.2.1", Port: 22, User: "u", Password: "pw", KnownHosts: filepath.Join(t.TempDir(), "kh"), Timeout: 300 * time.Millisecond}
	start := time.Now()
	_, err := Dial(context.Background(), cfg)
	if err == nil {
		t.Fatal("connected to TEST-NET-1")
	}
	if !errors.Is(err, ErrTimeout) {
		t.Skipf("no blackhole here: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
	if !strings.Contains(err.Error(), "192.0.2.1:22") || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("message: %v", err)
	}
}

func TestDialConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{User: "u", KnownHosts: "kh", Password: "p"},
		{Host: "h", KnownHosts: "kh", Password: "p"},
		{Host: "h", User: "u", Password: "p"},
		{Host: "h", User: "u", KnownHosts: filepath.Join(t.TempDir(), "kh")}, // no credentials
	} {
		if _, err := Dial(context.Background(), cfg); err == nil {
			t.Errorf("Dial(%+v) succeeded", cfg)
		}
	}
}

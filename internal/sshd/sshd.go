// Package sshd runs OpenSSH's sshd (Debian openssh-server) on a free
// loopback port as an independent SSH peer for tests, so that the client in
// vendors/cli/sshconn is checked against a real server and not only against
// the x/crypto server it shares code with.
//
// Behaviour of OpenSSH 9.2 (Debian 12) that Start works around, checked by
// running it here as root:
//   - sshd must be started by absolute path ("sshd re-exec requires
//     execution with an absolute path") and needs the privilege separation
//     directory /run/sshd ("Missing privilege separation directory:
//     /run/sshd"), absent in containers; Start creates it (0755) as root.
//   - StrictModes refuses authorized_keys under /tmp ("Authentication
//     refused: bad ownership or modes for directory /tmp"); the generated
//     config sets StrictModes no.
//   - Root logs in only when PermitRootLogin allows it ("ROOT LOGIN REFUSED");
//     the config uses prohibit-password, as only keys are offered.
//   - sshd keeps the first value of a keyword, so Options.ExtraConfig goes
//     first to override the generated settings.
//   - With UsePAM no, password authentication would check the current
//     user's system password, which tests must not set; so there is no
//     password option: password and keyboard-interactive authentication
//     are tested against the in-process server in sshconn.
//   - ForceCommand runs through the user's login shell ("$SHELL -c cmd"),
//     on a PTY when the client asks for one: input is echoed and "\n" in
//     the command's output arrives as "\r\n".
package sshd

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/qosagent/qosagent/internal/peer"
)

// Binary is where Debian's openssh-server installs sshd.
const Binary = "/usr/sbin/sshd"

// startTimeout bounds how long Start waits for the SSH banner.
const startTimeout = 10 * time.Second

// Options configures Start. The zero value serves an interactive login
// shell to a generated client key.
type Options struct {
	// ForceCommand, when set, runs for every session instead of the
	// shell, e.g. a CLI simulator binary.
	ForceCommand string
	// AuthorizedKey may log in. When nil, Start generates an ed25519
	// key pair and exposes it as Server.KeyFile and Server.Signer.
	AuthorizedKey ssh.PublicKey
	// ExtraConfig lines go first in sshd_config, where they override the
	// generated settings (sshd keeps the first value of a keyword), e.g.
	// "Ciphers aes128-cbc" to mimic old firmware. No Match blocks.
	ExtraConfig []string
}

// Server is a running sshd.
type Server struct {
	Addr string // 127.0.0.1:port
	Host string
	Port int
	User string // the current user, the only one who can log in

	HostKey        ssh.PublicKey
	KnownHostsLine string // "[127.0.0.1]:port ssh-ed25519 AAAA..."

	// KeyFile and Signer are the generated client key (unencrypted
	// OpenSSH format, 0600), when Options.AuthorizedKey was nil.
	KeyFile string
	Signer  ssh.Signer

	dir  string
	cmd  *exec.Cmd
	log  *peer.SyncBuffer
	done chan struct{}
}

// Start runs sshd -D -e -f <generated config> on 127.0.0.1:<free port>
// with its own ed25519 host key in a temporary directory, and stops it at
// tb.Cleanup. It skips the test when sshd is missing, unless
// QOSAGENT_REQUIRE_PEERS=1, in which case it fails.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if _, err := os.Stat(Binary); err != nil {
		peer.Missing(tb, "sshd ("+Binary+")", "apt-get install openssh-server", err)
	}
	u, err := user.Current()
	if err != nil {
		tb.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			tb.Fatalf("sshd: privilege separation directory: %v", err)
		}
	}
	dir := tb.TempDir()
	s := &Server{Host: "127.0.0.1", User: u.Username, dir: dir}

	hostSigner, err := writeKey(filepath.Join(dir, "ssh_host_ed25519_key"))
	if err != nil {
		tb.Fatal(err)
	}
	s.HostKey = hostSigner.PublicKey()
	authorized := opts.AuthorizedKey
	if authorized == nil {
		s.KeyFile = filepath.Join(dir, "id_ed25519")
		if s.Signer, err = writeKey(s.KeyFile); err != nil {
			tb.Fatal(err)
		}
		authorized = s.Signer.PublicKey()
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(authorized), 0o600); err != nil {
		tb.Fatal(err)
	}

	// A port found by binding :0 may be taken before sshd binds it; sshd
	// then exits at once and another port is tried.
	var lastErr error
	for range 3 {
		port, err := peer.FreeTCPPort()
		if err != nil {
			tb.Fatal(err)
		}
		s.Port = port
		s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(port))
		s.KnownHostsLine = knownhosts.Line([]string{s.Addr}, s.HostKey)
		if lastErr = s.start(opts); lastErr == nil {
			tb.Cleanup(func() { s.stop(tb) })
			return s
		}
	}
	tb.Fatalf("sshd: %v", lastErr)
	return nil
}

func (s *Server) config(opts Options) string {
	lines := append([]string{}, opts.ExtraConfig...)
	lines = append(lines,
		"ListenAddress "+s.Addr,
		"HostKey "+filepath.Join(s.dir, "ssh_host_ed25519_key"),
		"PidFile "+filepath.Join(s.dir, "sshd.pid"),
		"AuthorizedKeysFile "+filepath.Join(s.dir, "authorized_keys"),
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"UsePAM no",
		"StrictModes no",
		"PermitRootLogin prohibit-password",
		"AllowUsers "+s.User,
		"LogLevel VERBOSE",
		"PrintMotd no",
		"PrintLastLog no",
		"AllowTcpForwarding no",
		"X11Forwarding no",
		"AllowAgentForwarding no",
		"PermitUserEnvironment no",
		"MaxStartups 100",
	)
	if opts.ForceCommand != "" {
		lines = append(lines, "ForceCommand "+opts.ForceCommand)
	}
	return strings.Join(lines, "\n") + "\n"
}

func (s *Server) start(opts Options) error {
	cfgPath := filepath.Join(s.dir, "sshd_config")
	if err := os.WriteFile(cfgPath, []byte(s.config(opts)), 0o600); err != nil {
		return err
	}
	s.log = new(peer.SyncBuffer)
	s.done = make(chan struct{})
	s.cmd = exec.Command(Binary, "-D", "-e", "-f", cfgPath)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	// Its own process group, so that stop reaches session children too.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", Binary, err)
	}
	go func() {
		s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(); err != nil {
		s.kill()
		return fmt.Errorf("%w\nsshd output:\n%s", err, s.log.String())
	}
	return nil
}

// waitReady waits until the port accepts a connection and sends an SSH
// banner: a listening socket alone does not prove sshd loaded its keys.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("sshd exited: %v", s.cmd.ProcessState)
		default:
		}
		conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			conn.SetDeadline(time.Now().Add(2 * time.Second))
			line, rerr := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if strings.HasPrefix(line, "SSH-2.0-") {
				return nil
			}
			lastErr = fmt.Errorf("no SSH banner (got %q): %v", line, rerr)
		} else {
			lastErr = err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("sshd not ready on %s after %s: %v", s.Addr, startTimeout, lastErr)
}

func (s *Server) kill() {
	if s.cmd.Process != nil {
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	}
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

func (s *Server) stop(tb testing.TB) {
	s.kill()
	if tb.Failed() {
		tb.Logf("sshd %s output:\n%s", s.Addr, s.log.String())
	}
}

// Log returns what sshd printed so far (LogLevel VERBOSE): which key was
// accepted, why a login was refused.
func (s *Server) Log() string { return s.log.String() }

// WriteKnownHosts writes a known_hosts file holding KnownHostsLine and
// returns its path.
func (s *Server) WriteKnownHosts(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "known_hosts")
	if err := os.WriteFile(path, []byte(s.KnownHostsLine+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func writeKey(path string) (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "qosagent-test")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}

package clisim

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func listen(t *testing.T, sw *Switch, cfg SSHConfig) *SSHServer {
	t.Helper()
	srv, err := ListenSSH(context.Background(), "127.0.0.1:0", sw, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func passwordClient(srv *SSHServer, user, pw string) *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.Password(pw)},
		HostKeyCallback: ssh.FixedHostKey(srv.HostKey()),
	}
}

// shell dials srv, asks for a PTY and a shell like an adapter does, and
// returns the terminal and the SSH session.
func shell(t *testing.T, srv *SSHServer, cc *ssh.ClientConfig) (*term, *ssh.Session) {
	t.Helper()
	client, err := ssh.Dial("tcp", srv.Addr(), cc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("vt100", 24, 80, ssh.TerminalModes{ssh.ECHO: 0}); err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	tm := newTerm(t, stdout, stdin)
	tm.eol = "\n"
	return tm, sess
}

func TestSSHSession(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			sw := c.newSwitch(t)
			srv := listen(t, sw, SSHConfig{User: "netops", Password: "pw", EnableSecret: "en"})
			tm, sess := shell(t, srv, passwordClient(srv, "netops", "pw"))
			tm.expect(c.exec)
			tm.send("enable\n")
			tm.expect("Password: ")
			tm.send("en\n")
			tm.expect(c.priv)
			tm.run(c.pagingOff, c.priv)
			for _, cmd := range c.shows {
				golden(t, c.dialect, cmd, unCRLF(t, tm.run(cmd, c.priv)))
			}
			tm.run(c.configEnter, c.conf)
			for _, s := range c.change {
				tm.run(s.line, s.prompt)
			}
			tm.run(c.configExit, c.priv)
			if got := sw.DSCPQueue(c.dscp); got != c.queue {
				t.Errorf("DSCPQueue(%d) = %d, want %d", c.dscp, got, c.queue)
			}
			if out := tm.run(c.showAfter, c.priv); !strings.Contains(out, c.want+"\r\n") {
				t.Errorf("%s lacks %q:\n%s", c.showAfter, c.want, out)
			}
			tm.send(c.save + "\n")
			tm.expect(c.saveAsk)
			tm.run(c.saveYes, c.priv)
			if !sw.Saved() {
				t.Error("not saved")
			}
			tm.send("exit\n")
			tm.waitClosed()
			if err := sess.Wait(); err != nil {
				t.Errorf("session end: %v", err)
			}
		})
	}
}

func TestSSHWrongPassword(t *testing.T) {
	sw, _ := New("cisco-ios", "sw1")
	srv := listen(t, sw, SSHConfig{User: "netops", Password: "pw"})
	for _, cc := range []*ssh.ClientConfig{passwordClient(srv, "netops", "nope"), passwordClient(srv, "root", "pw")} {
		if c, err := ssh.Dial("tcp", srv.Addr(), cc); err == nil {
			c.Close()
			t.Errorf("user %s logged in with a wrong password or user", cc.User)
		}
	}
}

func TestSSHPublicKeyAndKnownHosts(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	sw, _ := New("netgear-fastpath", "")
	srv := listen(t, sw, SSHConfig{User: "admin", AuthorizedKey: signer.PublicKey()})

	// A known_hosts file, as the adapter will read it.
	kh := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(srv.Addr())}, srv.HostKey())
	if err := os.WriteFile(kh, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cb, err := knownhosts.New(kh)
	if err != nil {
		t.Fatal(err)
	}
	cc := &ssh.ClientConfig{User: "admin", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: cb}
	tm, _ := shell(t, srv, cc)
	tm.expect("(NETGEAR Switch) >")

	// Another key, and passwords, are refused.
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	otherSigner, _ := ssh.NewSignerFromKey(other)
	for _, auth := range []ssh.AuthMethod{ssh.PublicKeys(otherSigner), ssh.Password("")} {
		cc := &ssh.ClientConfig{User: "admin", Auth: []ssh.AuthMethod{auth}, HostKeyCallback: cb}
		if c, err := ssh.Dial("tcp", srv.Addr(), cc); err == nil {
			c.Close()
			t.Error("login with a key or password that is not authorized")
		}
	}
}

func TestSSHDrop(t *testing.T) {
	sw, _ := New("cisco-ios", "sw1")
	sw.SetFaults(Faults{DropAfterConfigLines: 1})
	srv := listen(t, sw, SSHConfig{User: "u", Password: "p"})
	tm, sess := shell(t, srv, passwordClient(srv, "u", "p"))
	tm.expect("sw1>")
	tm.run("enable", "sw1#")
	tm.run("configure terminal", "sw1(config)#")
	tm.send("mls qos\n")
	tm.waitClosed()
	err := sess.Wait()
	var missing *ssh.ExitMissingError
	if err == nil || (!errors.As(err, &missing) && !strings.Contains(err.Error(), "EOF")) {
		t.Errorf("session end after drop: %v, want a missing exit status", err)
	}
	if !sw.Running().QoS {
		t.Error("the line before the drop was not applied")
	}
}

func TestSSHCloseEndsSessions(t *testing.T) {
	sw, _ := New("cisco-sb", "sb1")
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := ListenSSH(ctx, "127.0.0.1:0", sw, SSHConfig{User: "u", Password: "p", StartPrivileged: true})
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := shell(t, srv, passwordClient(srv, "u", "p"))
	tm.expect("sb1#")
	cancel() // ends the server like Close
	tm.waitClosed()
	srv.Close()
	if _, err := ssh.Dial("tcp", srv.Addr(), passwordClient(srv, "u", "p")); err == nil {
		t.Error("dial after Close succeeded")
	}
}

func TestListenSSHNeedsCredentials(t *testing.T) {
	sw, _ := New("cisco-ios", "")
	if _, err := ListenSSH(context.Background(), "127.0.0.1:0", sw, SSHConfig{User: "u"}); err == nil {
		t.Error("a server without password or key")
	}
}

package clisim

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// TestSSHRTT: every command's output comes one RTT after the command, and
// the session still works end to end with the delay.
func TestSSHRTT(t *testing.T) {
	const rtt = 30 * time.Millisecond
	c := cases[0]
	sw := c.newSwitch(t)
	srv := listen(t, sw, SSHConfig{User: "netops", Password: "pw", EnableSecret: "en", RTT: rtt})
	t0 := time.Now()
	tm, sess := shell(t, srv, passwordClient(srv, "netops", "pw"))
	tm.expect(c.exec)
	if d := time.Since(t0); d < 4*rtt {
		t.Errorf("login took %s, want at least a few RTTs of %s", d, rtt)
	}
	tm.send("enable\n")
	tm.expect("Password: ")
	tm.send("en\n")
	tm.expect(c.priv)
	t0 = time.Now()
	out := tm.run(c.pagingOff, c.priv)
	if d := time.Since(t0); d < rtt {
		t.Errorf("%q answered in %s, want at least %s: %q", c.pagingOff, d, rtt, out)
	}
	out = tm.run(c.shows[0], c.priv)
	if !strings.Contains(out, "\r\n") {
		t.Errorf("%s: %q", c.shows[0], out)
	}
	tm.send("exit\n")
	tm.waitClosed()
	if err := sess.Wait(); err != nil {
		t.Errorf("session end: %v", err)
	}
}

// TestSSHLoss: with loss, writes arrive late (never lost: TCP
// retransmits) and the session still completes.
func TestSSHLoss(t *testing.T) {
	sw, _ := New("cisco-ios", "sw1")
	srv := listen(t, sw, SSHConfig{User: "netops", Password: "pw", Loss: 0.2, Seed: 3})
	client, err := ssh.Dial("tcp", srv.Addr(), passwordClient(srv, "netops", "pw"))
	if err != nil {
		t.Fatal(err)
	}
	client.Close()
}

func TestSSHBadLink(t *testing.T) {
	sw, _ := New("cisco-ios", "sw1")
	for _, cfg := range []SSHConfig{{User: "u", Password: "p", Loss: 2}, {User: "u", Password: "p", RTT: -1}} {
		if srv, err := ListenSSH(t.Context(), "127.0.0.1:0", sw, cfg); err == nil {
			srv.Close()
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// Closing the server while delayed output is pending ends at once.
func TestSSHCloseWithPendingOutput(t *testing.T) {
	sw, _ := New("cisco-ios", "sw1")
	srv, err := ListenSSH(t.Context(), "127.0.0.1:0", sw, SSHConfig{User: "u", Password: "p", RTT: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		cc := passwordClient(srv, "u", "p")
		cc.Timeout = 10 * time.Second
		if c, err := ssh.Dial("tcp", srv.Addr(), cc); err == nil {
			c.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	t0 := time.Now()
	srv.Close()
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("Close took %s", d)
	}
}

package clisim

import (
	"context"
	"strings"
	"testing"
	"time"
)

const reloadQ = "Proceed with reload? [confirm]"

func TestUnexpectedPromptCtrlCAborts(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			sw := c.newSwitch(t)
			q46 := sw.DSCPQueue(46)
			tm, _ := pipeSession(t, sw, SessionOptions{})
			c.login(tm)
			tm.run(c.configEnter, c.conf)
			sw.SetFaults(Faults{UnexpectedPrompt: reloadQ})
			tm.send(c.faultLines[0].line + "\r")
			tm.expect(reloadQ)
			tm.send("\x03")
			if out := tm.expect(c.conf); !strings.Contains(out, "^C") {
				t.Errorf("no ^C echoed: %q", out)
			}
			if sw.DSCPQueue(46) != q46 || sw.PromptsAnswered() != 0 {
				t.Errorf("aborted line ran: 46 on %d (was %d), answered %d", sw.DSCPQueue(46), q46, sw.PromptsAnswered())
			}
			// Asked again for the next line (not one-shot); Enter confirms.
			tm.send(c.faultLines[0].line + "\r")
			tm.expect(reloadQ)
			tm.send("\r")
			tm.expect(c.conf)
			if sw.DSCPQueue(46) == q46 || sw.PromptsAnswered() != 1 {
				t.Errorf("confirmed line did not run: 46 on %d, answered %d", sw.DSCPQueue(46), sw.PromptsAnswered())
			}
			if n := sw.ConfigLines(); n != 2 {
				t.Errorf("ConfigLines = %d, want 2", n)
			}
		})
	}
}

func TestUnexpectedPromptOnSaveOnce(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			sw := c.newSwitch(t)
			tm, _ := pipeSession(t, sw, SessionOptions{})
			c.login(tm)
			sw.SetFaults(Faults{UnexpectedPrompt: reloadQ, UnexpectedPromptOn: c.save, UnexpectedPromptOnce: true})
			// Not asked in config mode for other lines.
			tm.run(c.configEnter, c.conf)
			tm.run(c.faultLines[0].line, c.faultLines[0].prompt)
			tm.run(c.configExit, c.priv)
			tm.send(c.save + "\r")
			tm.expect(reloadQ)
			tm.send("\x03")
			tm.expect(c.priv)
			if sw.SaveCount() != 0 {
				t.Fatal("aborted save ran")
			}
			if sw.Faults().UnexpectedPrompt != "" {
				t.Error("one-shot prompt not cleared")
			}
			// Next save: only the dialect's own confirmation.
			tm.send(c.save + "\r")
			tm.expect(c.saveAsk)
			tm.send(c.saveYes + "\r")
			tm.expect(c.priv)
			if sw.SaveCount() != 1 {
				t.Errorf("SaveCount %d", sw.SaveCount())
			}
		})
	}
}

func TestGarbage(t *testing.T) {
	c := cases[0]
	for _, kind := range []GarbageKind{GarbageANSI, GarbageBinary} {
		sw := c.newSwitch(t)
		tm, _ := pipeSession(t, sw, SessionOptions{})
		c.login(tm)
		sw.SetFaults(Faults{Garbage: kind, GarbageAfterConfigLines: 1, Seed: 3})
		// Clean before the first config line.
		if out := tm.run("show mls qos", c.priv); strings.ContainsAny(out, "\x1b\x00") {
			t.Errorf("%d: junk before the threshold: %q", kind, out)
		}
		tm.run(c.configEnter, c.conf)
		tm.run(c.faultLines[0].line, c.faultLines[0].prompt)
		tm.send("end\r")
		out := tm.expect(c.priv)
		tm.send("show mls qos\r")
		time.Sleep(100 * time.Millisecond)
		tm.mu.Lock()
		out += tm.buf.String()
		tm.mu.Unlock()
		switch kind {
		case GarbageANSI:
			if !strings.Contains(out, "\x1b") || !strings.Contains(out, "QoS is") {
				t.Errorf("ANSI: %q", out)
			}
		case GarbageBinary:
			junk := 0
			for _, r := range out {
				if r < 0x20 && r != '\r' && r != '\n' || r >= 0x7f {
					junk++
				}
			}
			if junk == 0 {
				t.Errorf("binary: no junk bytes in %q", out)
			}
		}
	}
}

func TestSetLink(t *testing.T) {
	sw, _ := New("cisco-ios", "sw1")
	srv, err := ListenSSH(context.Background(), "127.0.0.1:0", sw, SSHConfig{User: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.SetLink(-time.Second, 0); err == nil {
		t.Error("negative RTT accepted")
	}
	if err := srv.SetLink(0, 2); err == nil {
		t.Error("loss 2 accepted")
	}
	if err := srv.SetLink(50*time.Millisecond, 0.1); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	rtt, loss := srv.cfg.RTT, srv.cfg.Loss
	srv.mu.Unlock()
	if rtt != 50*time.Millisecond || loss != 0.1 {
		t.Errorf("link %s %v", rtt, loss)
	}
}

// TestDropLeavingConfig: the line that leaves config mode runs, then the
// session closes before the prompt; every config line stays applied.
func TestDropLeavingConfig(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			sw := c.newSwitch(t)
			q46 := sw.DSCPQueue(46)
			sw.SetFaults(Faults{DropLeavingConfig: true})
			tm, wait := pipeSession(t, sw, SessionOptions{})
			c.login(tm)
			tm.run(c.configEnter, c.conf)
			tm.run(c.faultLines[0].line, c.faultLines[0].prompt)
			tm.send(c.configExit + "\r")
			if out := tm.waitClosed(); strings.Contains(out, c.priv) {
				t.Errorf("a prompt after leaving config: %q", out)
			}
			if err := wait(); err == nil {
				t.Error("Serve returned nil, want ErrDropped")
			}
			if sw.DSCPQueue(46) == q46 {
				t.Error("the config line was not applied")
			}
		})
	}
}

// TestSaveTakesAndBanner: the save prints its success text only after
// SaveTakes, and Faults.Banner comes before the first prompt.
func TestSaveTakesAndBanner(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			sw := c.newSwitch(t)
			sw.SetFaults(Faults{SaveTakes: 300 * time.Millisecond, Banner: "NOTICE\nSwitch#\nend of notice"})
			tm, _ := pipeSession(t, sw, SessionOptions{})
			if out := tm.expect(c.exec); !strings.Contains(out, "NOTICE\r\nSwitch#\r\nend of notice\r\n") {
				t.Errorf("banner: %q", out)
			}
			tm.run("enable", c.priv)
			tm.run(c.configEnter, c.conf)
			tm.run(c.faultLines[0].line, c.faultLines[0].prompt)
			tm.run(c.configExit, c.priv)
			tm.send(c.save + "\r")
			tm.expect(c.saveAsk)
			tm.send(c.saveYes + "\r")
			if sw.SaveCount() != 0 {
				t.Error("saved at once")
			}
			if out := tm.expect(c.priv); !strings.Contains(out, c.saveOK) {
				t.Errorf("save output %q lacks %q", out, c.saveOK)
			}
			if sw.SaveCount() != 1 || !sw.Saved() {
				t.Errorf("after the slow save: %d saves, saved %v", sw.SaveCount(), sw.Saved())
			}
		})
	}
}

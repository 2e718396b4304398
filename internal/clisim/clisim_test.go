package clisim

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/<dialect>/<name>.golden, or rewrites
// it with -update. Files keep "\n" line ends; the CLI's "\r\n" are checked
// separately.
func golden(t *testing.T, dialect, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", dialect, strings.NewReplacer(" ", "_", "|", "pipe", "/", "_").Replace(name)+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s: %q differs from %s:\ngot:\n%s\nwant:\n%s", dialect, name, path, got, want)
	}
}

// unCRLF checks that every line ends in "\r\n" and returns the text with
// "\n" line ends.
func unCRLF(t *testing.T, s string) string {
	t.Helper()
	if strings.Count(s, "\n") != strings.Count(s, "\r\n") {
		t.Errorf("bare line feed in %q", s)
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}

func TestFactoryShowGolden(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			tm, _ := pipeSession(t, c.newSwitch(t), SessionOptions{})
			c.login(tm)
			for _, cmd := range c.shows {
				golden(t, c.dialect, cmd, unCRLF(t, tm.run(cmd, c.priv)))
			}
		})
	}
}

// TestSpecFormats pins the output lines the adapter's parsers were written
// against, so that -update cannot bless a format change by accident.
func TestSpecFormats(t *testing.T) {
	want := map[string]map[string][]string{
		"cisco-ios": {
			"show mls qos": {"QoS is disabled", "QoS ip packet dscp rewrite is enabled"},
			"show mls qos maps dscp-output-q": {
				"   Dscp-outputq-threshold map:",
				"     d1 :d2    0     1     2     3     4     5     6     7     8     9",
				"     ------------------------------------------------------------",
				"      0 :    02-01 02-01 02-01 02-01 02-01 02-01 02-01 02-01 02-01 02-01",
				"      1 :    02-01 02-01 02-01 02-01 02-01 02-01 03-01 03-01 03-01 03-01",
				"      6 :    04-01 04-01 04-01 04-01",
			},
			"show mls qos interface": {"GigabitEthernet0/1", "trust state: not trusted", "trust mode: not trusted",
				"trust enabled flag: ena", "COS override: dis", "default COS: 0",
				"DSCP Mutation Map: Default DSCP Mutation Map", "Trust device: none", "qos mode: port-based", "",
				"GigabitEthernet0/2"},
			"show mls qos interface queueing": {"GigabitEthernet0/1", "Egress Priority Queue : disabled",
				"Shaped queue weights (absolute) :  25 0 0 0", "Shared queue weights  :  25 25 25 25",
				"The port bandwidth limit : 100  (Operational Bandwidth:100.0)", "The port is mapped to qset : 1", ""},
		},
		"cisco-sb": {
			"show qos": {"Qos: Basic mode", "Basic trust: cos"},
			"show qos map dscp-queue": {"Dscp-queue map:", "     d1 : d2 0  1  2  3  4  5  6  7  8  9",
				"     -------------------------------------", "      0 :    01 01 01 01 01 01 01 01 01 01",
				"      6 :    03 03 03 03"},
			"show running-config": {"hostname sb1", "qos trust cos", "username cisco password encrypted 9a7d2d1a3b55fd3e0c4cd3bf9b7b4e2b8d2d4f1e privilege 15"},
		},
		"netgear-fastpath": {
			"show classofservice ip-dscp-mapping": {"", "IP DSCP       Traffic Class", " -------------    -------------",
				"   0(be/cs0)           1", "   1                   1", "   46(ef)              2"},
			"show classofservice trust": {"", "Class of Service Trust Mode: Dot1P"},
			"show interfaces cos-queue": {"", "Global Configuration", "",
				"Queue Id   Min. Bandwidth   Max. Bandwidth   Scheduler Type   Queue Management Type",
				"--------   --------------   --------------   --------------   ---------------------",
				"0          0                0                Weighted         Tail Drop"},
		},
	}
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			tm, _ := pipeSession(t, c.newSwitch(t), SessionOptions{})
			c.login(tm)
			for cmd, lines := range want[c.dialect] {
				out := unCRLF(t, tm.run(cmd, c.priv))
				if !strings.Contains("\n"+out, "\n"+strings.Join(lines, "\n")+"\n") &&
					!containsAll(out, lines) {
					t.Errorf("%s: output lacks %q:\n%s", cmd, lines, out)
				}
			}
		})
	}
}

// containsAll reports whether every line of want is a line of out.
func containsAll(out string, want []string) bool {
	have := make(map[string]bool)
	for _, l := range strings.Split(out, "\n") {
		have[l] = true
	}
	for _, l := range want {
		if !have[l] {
			return false
		}
	}
	return true
}

func TestConfigSession(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			sw := c.newSwitch(t)
			before := sw.DSCPQueue(c.dscp)
			tm, wait := pipeSession(t, sw, SessionOptions{})
			c.login(tm)
			tm.run(c.configEnter, c.conf)
			for _, s := range c.change {
				if out := tm.run(s.line, s.prompt); out != "" {
					t.Errorf("%q printed %q", s.line, out)
				}
			}
			tm.run(c.configExit, c.priv)
			if got := sw.DSCPQueue(c.dscp); got != c.queue || got == before {
				t.Errorf("DSCPQueue(%d) = %d, want %d (factory %d)", c.dscp, got, c.queue, before)
			}
			if out := tm.run(c.showAfter, c.priv); !strings.Contains(out, c.want+"\r\n") {
				t.Errorf("%s lacks %q:\n%s", c.showAfter, c.want, out)
			}
			if sw.Saved() {
				t.Error("Saved() after a change, before saving")
			}
			tm.send("exit" + tm.eol)
			tm.waitClosed()
			if err := wait(); err != nil {
				t.Errorf("Serve = %v", err)
			}
		})
	}
}

func TestConfigVisibleInShow(t *testing.T) {
	sw, _ := New("cisco-ios", "sw1")
	tm, _ := pipeSession(t, sw, SessionOptions{})
	c := cases[0]
	c.login(tm)
	tm.run("conf t", c.conf)
	tm.run("mls qos srr-queue output dscp-map queue 1 threshold 3 46 34 24 0", c.conf)
	tm.run("int gi0/1", "sw1(config-if)#")
	tm.run("mls qos trust dscp", "sw1(config-if)#")
	tm.run("srr-queue bandwidth share 10 20 30 40", "sw1(config-if)#")
	tm.run("priority-queue out", "sw1(config-if)#")
	tm.run("mls qos", c.conf) // a global command leaves the sub-mode
	tm.run("end", c.priv)
	grid := tm.run("sh mls qos maps dscp-output-q", c.priv)
	for _, row := range []string{
		"      0 :    01-03 02-01 02-01",
		"      2 :    03-01 03-01 03-01 03-01 01-03 03-01",
		"      4 :    01-01 01-01 01-01 01-01 01-01 01-01 01-03 01-01 04-01 04-01",
	} {
		if !strings.Contains(grid, row) {
			t.Errorf("grid lacks %q:\n%s", row, grid)
		}
	}
	q := tm.run("show mls qos interface gi0/1 queueing", c.priv)
	for _, l := range []string{"Egress Priority Queue : enabled", "Shared queue weights  :  10 20 30 40"} {
		if !strings.Contains(q, l+"\r\n") {
			t.Errorf("queueing lacks %q:\n%s", l, q)
		}
	}
	if out := tm.run("show mls qos", c.priv); !strings.HasPrefix(out, "QoS is enabled\r\n") {
		t.Errorf("show mls qos = %q", out)
	}
	run := tm.run("show running-config | include mls qos", c.priv)
	want := "mls qos srr-queue output dscp-map queue 1 threshold 3 0 24 34 46\r\nmls qos\r\n mls qos trust dscp\r\n"
	if run != want {
		t.Errorf("running-config | include = %q, want %q", run, want)
	}
}

func TestInvalidInput(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			sw := c.newSwitch(t)
			tm, _ := pipeSession(t, sw, SessionOptions{})
			c.login(tm)
			before := sw.Snapshot()
			out := tm.run("show bogus", c.priv)
			wantMarker := strings.Repeat(" ", len(c.priv)+len("show ")) + "^\r\n% Invalid input detected at '^' marker.\r\n"
			if !strings.HasPrefix(out, wantMarker) {
				t.Errorf("show bogus: %q, want prefix %q", out, wantMarker)
			}
			tm.run(c.configEnter, c.conf)
			out = tm.run(c.bad, c.conf)
			wantMarker = strings.Repeat(" ", c.badCaret) + "^\r\n% Invalid input detected at '^' marker.\r\n"
			if !strings.HasPrefix(out, wantMarker) {
				t.Errorf("%q: %q, want prefix %q", c.bad, out, wantMarker)
			}
			// A config command is not a privileged command and vice versa.
			tm.run(c.configExit, c.priv)
			if out := tm.run(c.change[0].line, c.priv); !strings.Contains(out, "% Invalid input detected") {
				t.Errorf("config command in privileged mode: %q", out)
			}
			if !reflect.DeepEqual(sw.Snapshot(), before) {
				t.Error("invalid input changed the switch")
			}
		})
	}
}

func TestGrammar(t *testing.T) {
	sw, _ := New("cisco-ios", "sw1")
	tm, _ := pipeSession(t, sw, SessionOptions{})
	tm.expect("sw1>")
	if out := tm.run("e", "sw1>"); out != "% Ambiguous command:  \"e\"\r\n" {
		t.Errorf("e: %q", out)
	}
	tm.run("en", "sw1#")
	tm.run("ter len 0", "sw1#")
	if out := tm.run("show mls", "sw1#"); out != "% Incomplete command.\r\n" {
		t.Errorf("show mls: %q", out)
	}
	// Nine DSCP values are one too many: the caret marks the ninth.
	tm.run("conf t", "sw1(config)#")
	line := "mls qos srr-queue output dscp-map queue 1 threshold 3 1 2 3 4 5 6 7 8 9"
	out := tm.run(line, "sw1(config)#")
	if want := strings.Repeat(" ", len("sw1(config)#")+strings.LastIndex(line, "9")) + "^\r\n"; !strings.HasPrefix(out, want) {
		t.Errorf("nine values: %q", out)
	}
	if out := tm.run("mls qos srr-queue output dscp-map queue 1 threshold 3 64", "sw1(config)#"); !strings.Contains(out, "Invalid input") {
		t.Errorf("dscp 64: %q", out)
	}
	tm.run("int g 0/8", "sw1(config-if)#")
	if out := tm.run("interface gi0/9", "sw1(config-if)#"); !strings.Contains(out, "Invalid input") {
		t.Errorf("gi0/9: %q", out)
	}
	tm.run("no mls qos tr", "sw1(config-if)#")
	tm.run("hostname core-1", "core-1(config)#")
	tm.run("end", "core-1#")
	tm.run("wr mem", "core-1#")
	if sw.SaveCount() != 1 || !sw.Saved() {
		t.Errorf("wr mem: SaveCount %d Saved %v", sw.SaveCount(), sw.Saved())
	}
	// "\r\n", "\n" and "\r" all end a line; backspace edits.
	tm.send("show mls qos\r\n")
	tm.expect("core-1#")
	tm.send("show mls qoz\x7fs\n")
	if out := tm.expect("core-1#"); !strings.Contains(out, "QoS is disabled") {
		t.Errorf("after backspace: %q", out)
	}
}

func TestFastpathDSCPNames(t *testing.T) {
	sw, _ := New("netgear-fastpath", "")
	tm, _ := pipeSession(t, sw, SessionOptions{})
	c := cases[2]
	c.login(tm)
	tm.run("configure", c.conf)
	tm.run("classofservice ip-dscp-mapping ef 3", c.conf)
	tm.run("classofservice ip-dscp-mapping af41 1", c.conf)
	if sw.DSCPQueue(46) != 3 || sw.DSCPQueue(34) != 1 {
		t.Errorf("queues %d %d", sw.DSCPQueue(46), sw.DSCPQueue(34))
	}
	// Saving is refused in config mode.
	if out := tm.run("write memory", c.conf); !strings.Contains(out, "% Invalid input detected") {
		t.Errorf("write memory in config mode: %q", out)
	}
	tm.run("exit", c.priv)
	if out := tm.run("show classofservice ip-dscp-mapping | include ef", c.priv); out != "   46(ef)              3\r\n" {
		t.Errorf("| include ef: %q", out)
	}
}

func TestPaging(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			tm, _ := pipeSession(t, c.newSwitch(t), SessionOptions{})
			tm.expect(c.exec)
			tm.run("enable", c.priv)
			tm.send(c.long + "\r")
			page := tm.expect(morePrompt)
			if n := strings.Count(page, "\r\n"); n != 1+defaultPageLen {
				t.Errorf("first page has %d lines, want echo + %d", n, defaultPageLen)
			}
			// Space shows the next page, until the prompt.
			rest := ""
			for {
				tm.send(" ")
				out := tm.expectEither(morePrompt, c.priv)
				rest += out
				if !strings.HasSuffix(out, morePrompt) {
					rest = strings.TrimSuffix(rest, c.priv)
					break
				}
			}
			tm.send("\r")
			tm.expect(c.priv)

			// The whole output, less the pager, is what paging off shows.
			tm.run(c.pagingOff, c.priv)
			all := tm.run(c.long, c.priv)
			paged := strings.TrimPrefix(page, c.long+"\r\n") + morePrompt + rest
			paged = strings.ReplaceAll(paged, morePrompt+moreErase, "")
			if paged != all {
				t.Errorf("paged output differs:\n%q\nwant\n%q", paged, all)
			}
		})
	}
}

func TestPagingQuit(t *testing.T) {
	c := cases[0]
	tm, _ := pipeSession(t, c.newSwitch(t), SessionOptions{})
	tm.expect(c.exec)
	tm.run("enable", c.priv)
	tm.send("show running-config\n")
	tm.expect(morePrompt)
	tm.send("q")
	if out := tm.expect(c.priv); out != moreErase {
		t.Errorf("after q: %q", out)
	}
	// The session is usable afterwards.
	if out := tm.run("show mls qos", c.priv); !strings.HasPrefix(out, "QoS is disabled") {
		t.Errorf("show mls qos: %q", out)
	}
}

func TestSave(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			sw := c.newSwitch(t)
			if !sw.Saved() || sw.SaveCount() != 0 {
				t.Fatalf("factory: Saved %v SaveCount %d", sw.Saved(), sw.SaveCount())
			}
			tm, _ := pipeSession(t, sw, SessionOptions{})
			c.login(tm)
			tm.run(c.configEnter, c.conf)
			tm.run(c.change[0].line, c.change[0].prompt)
			tm.run(c.configExit, c.priv)

			tm.send(c.save + "\r")
			tm.expect(c.saveAsk)
			out := tm.run(c.saveNo, c.priv)
			if sw.Saved() || sw.SaveCount() != 0 || strings.Contains(out, c.saveOK) {
				t.Errorf("after no: Saved %v SaveCount %d output %q", sw.Saved(), sw.SaveCount(), out)
			}
			tm.send(c.save + "\r")
			tm.expect(c.saveAsk)
			out = tm.run(c.saveYes, c.priv)
			if !sw.Saved() || sw.SaveCount() != 1 || !strings.Contains(out, c.saveOK+"\r\n") {
				t.Errorf("after yes: Saved %v SaveCount %d output %q", sw.Saved(), sw.SaveCount(), out)
			}
			if st := sw.Snapshot(); !st.Running.equal(st.Startup) {
				t.Error("startup differs from running after save")
			}
		})
	}
}

func TestEnableSecret(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			tm, _ := pipeSession(t, c.newSwitch(t), SessionOptions{EnableSecret: "s3cret", Banner: "Authorized access only"})
			if out := tm.expect(c.exec); out != "Authorized access only\r\n" {
				t.Errorf("banner: %q", out)
			}
			tm.send("enable\r")
			tm.expect("enable\r\nPassword: ")
			tm.send("wrong\r")
			if out := tm.expect(c.exec); out != "\r\n"+c.deniedEnable+"\r\n" {
				t.Errorf("wrong secret: %q (the secret must not echo)", out)
			}
			if out := tm.run("show running-config", c.exec); !strings.Contains(out, "% Invalid input") {
				t.Errorf("show running-config in exec mode: %q", out)
			}
			tm.send("enable\r")
			tm.expect("Password: ")
			tm.send("s3cret\r")
			tm.expect(c.priv)
			tm.run("disable", c.exec)
		})
	}
}

func TestStartPrivileged(t *testing.T) {
	sw, _ := New("cisco-sb", "sb1")
	tm, _ := pipeSession(t, sw, SessionOptions{StartPrivileged: true})
	tm.expect("sb1#")
	tm.run("terminal datadump", "sb1#")
}

func TestFailCommand(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			sw := c.newSwitch(t)
			q := [3]int{sw.DSCPQueue(46), sw.DSCPQueue(34), sw.DSCPQueue(24)}
			tm, wait := pipeSession(t, sw, SessionOptions{})
			c.login(tm)
			tm.run(c.configEnter, c.conf)
			sw.SetFaults(Faults{FailCommand: " 34"})
			var outs []string
			for _, s := range c.faultLines {
				outs = append(outs, tm.run(s.line, s.prompt))
			}
			if outs[0] != "" || outs[2] != "" || !strings.Contains(outs[1], "% Invalid input detected at '^' marker.") {
				t.Errorf("outputs %q", outs)
			}
			if sw.DSCPQueue(46) == q[0] || sw.DSCPQueue(34) != q[1] || sw.DSCPQueue(24) == q[2] {
				t.Errorf("46, 34, 24 went from %v to %d %d %d; want only 34 unchanged", q,
					sw.DSCPQueue(46), sw.DSCPQueue(34), sw.DSCPQueue(24))
			}
			tm.send("exit\r")
			tm.send("exit\r")
			tm.waitClosed()
			if err := wait(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestDropAfterConfigLines(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			sw := c.newSwitch(t)
			q46, q24 := sw.DSCPQueue(46), sw.DSCPQueue(24)
			sw.SetFaults(Faults{DropAfterConfigLines: 2})
			tm, wait := pipeSession(t, sw, SessionOptions{})
			c.login(tm)
			tm.run(c.configEnter, c.conf)
			tm.run(c.faultLines[0].line, c.faultLines[0].prompt)
			// Both lines in one write: the session reads the third but
			// must drop before running it.
			io.WriteString(tm.w, c.faultLines[1].line+"\r"+c.faultLines[2].line+"\r")
			if out := tm.waitClosed(); strings.Contains(out, c.conf) {
				t.Errorf("a prompt after the drop: %q", out)
			}
			if err := wait(); !errors.Is(err, ErrDropped) {
				t.Errorf("Serve = %v, want ErrDropped", err)
			}
			if sw.DSCPQueue(46) == q46 {
				t.Errorf("first line not applied: DSCPQueue(46) = %d", sw.DSCPQueue(46))
			}
			if sw.DSCPQueue(24) != q24 {
				t.Error("the line after the drop was applied")
			}
		})
	}
}

func TestNewAndRestore(t *testing.T) {
	if _, err := New("juniper", "x"); err == nil || !strings.Contains(err.Error(), "cisco-ios, cisco-sb, netgear-fastpath") {
		t.Errorf("unknown dialect: %v", err)
	}
	if _, err := New("cisco-ios", "bad host"); err == nil {
		t.Error("hostname with a space accepted for cisco-ios")
	}
	sw, _ := New("netgear-fastpath", "")
	if sw.Dialect() != "netgear-fastpath" || sw.Running().Hostname != "NETGEAR Switch" {
		t.Errorf("defaults: %s %q", sw.Dialect(), sw.Running().Hostname)
	}
	for _, c := range cases {
		sw := c.newSwitch(t)
		st := sw.Snapshot()
		st.Running.Map[46].Queue = 3
		st.SaveCount = 7
		other := c.newSwitch(t)
		if err := other.Restore(st); err != nil {
			t.Fatalf("%s: %v", c.dialect, err)
		}
		if !reflect.DeepEqual(other.Snapshot(), st) || other.Saved() {
			t.Errorf("%s: restore lost state", c.dialect)
		}
		st.Running.Map[46].Queue = 9
		if err := other.Restore(st); err == nil {
			t.Errorf("%s: queue 9 restored", c.dialect)
		}
	}
	ios, _ := New("cisco-ios", "")
	sb, _ := New("cisco-sb", "")
	if err := sb.Restore(ios.Snapshot()); err == nil {
		t.Error("cisco-ios state restored into cisco-sb")
	}
}

func TestFactoryMaps(t *testing.T) {
	want := map[string]map[int]int{
		"cisco-ios":        {0: 2, 15: 2, 16: 3, 24: 3, 31: 3, 32: 4, 34: 4, 40: 1, 46: 1, 48: 4, 63: 4},
		"cisco-sb":         {0: 1, 15: 1, 16: 2, 23: 2, 24: 3, 34: 3, 40: 4, 46: 4, 48: 3, 63: 3},
		"netgear-fastpath": {0: 1, 8: 0, 16: 0, 24: 1, 34: 2, 46: 2, 48: 3, 63: 3},
	}
	for dialect, m := range want {
		sw, _ := New(dialect, "")
		for d, q := range m {
			if got := sw.DSCPQueue(d); got != q {
				t.Errorf("%s: DSCPQueue(%d) = %d, want %d", dialect, d, got, q)
			}
		}
	}
}

func ExampleSwitch_Serve() {
	sw, _ := New("cisco-ios", "sw1")
	in := strings.NewReader("enable\nshow mls qos\nexit\n")
	var out strings.Builder
	_ = sw.Serve(in, &out)
	fmt.Print(strings.ReplaceAll(out.String(), "\r\n", "\n"))
	// Output:
	// sw1>enable
	// sw1#show mls qos
	// QoS is disabled
	// QoS ip packet dscp rewrite is enabled
	// sw1#exit
}

// TestSBFactorySchedulerAllStrict: a small business switch leaves the
// factory with every queue strict (SG200 administration guide: "By default,
// all queues are strict priority queues"; 300 series CLI reference: "wrr is
// disabled by default") and its running config then has no priority-queue
// line; the line appears once the count differs and goes with "no".
func TestSBFactorySchedulerAllStrict(t *testing.T) {
	for _, queues := range []int{4, 8} {
		sw, err := NewWithOptions("cisco-sb", Options{Hostname: "sb1", Queues: queues})
		if err != nil {
			t.Fatal(err)
		}
		if got := sw.Running().StrictN; got != queues {
			t.Errorf("%d queues: factory strict count %d, want all", queues, got)
		}
		tm, _ := pipeSession(t, sw, SessionOptions{StartPrivileged: true})
		tm.expect("sb1#")
		tm.run("terminal datadump", "sb1#")
		if out := tm.run("show running-config", "sb1#"); strings.Contains(out, "priority-queue") {
			t.Errorf("%d queues: factory running config has a priority-queue line:\n%s", queues, out)
		}
		if out := tm.run("show qos interface queuing", "sb1#"); strings.Contains(out, "dis-") {
			t.Errorf("%d queues: a factory queue is not strict:\n%s", queues, out)
		}
		tm.run("configure terminal", "sb1(config)#")
		tm.run("priority-queue out num-of-queues 1", "sb1(config)#")
		tm.run("end", "sb1#")
		if out := tm.run("show running-config", "sb1#"); !strings.Contains(out, "\npriority-queue out num-of-queues 1\r\n") {
			t.Errorf("%d queues: no priority-queue line after setting one strict queue:\n%s", queues, out)
		}
		tm.run("configure terminal", "sb1(config)#")
		tm.run("no priority-queue out num-of-queues", "sb1(config)#")
		tm.run("end", "sb1#")
		if out := tm.run("show running-config", "sb1#"); strings.Contains(out, "priority-queue") {
			t.Errorf("%d queues: priority-queue line after going back to the factory count:\n%s", queues, out)
		}
	}
}

package clisim

import (
	"strings"
	"testing"
)

// variantCase is one hardware variant of a dialect and the lines that set
// it up (config mode) before its shows are golden-tested.
type variantCase struct {
	dialect, name string
	opts          Options
	setup         []step // typed in config mode
	shows         []string
}

var variantCases = []variantCase{
	{dialect: "cisco-ios", name: "default", shows: []string{"show version", "show startup-config"}},
	{dialect: "cisco-ios", name: "stack", opts: Options{StackPorts: true},
		setup: []step{{"interface Gi1/0/3", "sw1(config-if)#"}, {"mls qos trust dscp", "sw1(config-if)#"}, {"end", "sw1#"}},
		shows: []string{"show version", "show mls qos interface Gi1/0/3", "show running-config"}},
	{dialect: "cisco-sb", name: "default", shows: []string{"show version", "show startup-config"}},
	{dialect: "cisco-sb", name: "8-queue", opts: Options{Queues: 8},
		shows: []string{"show version", "show qos map dscp-queue", "show qos interface queuing", "show running-config"}},
	{dialect: "cisco-sb", name: "all-strict-port-untrusted", opts: Options{AllStrictFactory: true},
		setup: []step{{"interface gi1/0/5", "sb1(config-if)#"}, {"no qos trust", "sb1(config-if)#"}, {"end", "sb1#"}},
		shows: []string{"show running-config"}},
	{dialect: "netgear-fastpath", name: "default", shows: []string{"show version", "show startup-config"}},
	{dialect: "netgear-fastpath", name: "7-queue", opts: Options{Queues: 7},
		setup: []step{{"interface 1/0/5", "(NETGEAR Switch) (Interface 1/0/5)#"}, {"classofservice trust untrusted", "(NETGEAR Switch) (Interface 1/0/5)#"},
			{"exit", "(NETGEAR Switch) (Config)#"}, {"exit", "(NETGEAR Switch) #"}},
		shows: []string{"show version", "show classofservice ip-dscp-mapping", "show interfaces cos-queue",
			"show classofservice trust 1/0/5", "show running-config"}},
	{dialect: "netgear-fastpath", name: "no-max-bandwidth", opts: Options{NoMaxBandwidth: true},
		shows: []string{"show interfaces cos-queue"}},
	{dialect: "netgear-fastpath", name: "no-bandwidth", opts: Options{NoMinBandwidth: true, NoMaxBandwidth: true},
		shows: []string{"show interfaces cos-queue"}},
}

func (v variantCase) dcase() dialectCase {
	for _, c := range cases {
		if c.dialect == v.dialect {
			return c
		}
	}
	panic("no case for " + v.dialect)
}

func (v variantCase) newSwitch(t *testing.T) *Switch {
	o := v.opts
	o.Hostname = v.dcase().host
	sw, err := NewWithOptions(v.dialect, o)
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

func TestVariantShowGolden(t *testing.T) {
	for _, v := range variantCases {
		t.Run(v.dialect+"/"+v.name, func(t *testing.T) {
			c := v.dcase()
			tm, _ := pipeSession(t, v.newSwitch(t), SessionOptions{})
			c.login(tm)
			if len(v.setup) > 0 {
				tm.run(c.configEnter, c.conf)
				for _, s := range v.setup {
					if out := tm.run(s.line, s.prompt); out != "" {
						t.Errorf("%q printed %q", s.line, out)
					}
				}
			}
			for _, cmd := range v.shows {
				golden(t, v.dialect+"/"+v.name, cmd, unCRLF(t, tm.run(cmd, c.priv)))
			}
		})
	}
}

// The startup config is what the switch boots with: a change shows in the
// running config only, until a save copies it; a reload brings the
// startup config back.
func TestStartupConfigAndReload(t *testing.T) {
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			sw := c.newSwitch(t)
			tm, _ := pipeSession(t, sw, SessionOptions{})
			c.login(tm)
			body := func(cmd string) string {
				out := unCRLF(t, tm.run(cmd, c.priv))
				// Drop the header lines that differ between the two
				// (sizes, "Current" vs "Startup").
				lines := strings.Split(out, "\n")
				for i, l := range lines {
					if strings.HasPrefix(l, "!Current Configuration") || strings.HasPrefix(l, "!Startup Configuration") {
						lines[i] = ""
					}
				}
				out = strings.Join(lines, "\n")
				if i := strings.Index(out, "\n!\n"); c.dialect == "cisco-ios" && i >= 0 {
					out = out[i:]
				}
				return out
			}
			factory := body("show startup-config")
			if body("show running-config") != factory {
				t.Fatalf("factory running and startup differ:\n%s\n---\n%s", body("show running-config"), factory)
			}
			tm.run(c.configEnter, c.conf)
			for _, s := range c.change {
				tm.run(s.line, s.prompt)
			}
			tm.run(c.configExit, c.priv)
			changed := body("show running-config")
			if changed == factory || body("show startup-config") != factory {
				t.Fatalf("before save: running changed %v, startup kept %v", changed != factory, body("show startup-config") == factory)
			}
			sw.Reload()
			if got := body("show running-config"); got != factory || sw.DSCPQueue(c.dscp) == c.queue {
				t.Errorf("after a reload without save the change survived:\n%s", got)
			}
			tm.run(c.configEnter, c.conf)
			for _, s := range c.change {
				tm.run(s.line, s.prompt)
			}
			tm.run(c.configExit, c.priv)
			tm.send(c.save + "\r")
			tm.expect(c.saveAsk)
			tm.run(c.saveYes, c.priv)
			if got := body("show startup-config"); got != changed {
				t.Errorf("startup after save:\n%s\nwant:\n%s", got, changed)
			}
			sw.Reload()
			if got := body("show running-config"); got != changed || sw.DSCPQueue(c.dscp) != c.queue {
				t.Errorf("after save and reload:\n%s\nwant:\n%s", got, changed)
			}
		})
	}
}

func TestConfigTerminalHint(t *testing.T) {
	const hint = "Enter configuration commands, one per line.  End with CNTL/Z.\r\n"
	for _, c := range cases {
		t.Run(c.dialect, func(t *testing.T) {
			tm, _ := pipeSession(t, c.newSwitch(t), SessionOptions{})
			c.login(tm)
			out := tm.run(c.configEnter, c.conf)
			want := hint
			if c.dialect == "netgear-fastpath" {
				want = "" // FASTPATH's "configure" prints nothing
			}
			if out != want {
				t.Errorf("%s printed %q, want %q", c.configEnter, out, want)
			}
		})
	}
}

func TestIOSPortNames(t *testing.T) {
	for _, tc := range []struct {
		stack    bool
		ok, bad  []string
		canonial string
	}{
		{false, []string{"interface GigabitEthernet0/3", "int gi0/3", "interface g 0/3"}, []string{"interface Gi1/0/3", "interface gi0/9"}, "GigabitEthernet0/3"},
		{true, []string{"interface GigabitEthernet1/0/3", "int Gi1/0/3", "interface gi 1/0/3"}, []string{"interface Gi0/3", "interface gi1/0/9", "interface gi2/0/3"}, "GigabitEthernet1/0/3"},
	} {
		sw, err := NewWithOptions("cisco-ios", Options{Hostname: "sw1", StackPorts: tc.stack})
		if err != nil {
			t.Fatal(err)
		}
		tm, _ := pipeSession(t, sw, SessionOptions{})
		c := cases[0]
		c.login(tm)
		tm.run("configure terminal", c.conf)
		for _, l := range tc.ok {
			if out := tm.run(l, "sw1(config-if)#"); out != "" {
				t.Errorf("stack %v: %q printed %q", tc.stack, l, out)
			}
			tm.run("mls qos trust dscp", "sw1(config-if)#")
			tm.run("exit", c.conf)
		}
		for _, l := range tc.bad {
			if out := tm.run(l, c.conf); !strings.Contains(out, "% Invalid input detected at '^' marker.") {
				t.Errorf("stack %v: %q accepted: %q", tc.stack, l, out)
			}
		}
		if p := sw.Running().Ports[2]; p.Name != tc.canonial || p.Trust != "dscp" {
			t.Errorf("stack %v: port 3 = %+v", tc.stack, p)
		}
	}
}

func TestFastpathWriteMemoryConfirm(t *testing.T) {
	c := cases[2]
	sw := c.newSwitch(t)
	tm, _ := pipeSession(t, sw, SessionOptions{})
	c.login(tm)
	tm.run(c.configEnter, c.conf)
	tm.run(c.change[0].line, c.conf)
	tm.run(c.configExit, c.priv)
	out := tm.run("write memory confirm", c.priv)
	if !sw.Saved() || sw.SaveCount() != 1 || strings.Contains(out, "(y/n)") || !strings.Contains(out, c.saveOK) {
		t.Errorf("write memory confirm: Saved %v count %d output %q", sw.Saved(), sw.SaveCount(), out)
	}
}

// Per-interface trust: set on one interface, shown in the running config,
// and (FASTPATH) cleared by a Global Config trust command, which sets every
// interface.
func TestPerInterfaceTrust(t *testing.T) {
	t.Run("cisco-sb", func(t *testing.T) {
		c := cases[1]
		sw := c.newSwitch(t)
		tm, _ := pipeSession(t, sw, SessionOptions{})
		c.login(tm)
		tm.run(c.configEnter, c.conf)
		tm.run("interface GigabitEthernet1/0/5", "sb1(config-if)#")
		tm.run("no qos trust", "sb1(config-if)#")
		tm.run("qos trust dscp", c.conf) // a global command leaves interface mode
		tm.run("end", c.priv)
		if f := sw.Running().Ifaces[4]; f.Trust != "untrusted" {
			t.Errorf("interface 5 = %+v", f)
		}
		run := unCRLF(t, tm.run("show running-config", c.priv))
		if !strings.Contains(run, "qos trust dscp\n") || !strings.Contains(run, "interface GigabitEthernet1/0/5\n no qos trust\n!\n") {
			t.Errorf("running config:\n%s", run)
		}
		tm.run("configure terminal", c.conf)
		tm.run("interface gi1/0/5", "sb1(config-if)#")
		tm.run("qos trust", "sb1(config-if)#")
		tm.run("end", c.priv)
		if f := sw.Running().Ifaces[4]; f.Trust != "" {
			t.Errorf("after qos trust: interface 5 = %+v", f)
		}
	})
	t.Run("netgear-fastpath", func(t *testing.T) {
		c := cases[2]
		sw := c.newSwitch(t)
		tm, _ := pipeSession(t, sw, SessionOptions{})
		c.login(tm)
		tm.run(c.configEnter, c.conf)
		tm.run("classofservice trust ip-dscp", c.conf)
		tm.run("interface 0/5", "(NETGEAR Switch) (Interface 0/5)#")
		tm.run("classofservice trust untrusted", "(NETGEAR Switch) (Interface 0/5)#")
		tm.run("exit", c.conf)
		tm.run("exit", c.priv)
		if out := tm.run("show classofservice trust 0/5", c.priv); !strings.Contains(out, "Class of Service Trust Mode: Untrusted\r\n") {
			t.Errorf("trust 0/5: %q", out)
		}
		if out := tm.run("show classofservice trust 0/4", c.priv); !strings.Contains(out, "Class of Service Trust Mode: IP DSCP\r\n") {
			t.Errorf("trust 0/4: %q", out)
		}
		run := unCRLF(t, tm.run("show running-config", c.priv))
		if !strings.Contains(run, "\nclassofservice trust ip-dscp\n") || !strings.Contains(run, "\ninterface 0/5\nclassofservice trust untrusted\nexit\n") {
			t.Errorf("running config:\n%s", run)
		}
		tm.run(c.configEnter, c.conf)
		tm.run("classofservice trust ip-dscp", c.conf)
		tm.run("exit", c.priv)
		if f := sw.Running().Ifaces[4]; f.Trust != "" {
			t.Errorf("a global trust command kept interface 5's own: %+v", f)
		}
	})
}

func TestQueueVariants(t *testing.T) {
	for _, tc := range []struct {
		dialect   string
		opts      Options
		conf      string
		ok, bad   []string
		dscp, top int
	}{
		{"netgear-fastpath", Options{Queues: 7}, "(NETGEAR Switch) (Config)#",
			[]string{"classofservice ip-dscp-mapping ef 6", "cos-queue strict 5 6"}, []string{"classofservice ip-dscp-mapping 46 7"}, 46, 6},
		{"cisco-sb", Options{Queues: 8}, "sb1(config)#",
			[]string{"qos map dscp-queue 46 to 8", "priority-queue out num-of-queues 1"}, []string{"qos map dscp-queue 46 to 9"}, 46, 8},
	} {
		t.Run(tc.dialect, func(t *testing.T) {
			var c dialectCase
			for _, d := range cases {
				if d.dialect == tc.dialect {
					c = d
				}
			}
			o := tc.opts
			o.Hostname = c.host
			sw, err := NewWithOptions(tc.dialect, o)
			if err != nil {
				t.Fatal(err)
			}
			tm, _ := pipeSession(t, sw, SessionOptions{})
			c.login(tm)
			tm.run(c.configEnter, tc.conf)
			for _, l := range tc.ok {
				if out := tm.run(l, tc.conf); out != "" {
					t.Errorf("%q printed %q", l, out)
				}
			}
			for _, l := range tc.bad {
				if out := tm.run(l, tc.conf); !strings.Contains(out, "Invalid input") {
					t.Errorf("%q accepted: %q", l, out)
				}
			}
			if q := sw.DSCPQueue(tc.dscp); q != tc.top {
				t.Errorf("DSCPQueue(%d) = %d, want %d", tc.dscp, q, tc.top)
			}
		})
	}
	for _, bad := range []struct {
		dialect string
		o       Options
	}{
		{"cisco-ios", Options{Queues: 8}}, {"cisco-sb", Options{Queues: 7}}, {"netgear-fastpath", Options{Queues: 8}},
		{"cisco-ios", Options{NoMaxBandwidth: true}}, {"netgear-fastpath", Options{StackPorts: true}},
	} {
		if _, err := NewWithOptions(bad.dialect, bad.o); err == nil {
			t.Errorf("%s %+v: accepted", bad.dialect, bad.o)
		}
	}
}

// A restored state must be of the same variant.
func TestRestoreVariant(t *testing.T) {
	a, _ := NewWithOptions("cisco-sb", Options{Queues: 8})
	b, _ := New("cisco-sb", "")
	if err := b.Restore(a.Snapshot()); err == nil {
		t.Error("an 8-queue state restored into a 4-queue switch")
	}
	if err := a.Restore(a.Snapshot()); err != nil {
		t.Error(err)
	}
	if err := a.Edit(func(c *Config) { c.Ifaces[4].Trust = "untrusted" }); err != nil || a.Running().Ifaces[4].Trust != "untrusted" {
		t.Errorf("Edit: %v", err)
	}
	if err := a.Edit(func(c *Config) { c.Ifaces[4].Trust = "bogus" }); err == nil {
		t.Error("Edit accepted an invalid trust")
	}
}

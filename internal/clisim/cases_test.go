package clisim

// step is one typed line and the prompt that must follow it.
type step struct{ line, prompt string }

// dialectCase describes how a test drives one dialect.
type dialectCase struct {
	dialect          string
	host             string // passed to New
	exec, priv, conf string // prompts
	pagingOff        string
	configEnter      string
	configExit       string
	shows            []string // the adapter's read commands, golden-tested
	long             string   // a show longer than a page
	change           []step   // config lines that change DSCP 46 and trust
	dscp, queue      int      // DSCPQueue(dscp) after change
	showAfter, want  string   // a show that reflects change, and a line in it
	bad              string   // an invalid config line
	badCaret         int      // caret column under bad's bad token (with prompt)
	save, saveAsk    string
	saveYes, saveNo  string
	saveOK           string // in the output of a confirmed save
	deniedEnable     string
	faultLines       []step // three map lines for the fault tests
}

var cases = []dialectCase{
	{
		dialect: "cisco-ios", host: "sw1",
		exec: "sw1>", priv: "sw1#", conf: "sw1(config)#",
		pagingOff: "terminal length 0", configEnter: "configure terminal", configExit: "end",
		shows: []string{"show mls qos", "show mls qos maps dscp-output-q", "show mls qos interface",
			"show mls qos interface queueing", "show running-config"},
		long: "show mls qos interface",
		change: []step{
			{"mls qos", "sw1(config)#"},
			{"mls qos srr-queue output dscp-map queue 1 threshold 3 46 34", "sw1(config)#"},
			{"interface GigabitEthernet0/2", "sw1(config-if)#"},
			{"mls qos trust dscp", "sw1(config-if)#"},
			{"priority-queue out", "sw1(config-if)#"},
			{"exit", "sw1(config)#"},
		},
		dscp: 34, queue: 1,
		showAfter: "show mls qos interface Gi0/2", want: "trust state: trust dscp",
		bad: "mls qos srr-queue output dscp-map queue 5 threshold 3 46", badCaret: len("sw1(config)#mls qos srr-queue output dscp-map queue "),
		save: "copy running-config startup-config", saveAsk: "Destination filename [startup-config]? ",
		saveYes: "", saveNo: "flash:other", saveOK: "[OK]",
		deniedEnable: "% Bad secrets",
		faultLines: []step{
			{"mls qos srr-queue output dscp-map queue 2 threshold 3 46", "sw1(config)#"},
			{"mls qos srr-queue output dscp-map queue 2 threshold 3 34", "sw1(config)#"},
			{"mls qos srr-queue output dscp-map queue 2 threshold 3 24", "sw1(config)#"},
		},
	},
	{
		dialect: "cisco-sb", host: "sb1",
		exec: "sb1>", priv: "sb1#", conf: "sb1(config)#",
		pagingOff: "terminal datadump", configEnter: "configure terminal", configExit: "end",
		shows: []string{"show qos", "show qos map dscp-queue", "show qos interface queuing", "show running-config | include priority-queue",
			"show running-config"},
		long: "show running-config",
		change: []step{
			{"qos map dscp-queue 46 47 to 3", "sb1(config)#"},
			{"qos trust dscp", "sb1(config)#"},
			{"priority-queue out num-of-queues 1", "sb1(config)#"},
		},
		dscp: 47, queue: 3,
		showAfter: "show qos", want: "Basic trust: dscp",
		bad: "qos map dscp-queue 46 to 5", badCaret: len("sb1(config)#qos map dscp-queue 46 to "),
		save: "write memory", saveAsk: "Overwrite file [startup-config].... (Y/N)[N] ?",
		saveYes: "Y", saveNo: "N", saveOK: "Copy succeeded",
		deniedEnable: "% Access denied",
		faultLines: []step{
			{"qos map dscp-queue 46 to 1", "sb1(config)#"},
			{"qos map dscp-queue 34 to 1", "sb1(config)#"},
			{"qos map dscp-queue 24 to 1", "sb1(config)#"},
		},
	},
	{
		dialect: "netgear-fastpath", host: "",
		exec: "(NETGEAR Switch) >", priv: "(NETGEAR Switch) #", conf: "(NETGEAR Switch) (Config)#",
		pagingOff: "terminal length 0", configEnter: "configure", configExit: "exit",
		shows: []string{"show classofservice ip-dscp-mapping", "show classofservice trust",
			"show interfaces cos-queue", "show running-config"},
		long: "show classofservice ip-dscp-mapping",
		change: []step{
			{"classofservice ip-dscp-mapping 47 3", "(NETGEAR Switch) (Config)#"},
			{"classofservice trust ip-dscp", "(NETGEAR Switch) (Config)#"},
			{"cos-queue strict 3", "(NETGEAR Switch) (Config)#"},
		},
		dscp: 47, queue: 3,
		showAfter: "show classofservice trust", want: "Class of Service Trust Mode: IP DSCP",
		bad: "classofservice ip-dscp-mapping 46 4", badCaret: len("(NETGEAR Switch) (Config)#classofservice ip-dscp-mapping 46 "),
		save: "write memory", saveAsk: "Are you sure you want to save? (y/n) ",
		saveYes: "y", saveNo: "n", saveOK: "Config file 'startup-config' created successfully .",
		deniedEnable: "% Access denied",
		faultLines: []step{
			{"classofservice ip-dscp-mapping 46 3", "(NETGEAR Switch) (Config)#"},
			{"classofservice ip-dscp-mapping 34 3", "(NETGEAR Switch) (Config)#"},
			{"classofservice ip-dscp-mapping 24 3", "(NETGEAR Switch) (Config)#"},
		},
	},
}

// newSwitch returns a factory switch for c.
func (c dialectCase) newSwitch(t interface{ Fatal(...any) }) *Switch {
	sw, err := New(c.dialect, c.host)
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

// login enables and turns paging off.
func (c dialectCase) login(tm *term) {
	tm.expect(c.exec)
	tm.run("enable", c.priv)
	tm.run(c.pagingOff, c.priv)
}

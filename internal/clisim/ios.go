package clisim

import (
	"fmt"
	"strconv"
	"strings"
)

// iosPorts is the number of GigabitEthernet ports of a simulated
// Catalyst: enough to show per-port settings without long outputs.
const iosPorts = 8

// iosPortPrefix is what precedes the port number in a port name: a
// standalone 2960/3560 numbers slot 0, a stackable 2960S/2960X/3750
// numbers switch 1, module 0.
func iosPortPrefix(stack bool) string {
	if stack {
		return "GigabitEthernet1/0/"
	}
	return "GigabitEthernet0/"
}

// iosFactoryCell is the Catalyst 2960/3560/3750 default egress map
// (Catalyst 2960 software configuration guide, "Mapping DSCP or CoS
// Values to an Egress Queue and to a Threshold ID"): 0-15 Q2, 16-31 Q3,
// 32-39 and 48-63 Q4, 40-47 Q1, all threshold 1.
func iosFactoryCell(dscp int) Cell {
	q := 4
	switch {
	case dscp < 16:
		q = 2
	case dscp < 32:
		q = 3
	case dscp >= 40 && dscp < 48:
		q = 1
	}
	return Cell{Queue: q, Threshold: 1}
}

func iosFactory(prefix string) Config {
	var c Config
	for d := range c.Map {
		c.Map[d] = iosFactoryCell(d)
	}
	for i := range iosPorts {
		c.Ports = append(c.Ports, Port{
			Name:  fmt.Sprintf("%s%d", prefix, i+1),
			Share: [4]int{25, 25, 25, 25},
			Shape: [4]int{25, 0, 0, 0},
		})
	}
	return c
}

func iosValidate(c Config, prefix string) error {
	if !ciscoHost.MatchString(c.Hostname) {
		return fmt.Errorf("bad hostname %q", c.Hostname)
	}
	if len(c.Ports) != iosPorts || len(c.Ifaces) > 0 || len(c.Strict) > 0 {
		return fmt.Errorf("%d ports, want %d (and no per-interface or per-queue settings)", len(c.Ports), iosPorts)
	}
	for i, p := range c.Ports {
		if p.Name != fmt.Sprintf("%s%d", prefix, i+1) {
			return fmt.Errorf("port %d named %q", i, p.Name)
		}
		switch p.Trust {
		case "", "dscp", "cos", "ip-precedence":
		default:
			return fmt.Errorf("%s: bad trust %q", p.Name, p.Trust)
		}
	}
	return checkMap(c, 1, 4, true)
}

func iosDialect(o Options) (*dialect, error) {
	if o.Queues != 0 && o.Queues != 4 {
		return nil, fmt.Errorf("a Catalyst has 4 egress queues, not %d", o.Queues)
	}
	if o.AllStrictFactory || o.NoMinBandwidth || o.NoMaxBandwidth {
		return nil, fmt.Errorf("options AllStrictFactory, NoMinBandwidth and NoMaxBandwidth are not for cisco-ios")
	}
	prefix := iosPortPrefix(o.StackPorts)
	return &dialect{
		name:        "cisco-ios",
		defaultHost: "Switch",
		hostPattern: ciscoHost,
		factory:     func() Config { return iosFactory(prefix) },
		validate:    func(c Config) error { return iosValidate(c, prefix) },
		prompt:      ciscoPrompt,
		incomplete:  "% Incomplete command.",
		denied:      "% Bad secrets",
		commands: append(commonCommands(),
			cmd(modeShow, "terminal length <0-512>", setPageLen),
			cmd(modeShow, "terminal width <0-512>", setWidth),
			cmd(modePriv, "configure terminal", enterConfigTerminal),
			cmd(modeShow, "show version", iosShowVersion(o.StackPorts)),
			cmd(modeShow, "show mls qos", iosShowQoS),
			cmd(modeShow, "show mls qos maps dscp-output-q", iosShowMap),
			cmd(modeShow, "show mls qos interface", iosShowInterface(false)),
			cmd(modeShow, "show mls qos interface <if>", iosShowInterface(false)),
			cmd(modeShow, "show mls qos interface queueing", iosShowInterface(true)),
			cmd(modeShow, "show mls qos interface <if> queueing", iosShowInterface(true)),
			cmd(modePriv, "show running-config", iosShowRunning),
			cmd(modePriv, "show startup-config", iosShowStartup),
			cmd(modePriv, "copy running-config startup-config", iosCopy),
			cmd(modePriv, "write memory", iosWrite),
			cmd(modePriv, "write", iosWrite),

			cmd(modeConfig, "hostname <word>", setHostname),
			cmd(modeConfig, "mls qos", setQoS(true)),
			cmd(modeConfig, "no mls qos", setQoS(false)),
			cmd(modeConfig, "mls qos srr-queue output dscp-map queue <1-4> threshold <1-3> <0-63>*8", iosSetMap),
			cmd(modeConfig, "no mls qos srr-queue output dscp-map", iosResetMap),
			cmd(modeConfig, "interface <if>", iosInterface),

			cmd(modeConfigIf, "mls qos trust", iosPort(func(p *Port, _ []string) { p.Trust = "dscp" })),
			cmd(modeConfigIf, "mls qos trust {dscp|cos|ip-precedence}", iosPort(func(p *Port, a []string) { p.Trust = a[0] })),
			cmd(modeConfigIf, "no mls qos trust", iosPort(func(p *Port, _ []string) { p.Trust = "" })),
			cmd(modeConfigIf, "priority-queue out", iosPort(func(p *Port, _ []string) { p.PriorityQueue = true })),
			cmd(modeConfigIf, "no priority-queue out", iosPort(func(p *Port, _ []string) { p.PriorityQueue = false })),
			cmd(modeConfigIf, "srr-queue bandwidth share <1-255> <1-255> <1-255> <1-255>",
				iosPort(func(p *Port, a []string) { p.Share = [4]int(atois(a)) })),
			cmd(modeConfigIf, "srr-queue bandwidth shape <0-65535> <0-65535> <0-65535> <0-65535>",
				iosPort(func(p *Port, a []string) { p.Shape = [4]int(atois(a)) })),
		),
	}, nil
}

func iosSetMap(x *session, args []string) error {
	q, t := atoi(args[0]), atoi(args[1])
	x.sw.update(func(c *Config) {
		for _, d := range atois(args[2:]) {
			c.Map[d] = Cell{Queue: q, Threshold: t}
		}
	})
	return nil
}

func iosResetMap(x *session, _ []string) error {
	x.sw.update(func(c *Config) {
		for d := range c.Map {
			c.Map[d] = iosFactoryCell(d)
		}
	})
	return nil
}

func iosInterface(x *session, args []string) error {
	i, ok := iosPortIndex(x.sw.Running(), args[0])
	if !ok {
		x.invalid(iosIfAt(x.line))
		return nil
	}
	x.port = i
	x.mode = modeConfigIf
	return nil
}

// iosPortIndex finds a canonical port name among the switch's ports: a
// standalone switch has no GigabitEthernet1/0/N, a stack no
// GigabitEthernet0/N.
func iosPortIndex(c Config, name string) (int, bool) {
	for i, p := range c.Ports {
		if p.Name == name {
			return i, true
		}
	}
	return 0, false
}

// iosIfAt is the column of the interface number in a line naming one, for
// the caret under a port the switch does not have.
func iosIfAt(line string) int {
	return max(0, strings.IndexAny(strings.ToLower(line), "0123456789"))
}

// iosPort wraps an interface command: it changes the port being
// configured.
func iosPort(f func(p *Port, args []string)) handler {
	return func(x *session, args []string) error {
		x.sw.update(func(c *Config) { f(&c.Ports[x.port], args) })
		return nil
	}
}

func iosShowQoS(x *session, _ []string) error {
	state := "disabled"
	if x.sw.Running().QoS {
		state = "enabled"
	}
	x.println("QoS is "+state, "QoS ip packet dscp rewrite is enabled")
	return nil
}

func iosShowMap(x *session, _ []string) error {
	c := x.sw.Running()
	x.println("   Dscp-outputq-threshold map:",
		"     d1 :d2    0     1     2     3     4     5     6     7     8     9",
		"     "+strings.Repeat("-", 60))
	for d1 := 0; d1*10 < len(c.Map); d1++ {
		var cells []string
		for d := d1 * 10; d < min(d1*10+10, len(c.Map)); d++ {
			cells = append(cells, fmt.Sprintf("%02d-%02d", c.Map[d].Queue, c.Map[d].Threshold))
		}
		x.println(fmt.Sprintf("      %d :    %s", d1, strings.Join(cells, " ")))
	}
	return nil
}

// iosShowInterface is "show mls qos interface [<if>] [queueing]".
func iosShowInterface(queueing bool) handler {
	return func(x *session, args []string) error {
		c := x.sw.Running()
		ports := c.Ports
		if len(args) > 0 {
			i, ok := iosPortIndex(c, args[0])
			if !ok {
				x.invalid(iosIfAt(x.line))
				return nil
			}
			ports = ports[i : i+1]
		}
		for i, p := range ports {
			if i > 0 {
				x.println("")
			}
			x.println(p.Name)
			if queueing {
				x.println(iosQueueingBlock(p)...)
			} else {
				x.println(iosTrustBlock(p)...)
			}
		}
		return nil
	}
}

func iosTrustBlock(p Port) []string {
	trust := "not trusted"
	if p.Trust != "" {
		trust = "trust " + p.Trust
	}
	return []string{
		"trust state: " + trust,
		"trust mode: " + trust,
		"trust enabled flag: ena",
		"COS override: dis",
		"default COS: 0",
		"DSCP Mutation Map: Default DSCP Mutation Map",
		"Trust device: none",
		"qos mode: port-based",
	}
}

func iosQueueingBlock(p Port) []string {
	pq := "disabled"
	if p.PriorityQueue {
		pq = "enabled"
	}
	return []string{
		"Egress Priority Queue : " + pq,
		"Shaped queue weights (absolute) :  " + joinInts(p.Shape[:]),
		"Shared queue weights  :  " + joinInts(p.Share[:]),
		"The port bandwidth limit : 100  (Operational Bandwidth:100.0)",
		"The port is mapped to qset : 1",
	}
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, " ")
}

// iosRunningConfig renders "show running-config": a realistic frame
// around the QoS lines, which appear only where they differ from the
// defaults, as on IOS.
func iosRunningConfig(c Config) []string {
	body := iosConfigBody(c)
	return append([]string{"Building configuration...", "", fmt.Sprintf("Current configuration : %d bytes", configSize(body))}, body...)
}

// iosStartupConfig renders "show startup-config": the same text as the
// running config it was saved from, under NVRAM's usage line.
func iosStartupConfig(c Config) []string {
	body := iosConfigBody(c)
	return append([]string{fmt.Sprintf("Using %d out of 65536 bytes", configSize(body))}, body...)
}

func configSize(lines []string) int {
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	return size
}

func iosConfigBody(c Config) []string {
	body := []string{
		"!",
		"version 12.2",
		"no service pad",
		"service timestamps debug datetime msec",
		"service timestamps log datetime msec",
		"no service password-encryption",
		"!",
		"hostname " + c.Hostname,
		"!",
		"boot-start-marker",
		"boot-end-marker",
		"!",
		"no aaa new-model",
		"system mtu routing 1500",
		"ip subnet-zero",
		"!",
	}
	for q := 1; q <= 4; q++ {
		for t := 1; t <= 3; t++ {
			var ds []int
			for d, cell := range c.Map {
				if cell != iosFactoryCell(d) && cell == (Cell{Queue: q, Threshold: t}) {
					ds = append(ds, d)
				}
			}
			for len(ds) > 0 {
				n := min(len(ds), 8)
				body = append(body, fmt.Sprintf("mls qos srr-queue output dscp-map queue %d threshold %d %s", q, t, joinInts(ds[:n])))
				ds = ds[n:]
			}
		}
	}
	if c.QoS {
		body = append(body, "mls qos")
	}
	body = append(body, "!", "spanning-tree mode pvst", "spanning-tree extend system-id", "!",
		"vlan internal allocation policy ascending", "!")
	for _, p := range c.Ports {
		body = append(body, "interface "+p.Name)
		if p.Share != [4]int{25, 25, 25, 25} {
			body = append(body, " srr-queue bandwidth share "+joinInts(p.Share[:]))
		}
		if p.Shape != [4]int{25, 0, 0, 0} {
			body = append(body, " srr-queue bandwidth shape "+joinInts(p.Shape[:]))
		}
		if p.PriorityQueue {
			body = append(body, " priority-queue out")
		}
		if p.Trust != "" {
			body = append(body, " mls qos trust "+p.Trust)
		}
		body = append(body, "!")
	}
	body = append(body, "interface Vlan1", " no ip address", "!", "ip http server", "!",
		"line con 0", "line vty 0 4", " login", " transport input ssh", "line vty 5 15", " login", "!", "end")
	return body
}

func iosShowRunning(x *session, _ []string) error {
	x.println(iosRunningConfig(x.sw.Running())...)
	return nil
}

func iosShowStartup(x *session, _ []string) error {
	x.println(iosStartupConfig(x.sw.Startup())...)
	return nil
}

// iosShowVersion is "show version" in the layout of a Catalyst 2960
// (standalone, ports Gi0/N) or 2960X (stackable, ports Gi1/0/N) running
// LAN Base, after the examples in Cisco's Catalyst 2960/2960X command
// references. Serial numbers and MAC addresses are made up.
func iosShowVersion(stack bool) handler {
	model, image, version, file := "WS-C2960G-8TC-L", "C2960-LANBASEK9-M", "12.2(55)SE12", "c2960-lanbasek9-mz.122-55.SE12.bin"
	if stack {
		model, image, version, file = "WS-C2960X-24TS-L", "C2960X-UNIVERSALK9-M", "15.2(7)E4", "c2960x-universalk9-mz.152-7.E4.bin"
	}
	return func(x *session, _ []string) error {
		host := x.sw.Running().Hostname
		x.println(
			fmt.Sprintf("Cisco IOS Software, %s Software (%s), Version %s, RELEASE SOFTWARE (fc2)", strings.SplitN(image, "-", 2)[0], image, version),
			"Technical Support: http://www.cisco.com/techsupport",
			"Copyright (c) 1986-2021 by Cisco Systems, Inc.",
			"Compiled Mon 20-Sep-21 06:38 by prod_rel_team",
			"",
			"ROM: Bootstrap program is "+strings.SplitN(image, "-", 2)[0]+" boot loader",
			"",
			host+" uptime is 3 weeks, 2 days, 4 hours, 12 minutes",
			"System returned to ROM by power-on",
			fmt.Sprintf("System image file is \"flash:%s\"", file),
			"",
			fmt.Sprintf("cisco %s (PowerPC405) processor (revision B0) with 65536K bytes of memory.", model),
			"Processor board ID FOC1234X0AB",
			"Last reset from power-on",
			"1 Virtual Ethernet interface",
			fmt.Sprintf("%d Gigabit Ethernet interfaces", iosPorts),
			"The password-recovery mechanism is enabled.",
			"",
			"64K bytes of flash-simulated non-volatile configuration memory.",
			"Base ethernet MAC Address       : 00:1E:F7:00:00:01",
			"Model number                    : "+model,
			"System serial number            : FOC1234X0AB",
			"",
			"Switch Ports Model              SW Version            SW Image",
			"------ ----- -----              ----------            ----------",
			fmt.Sprintf("*    1 %-5d %-18s %-21s %s", iosPorts, model, version, image),
			"",
			"",
			"Configuration register is 0xF",
			"")
		return nil
	}
}

func iosCopy(x *session, _ []string) error {
	dst, err := x.ask("Destination filename [startup-config]? ", true)
	if err != nil {
		return err
	}
	if dst != "" && dst != "startup-config" {
		// Only the startup config is simulated; never write elsewhere.
		x.println("%Error opening flash:" + dst + " (Permission denied)")
		return nil
	}
	return iosWrite(x, nil)
}

func iosWrite(x *session, _ []string) error {
	x.println("Building configuration...")
	if x.sw.Faults().RefuseSave {
		x.println("%Error opening nvram:startup-config (No space left on device)")
		return nil
	}
	x.sw.save()
	x.println("[OK]")
	return nil
}

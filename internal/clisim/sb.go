package clisim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/qosagent/qosagent/vendors/factory"
)

// sbFactoryQueue8 is the simulator's 8-queue default. No source at hand
// gives the 8-queue table, so this is an assumption: the class selector
// (dscp >> 3) plus one, which keeps EF (46) and CS5 on queue 6 below
// CS6/CS7. Tests must not treat it as the vendor's table.
func sbFactoryQueue8(dscp int) int { return dscp>>3 + 1 }

// sbPorts is the number of GigabitEthernet1/0/N interfaces simulated.
const sbPorts = 8

// sbVariant is one cisco-sb hardware variant.
type sbVariant struct {
	queues int
}

func (v sbVariant) factoryQueue(dscp int) int {
	if v.queues == 8 {
		return sbFactoryQueue8(dscp)
	}
	return factory.SmallBusiness4(dscp)
}

// factoryStrict is the factory "priority-queue out num-of-queues" count:
// every queue strict (SG200 administration guide: "By default, all queues
// are strict priority queues"; 300 series CLI reference: "wrr is disabled
// by default").
func (v sbVariant) factoryStrict() int { return v.queues }

func (v sbVariant) factory() Config {
	c := Config{QoS: true, Trust: "cos", StrictN: v.factoryStrict()}
	for d := range c.Map {
		c.Map[d] = Cell{Queue: v.factoryQueue(d)}
	}
	for i := range sbPorts {
		c.Ifaces = append(c.Ifaces, Iface{Name: fmt.Sprintf("GigabitEthernet1/0/%d", i+1)})
	}
	return c
}

func (v sbVariant) validate(c Config) error {
	if !ciscoHost.MatchString(c.Hostname) {
		return fmt.Errorf("bad hostname %q", c.Hostname)
	}
	switch c.Trust {
	case "cos", "dscp", "cos-dscp":
	default:
		return fmt.Errorf("bad trust %q", c.Trust)
	}
	if c.StrictN < 0 || c.StrictN > v.queues {
		return fmt.Errorf("bad strict queue count %d", c.StrictN)
	}
	if len(c.Ports) > 0 || len(c.Strict) > 0 {
		return fmt.Errorf("cisco-sb has no per-queue settings and keeps interfaces in Ifaces")
	}
	if len(c.Ifaces) != sbPorts {
		return fmt.Errorf("%d interfaces, want %d", len(c.Ifaces), sbPorts)
	}
	for i, f := range c.Ifaces {
		if f.Name != fmt.Sprintf("GigabitEthernet1/0/%d", i+1) || f.Trust != "" && f.Trust != "untrusted" || f.Strict != nil {
			return fmt.Errorf("bad interface %+v", f)
		}
	}
	return checkMap(c, 1, v.queues, false)
}

func sbDialect(o Options) (*dialect, error) {
	v := sbVariant{queues: 4}
	switch o.Queues {
	case 0, 4:
	case 8:
		v = sbVariant{queues: 8}
	default:
		return nil, fmt.Errorf("a small business switch has 4 or 8 queues, not %d", o.Queues)
	}
	if o.StackPorts || o.NoMinBandwidth || o.NoMaxBandwidth {
		return nil, fmt.Errorf("options StackPorts, NoMinBandwidth and NoMaxBandwidth are not for cisco-sb")
	}
	q := strconv.Itoa(v.queues)
	return &dialect{
		name:        "cisco-sb",
		defaultHost: "switch",
		hostPattern: ciscoHost,
		factory:     v.factory,
		validate:    v.validate,
		prompt:      ciscoPrompt,
		incomplete:  "% Incomplete command.",
		denied:      "% Access denied",
		commands: append(commonCommands(),
			cmd(modeShow, "terminal datadump", pagingOff),
			cmd(modeShow, "terminal width <0-512>", setWidth),
			cmd(modePriv, "configure terminal", enterConfigTerminal),
			cmd(modeShow, "show version", sbShowVersion(v)),
			cmd(modeShow, "show qos", sbShowQoS),
			cmd(modeShow, "show qos map dscp-queue", sbShowMap),
			cmd(modeShow, "show qos interface queuing", v.showQueuing),
			cmd(modePriv, "show running-config", func(x *session, _ []string) error {
				x.println(v.config(x.sw.Running())...)
				return nil
			}),
			cmd(modePriv, "show startup-config", func(x *session, _ []string) error {
				x.println(v.config(x.sw.Startup())...)
				return nil
			}),
			cmd(modePriv, "write memory", sbSave),
			cmd(modePriv, "write", sbSave),
			cmd(modePriv, "copy running-config startup-config", sbSave),

			cmd(modeConfig, "hostname <word>", setHostname),
			cmd(modeConfig, "qos", setQoS(true)),
			cmd(modeConfig, "qos basic", setQoS(true)),
			cmd(modeConfig, "no qos", setQoS(false)),
			cmd(modeConfig, "qos trust {cos|dscp|cos-dscp}", func(x *session, a []string) error {
				x.sw.update(func(c *Config) { c.Trust = a[0] })
				return nil
			}),
			cmd(modeConfig, "qos map dscp-queue <0-63>*8 to <1-"+q+">", sbSetMap),
			cmd(modeConfig, "no qos map dscp-queue", func(x *session, _ []string) error {
				x.sw.update(func(c *Config) {
					for d := range c.Map {
						c.Map[d] = Cell{Queue: v.factoryQueue(d)}
					}
				})
				return nil
			}),
			cmd(modeConfig, "priority-queue out num-of-queues <0-"+q+">", func(x *session, a []string) error {
				x.sw.update(func(c *Config) { c.StrictN = atoi(a[0]) })
				return nil
			}),
			cmd(modeConfig, "no priority-queue out num-of-queues", func(x *session, _ []string) error {
				x.sw.update(func(c *Config) { c.StrictN = v.factoryStrict() })
				return nil
			}),
			cmd(modeConfig, "interface <word>", sbInterface),
			cmd(modeConfig, "interface <word> <word>", sbInterface),
			// Per port, "qos trust" turns the port's trust on (the mode is the
			// global one) and "no qos trust" off.
			cmd(modeConfigIf, "qos trust", sbIfTrust("")),
			cmd(modeConfigIf, "no qos trust", sbIfTrust("untrusted")),
		),
	}, nil
}

// sbInterface enters interface mode for GigabitEthernet1/0/N, written in
// full, as gi1/0/N, or as "gi 1/0/N".
func sbInterface(x *session, args []string) error {
	name := strings.ToLower(strings.Join(args, ""))
	split := strings.IndexAny(name, "0123456789")
	if split > 0 && strings.HasPrefix("gigabitethernet", name[:split]) {
		c := x.sw.Running()
		for i, f := range c.Ifaces {
			if strings.EqualFold(f.Name, "GigabitEthernet"+name[split:]) {
				x.port, x.mode = i, modeConfigIf
				return nil
			}
		}
	}
	x.invalid(strings.Index(x.line, args[0]))
	return nil
}

func sbIfTrust(trust string) handler {
	return func(x *session, _ []string) error {
		x.sw.update(func(c *Config) { c.Ifaces[x.port].Trust = trust })
		return nil
	}
}

// sbSetMap is "qos map dscp-queue <dscp>... to <queue>".
func sbSetMap(x *session, args []string) error {
	q := atoi(args[len(args)-1])
	x.sw.update(func(c *Config) {
		for _, d := range atois(args[:len(args)-1]) {
			c.Map[d] = Cell{Queue: q}
		}
	})
	return nil
}

func sbShowQoS(x *session, _ []string) error {
	c := x.sw.Running()
	if !c.QoS {
		x.println("Qos: disabled")
		return nil
	}
	x.println("Qos: Basic mode", "Basic trust: "+c.Trust)
	return nil
}

// showQueuing is "show qos interface queuing" for every interface: per
// queue its WRR weight (N/A when strict) and whether it is an expedite
// (strict) queue, in the layout the cisco-sb dialect parses: the rows as
// this CLI family's public examples print them (a WRR queue's priority
// is N/A), the interface heading and the "wrr bandwidth weights" line
// unsourced; the default WRR weights are 1, 2, 4, 8, ... by queue.
func (v sbVariant) showQueuing(x *session, _ []string) error {
	c := x.sw.Running()
	for _, f := range c.Ifaces {
		x.println(strings.ToLower(strings.Replace(f.Name, "GigabitEthernet", "gi", 1)), "", "wrr bandwidth weights and EF priority:", "qid-weights Ef - Priority")
		for q := 1; q <= v.queues; q++ {
			if q > v.queues-c.StrictN {
				x.println(fmt.Sprintf("%d - N/A        ena- %d", q, q))
			} else {
				x.println(fmt.Sprintf("%d - %3d        dis- N/A", q, 1<<(q-1)))
			}
		}
		x.println("")
	}
	return nil
}

func sbShowMap(x *session, _ []string) error {
	c := x.sw.Running()
	x.println("Dscp-queue map:",
		"     d1 : d2 0  1  2  3  4  5  6  7  8  9",
		"     "+strings.Repeat("-", 37))
	for d1 := 0; d1*10 < len(c.Map); d1++ {
		var cells []string
		for d := d1 * 10; d < min(d1*10+10, len(c.Map)); d++ {
			cells = append(cells, fmt.Sprintf("%02d", c.Map[d].Queue))
		}
		x.println(fmt.Sprintf("      %d :    %s", d1, strings.Join(cells, " ")))
	}
	return nil
}

// sbShowVersion is "show version": an SG300 image line in 4-queue mode, a
// Sx350/CBS350 active and inactive image in 8-queue mode (layouts of the
// SG300 and Sx350 CLI guides; digests and dates made up).
func sbShowVersion(v sbVariant) handler {
	return func(x *session, _ []string) error {
		if v.queues == 4 {
			x.println("SW version    1.4.11.5 ( date  07-Feb-2020 time  13:44:22 )",
				"Boot version    1.3.5.06 ( date  21-Jul-2013 time  15:12:10 )",
				"HW version    V04")
			return nil
		}
		x.println("Active-image: flash://system/images/image_cbs_ros_3.1.0.57_release_cisco_signed.bin",
			"  Version: 3.1.0.57",
			"  MD5 Digest: 0d2b9f4ac5a1bd9e4b3cf5e2e6d6a071",
			"  Date: 11-Jan-2021",
			"  Time: 19:26:57",
			"Inactive-image: flash://system/images/image_cbs_ros_3.0.0.69_release_cisco_signed.bin",
			"  Version: 3.0.0.69",
			"  MD5 Digest: 5f2a1c8e9b0d7e6f4a3b2c1d0e9f8a7b",
			"  Date: 23-Apr-2020",
			"  Time: 22:14:02")
		return nil
	}
}

// config renders a running or startup config in the SG350 layout. QoS
// lines appear only where they differ from the factory defaults: at the
// factory scheduler (all strict) there is no priority-queue line.
func (v sbVariant) config(c Config) []string {
	lines := []string{
		"config-file-header",
		c.Hostname,
		"v3.1.0.57 / RCBS3.1_930_871_170",
		"CLI v1.0",
		"file SSD indicator excluded",
		"@",
		"!",
		"unit-type-control-start",
		"unit-type unit 1 network gi uplink none",
		"unit-type-control-end",
		"!",
		"vlan database",
		"exit",
		"hostname " + c.Hostname,
	}
	if !c.QoS {
		lines = append(lines, "no qos")
	}
	lines = append(lines, "qos trust "+c.Trust)
	if c.StrictN != v.factoryStrict() {
		lines = append(lines, fmt.Sprintf("priority-queue out num-of-queues %d", c.StrictN))
	}
	for d, cell := range c.Map {
		if cell.Queue != v.factoryQueue(d) {
			lines = append(lines, fmt.Sprintf("qos map dscp-queue %d to %d", d, cell.Queue))
		}
	}
	lines = append(lines,
		"username cisco password encrypted 9a7d2d1a3b55fd3e0c4cd3bf9b7b4e2b8d2d4f1e privilege 15",
		"ip ssh server",
		"ip ssh password-auth",
		"ip telnet server",
		"clock timezone UTC 0",
		"clock source sntp",
		"logging buffered informational",
		"snmp-server server",
		"!",
		"interface vlan 1",
		" ip address dhcp",
		" no ip address dhcp",
		"!")
	for i, f := range c.Ifaces {
		if i > 0 && f.Trust == "" {
			continue
		}
		lines = append(lines, "interface "+f.Name)
		if i == 0 {
			lines = append(lines, " description uplink")
		}
		if f.Trust == "untrusted" {
			lines = append(lines, " no qos trust")
		}
		lines = append(lines, "!")
	}
	return append(lines, "exit")
}

func sbSave(x *session, _ []string) error {
	ans, err := x.ask("Overwrite file [startup-config].... (Y/N)[N] ?", true)
	if err != nil {
		return err
	}
	if ans != "Y" && ans != "y" {
		return nil // the default answer is N: nothing happens
	}
	if x.sw.Faults().RefuseSave {
		x.println("Copy failed: Flash is full")
		return nil
	}
	x.sw.save()
	x.println("Copy succeeded")
	return nil
}

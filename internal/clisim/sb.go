package clisim

import (
	"fmt"
	"strings"
)

// sbFactoryQueue is the 4-queue default of a Cisco small business switch
// (Cisco Small Business 300 Series Managed Switch Administration Guide,
// "Quality of Service", default DSCP-to-queue table): 0-15 1, 16-23 2, 24-39 3, 40-47 4, 48-63 3.
func sbFactoryQueue(dscp int) int {
	switch {
	case dscp < 16:
		return 1
	case dscp < 24:
		return 2
	case dscp >= 40 && dscp < 48:
		return 4
	default:
		return 3
	}
}

func sbFactory() Config {
	c := Config{QoS: true, Trust: "cos"}
	for d := range c.Map {
		c.Map[d] = Cell{Queue: sbFactoryQueue(d)}
	}
	return c
}

func sbValidate(c Config) error {
	if !ciscoHost.MatchString(c.Hostname) {
		return fmt.Errorf("bad hostname %q", c.Hostname)
	}
	switch c.Trust {
	case "cos", "dscp", "cos-dscp":
	default:
		return fmt.Errorf("bad trust %q", c.Trust)
	}
	if c.StrictN < 0 || c.StrictN > 4 {
		return fmt.Errorf("bad strict queue count %d", c.StrictN)
	}
	if len(c.Ports) > 0 || len(c.Strict) > 0 {
		return fmt.Errorf("cisco-sb has no per-port or per-queue settings")
	}
	return checkMap(c, 1, 4, false)
}

func sbDialect() *dialect {
	return &dialect{
		name:        "cisco-sb",
		defaultHost: "switch",
		hostPattern: ciscoHost,
		factory:     sbFactory,
		validate:    sbValidate,
		prompt:      ciscoPrompt,
		incomplete:  "% Incomplete command.",
		denied:      "% Access denied",
		commands: append(commonCommands(),
			cmd(modeShow, "terminal datadump", pagingOff),
			cmd(modeShow, "terminal width <0-512>", setWidth),
			cmd(modePriv, "configure terminal", enterConfig),
			cmd(modeShow, "show qos", sbShowQoS),
			cmd(modeShow, "show qos map dscp-queue", sbShowMap),
			cmd(modePriv, "show running-config", sbShowRunning),
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
			cmd(modeConfig, "qos map dscp-queue <0-63>*8 to <1-4>", sbSetMap),
			cmd(modeConfig, "no qos map dscp-queue", func(x *session, _ []string) error {
				x.sw.update(func(c *Config) {
					for d := range c.Map {
						c.Map[d] = Cell{Queue: sbFactoryQueue(d)}
					}
				})
				return nil
			}),
			cmd(modeConfig, "priority-queue out num-of-queues <0-4>", func(x *session, a []string) error {
				x.sw.update(func(c *Config) { c.StrictN = atoi(a[0]) })
				return nil
			}),
		),
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

// sbRunningConfig renders "show running-config" in the SG350 layout. The
// QoS trust and strict-queue lines are always present; map lines only for
// non-default rows.
func sbRunningConfig(c Config) []string {
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
	lines = append(lines, "qos trust "+c.Trust, fmt.Sprintf("priority-queue out num-of-queues %d", c.StrictN))
	for d, cell := range c.Map {
		if cell.Queue != sbFactoryQueue(d) {
			lines = append(lines, fmt.Sprintf("qos map dscp-queue %d to %d", d, cell.Queue))
		}
	}
	return append(lines,
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
		"!",
		"interface GigabitEthernet1/0/1",
		" description uplink",
		"!",
		"exit")
}

func sbShowRunning(x *session, _ []string) error {
	x.println(sbRunningConfig(x.sw.Running())...)
	return nil
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

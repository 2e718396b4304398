package clisim

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/qosagent/qosagent/internal/sim"
)

// fastpathQueues is the number of traffic classes of the simulated
// FASTPATH switch.
const fastpathQueues = 4

func fastpathFactory() Config {
	c := Config{Trust: "dot1p", Strict: make([]bool, fastpathQueues)}
	for d := range c.Map {
		c.Map[d] = Cell{Queue: sim.FactoryQueue(d)}
	}
	return c
}

// fastpathHost allows the capitals and spaces of "NETGEAR Switch".
var fastpathHost = regexp.MustCompile(`^[\w.\-@/: ]{1,63}$`)

func fastpathValidate(c Config) error {
	if !fastpathHost.MatchString(c.Hostname) {
		return fmt.Errorf("bad hostname %q", c.Hostname)
	}
	if _, ok := fastpathTrustNames[c.Trust]; !ok {
		return fmt.Errorf("bad trust %q", c.Trust)
	}
	if len(c.Strict) != fastpathQueues || len(c.Ports) > 0 {
		return fmt.Errorf("want %d queues and no ports", fastpathQueues)
	}
	return checkMap(c, 0, fastpathQueues-1, false)
}

var fastpathTrustNames = map[string]string{
	"dot1p": "Dot1P", "ip-dscp": "IP DSCP", "ip-precedence": "IP Precedence", "untrusted": "Untrusted",
}

func fastpathDialect() *dialect {
	setTrust := func(x *session, a []string) error {
		x.sw.update(func(c *Config) { c.Trust = a[0] })
		return nil
	}
	return &dialect{
		name:        "netgear-fastpath",
		defaultHost: "NETGEAR Switch",
		hostPattern: fastpathHost,
		factory:     fastpathFactory,
		validate:    fastpathValidate,
		prompt:      fastpathPrompt,
		incomplete:  "Command not found / Incomplete command. Use ? to list commands.",
		denied:      "% Access denied",
		commands: append(commonCommands(),
			cmd(modeShow, "quit", quit),
			cmd(modePriv, "terminal length <0-48>", setPageLen),
			cmd(modePriv, "configure", enterConfig),
			cmd(modeShow, "show classofservice ip-dscp-mapping", fastpathShowMap),
			cmd(modeShow, "show classofservice trust", fastpathShowTrust),
			cmd(modeShow, "show interfaces cos-queue", fastpathShowCosQueue),
			cmd(modePriv, "show running-config", fastpathShowRunning),
			// Not in config mode: there it is an invalid command, which is
			// the refusal the adapter must handle.
			cmd(modePriv, "write memory", fastpathSave),

			cmd(modeConfig, "classofservice ip-dscp-mapping <dscp> <0-3>", func(x *session, a []string) error {
				x.sw.update(func(c *Config) { c.Map[atoi(a[0])] = Cell{Queue: atoi(a[1])} })
				return nil
			}),
			cmd(modeConfig, "no classofservice ip-dscp-mapping", func(x *session, _ []string) error {
				x.sw.update(func(c *Config) {
					for d := range c.Map {
						c.Map[d] = Cell{Queue: sim.FactoryQueue(d)}
					}
				})
				return nil
			}),
			cmd(modeConfig, "classofservice trust {dot1p|ip-dscp|ip-precedence|untrusted}", setTrust),
			cmd(modeConfig, "no classofservice trust", func(x *session, _ []string) error {
				return setTrust(x, []string{"dot1p"})
			}),
			cmd(modeConfig, "cos-queue strict <0-3>*4", fastpathStrict(true)),
			cmd(modeConfig, "no cos-queue strict <0-3>*4", fastpathStrict(false)),
		),
	}
}

func fastpathPrompt(host string, m mode) string {
	switch m {
	case modeExec:
		return "(" + host + ") >"
	case modePriv:
		return "(" + host + ") #"
	default:
		return "(" + host + ") (Config)#"
	}
}

func fastpathStrict(on bool) handler {
	return func(x *session, a []string) error {
		x.sw.update(func(c *Config) {
			for _, q := range atois(a) {
				c.Strict[q] = on
			}
		})
		return nil
	}
}

func fastpathShowMap(x *session, _ []string) error {
	c := x.sw.Running()
	x.println("", "IP DSCP       Traffic Class", "-------------    -------------")
	for d, cell := range c.Map {
		label := strconv.Itoa(d)
		switch name, ok := dscpNames[d]; {
		case d == 0:
			label += "(be/cs0)"
		case ok:
			label += "(" + name + ")"
		}
		x.println(fmt.Sprintf("%-13.12s %7d", label, cell.Queue))
	}
	return nil
}

func fastpathShowTrust(x *session, _ []string) error {
	c := x.sw.Running()
	x.println("", "Class of Service Trust Mode: "+fastpathTrustNames[c.Trust])
	// The FASTPATH source adds the class for traffic the mode cannot
	// classify.
	switch c.Trust {
	case "ip-dscp", "ip-precedence":
		x.println("Non-IP Traffic Class: 0")
	case "untrusted":
		x.println("Untrusted Traffic Class: 0")
	}
	return nil
}

func fastpathShowCosQueue(x *session, _ []string) error {
	c := x.sw.Running()
	x.println("", "Global Configuration", "",
		"Queue Id  Min. Bandwidth  Max. Bandwidth  Scheduler Type  Queue Management Type",
		"--------  --------------  --------------  --------------  ---------------------")
	for q, strict := range c.Strict {
		sched := "Weighted"
		if strict {
			sched = "Strict"
		}
		x.println(fmt.Sprintf("%-8d  %-14d  %-14d  %-14s  %s", q, 0, 0, sched, "Tail Drop"))
	}
	return nil
}

// fastpathRunningConfig renders "show running-config"; like FASTPATH it
// omits defaults (the dot1p trust never appears).
func fastpathRunningConfig(c Config) []string {
	lines := []string{
		"!Current Configuration:",
		"!",
		`!System Description "M4100-26G ProSafe 24-port Gigabit L2+ Managed Switch, 10.0.2.26, B1.0.0.9"`,
		`!System Software Version "10.0.2.26"`,
		"!Additional Packages     QOS",
		"!",
	}
	if c.Hostname != "NETGEAR Switch" {
		lines = append(lines, fmt.Sprintf("set prompt %q", c.Hostname))
	}
	lines = append(lines, "vlan database", "exit", "", "configure")
	for d, cell := range c.Map {
		if cell.Queue != sim.FactoryQueue(d) {
			lines = append(lines, fmt.Sprintf("classofservice ip-dscp-mapping %d %d", d, cell.Queue))
		}
	}
	if c.Trust != "dot1p" {
		lines = append(lines, "classofservice trust "+c.Trust)
	}
	var strict []int
	for q, s := range c.Strict {
		if s {
			strict = append(strict, q)
		}
	}
	if len(strict) > 0 {
		lines = append(lines, "cos-queue strict "+joinInts(strict))
	}
	return append(lines, "line console", "exit", "", "line telnet", "exit", "", "line ssh", "exit", "", "exit")
}

func fastpathShowRunning(x *session, _ []string) error {
	x.println(fastpathRunningConfig(x.sw.Running())...)
	return nil
}

func fastpathSave(x *session, _ []string) error {
	x.println("This operation may take a few minutes.",
		"Management interfaces will not be available during this time.", "")
	ans, err := x.ask("Are you sure you want to save? (y/n) ", true)
	if err != nil {
		return err
	}
	if ans != "y" && ans != "Y" || x.sw.Faults().RefuseSave {
		x.println("", "Configuration Not Saved!")
		return nil
	}
	x.sw.save()
	x.println("", "Config file 'startup-config' created successfully .", "")
	return nil
}

package clisim

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/qosagent/qosagent/internal/sim"
)

// fastpathPorts is the number of simulated interfaces.
const fastpathPorts = 8

// tc7 is the IEEE 802.1D (Annex G) user-priority-to-traffic-class column
// for 7 traffic classes, indexed by priority. That FASTPATH's 7-class
// factory DSCP map follows it through the precedence (dscp >> 3), as the
// 4-class one does (see sim.FactoryQueue), is an inference, not a
// documented fact.
var tc7 = [8]int{1, 0, 0, 2, 3, 4, 5, 6}

// fastpathVariant is one netgear-fastpath hardware variant.
type fastpathVariant struct {
	queues       int    // traffic classes: 4, or 7 on M4100/M4300
	noMin, noMax bool   // show interfaces cos-queue lacks Min. or Max. Bandwidth
	unit         string // interface name prefix: "0/" or, on a stackable M4300, "1/0/"
}

func (v fastpathVariant) factoryQueue(dscp int) int {
	if v.queues == 7 {
		return tc7[dscp>>3]
	}
	return sim.FactoryQueue(dscp)
}

func (v fastpathVariant) factory() Config {
	c := Config{Trust: "dot1p", Strict: make([]bool, v.queues)}
	for d := range c.Map {
		c.Map[d] = Cell{Queue: v.factoryQueue(d)}
	}
	for i := range fastpathPorts {
		c.Ifaces = append(c.Ifaces, Iface{Name: v.unit + strconv.Itoa(i+1)})
	}
	return c
}

// fastpathHost allows the capitals and spaces of "NETGEAR Switch".
var fastpathHost = regexp.MustCompile(`^[\w.\-@/: ]{1,63}$`)

func (v fastpathVariant) validate(c Config) error {
	if !fastpathHost.MatchString(c.Hostname) {
		return fmt.Errorf("bad hostname %q", c.Hostname)
	}
	if _, ok := fastpathTrustNames[c.Trust]; !ok {
		return fmt.Errorf("bad trust %q", c.Trust)
	}
	if len(c.Strict) != v.queues || len(c.Ports) > 0 || len(c.Ifaces) != fastpathPorts {
		return fmt.Errorf("want %d queues, %d interfaces and no ports", v.queues, fastpathPorts)
	}
	for i, f := range c.Ifaces {
		if _, ok := fastpathTrustNames[f.Trust]; f.Name != v.unit+strconv.Itoa(i+1) || f.Trust != "" && !ok {
			return fmt.Errorf("bad interface %+v", f)
		}
		if f.Strict != nil && (len(f.Strict) != v.queues || slices.Equal(f.Strict, c.Strict)) {
			return fmt.Errorf("interface %s: own scheduler %v (global %v): want %d queues and a difference", f.Name, f.Strict, c.Strict, v.queues)
		}
	}
	return checkMap(c, 0, v.queues-1, false)
}

var fastpathTrustNames = map[string]string{
	"dot1p": "Dot1P", "ip-dscp": "IP DSCP", "ip-precedence": "IP Precedence", "untrusted": "Untrusted",
}

func fastpathDialect(o Options) (*dialect, error) {
	v := fastpathVariant{queues: 4, noMin: o.NoMinBandwidth, noMax: o.NoMaxBandwidth, unit: "0/"}
	switch o.Queues {
	case 0, 4:
	case 7:
		v.queues, v.unit = 7, "1/0/"
	default:
		return nil, fmt.Errorf("a FASTPATH switch here has 4 or 7 traffic classes, not %d", o.Queues)
	}
	if o.StackPorts {
		return nil, fmt.Errorf("option StackPorts is not for netgear-fastpath")
	}
	top := strconv.Itoa(v.queues - 1)
	queues := "<0-" + top + ">*" + strconv.Itoa(v.queues)
	// Global Config sets every interface: it clears their own settings.
	setTrust := func(x *session, a []string) error {
		x.sw.update(func(c *Config) {
			c.Trust = a[0]
			for i := range c.Ifaces {
				c.Ifaces[i].Trust = ""
			}
		})
		return nil
	}
	setIfTrust := func(x *session, a []string) error {
		x.sw.update(func(c *Config) {
			c.Ifaces[x.port].Trust = a[0]
			if a[0] == c.Trust {
				c.Ifaces[x.port].Trust = ""
			}
		})
		return nil
	}
	return &dialect{
		name:        "netgear-fastpath",
		defaultHost: "NETGEAR Switch",
		hostPattern: fastpathHost,
		factory:     v.factory,
		validate:    v.validate,
		prompt:      fastpathPrompt,
		incomplete:  "Command not found / Incomplete command. Use ? to list commands.",
		denied:      "% Access denied",
		commands: append(commonCommands(),
			cmd(modeShow, "quit", quit),
			cmd(modePriv, "terminal length <0-48>", setPageLen),
			cmd(modePriv, "configure", enterConfig),
			cmd(modeShow, "show version", v.showVersion),
			cmd(modeShow, "show classofservice ip-dscp-mapping", fastpathShowMap),
			cmd(modeShow, "show classofservice trust", fastpathShowTrust),
			cmd(modeShow, "show classofservice trust <word>", fastpathShowTrust),
			cmd(modeShow, "show interfaces cos-queue", v.showCosQueue),
			cmd(modePriv, "show running-config", func(x *session, _ []string) error {
				x.println(v.config(x.sw.Running(), "!Current Configuration:")...)
				return nil
			}),
			cmd(modePriv, "show startup-config", func(x *session, _ []string) error {
				x.println(v.config(x.sw.Startup(), "!Startup Configuration:")...)
				return nil
			}),
			// Not in config mode: there it is an invalid command, which is
			// the refusal the adapter must handle.
			cmd(modePriv, "write memory", fastpathSave(true)),
			cmd(modePriv, "write memory confirm", fastpathSave(false)),

			cmd(modeConfig, "classofservice ip-dscp-mapping <dscp> <0-"+top+">", func(x *session, a []string) error {
				x.sw.update(func(c *Config) { c.Map[atoi(a[0])] = Cell{Queue: atoi(a[1])} })
				return nil
			}),
			cmd(modeConfig, "no classofservice ip-dscp-mapping", func(x *session, _ []string) error {
				x.sw.update(func(c *Config) {
					for d := range c.Map {
						c.Map[d] = Cell{Queue: v.factoryQueue(d)}
					}
				})
				return nil
			}),
			cmd(modeConfig, "classofservice trust {dot1p|ip-dscp|ip-precedence|untrusted}", setTrust),
			cmd(modeConfig, "no classofservice trust", func(x *session, _ []string) error {
				return setTrust(x, []string{"dot1p"})
			}),
			cmd(modeConfig, "cos-queue strict "+queues, fastpathStrict(true)),
			cmd(modeConfig, "no cos-queue strict "+queues, fastpathStrict(false)),
			cmd(modeConfig, "interface <word>", func(x *session, a []string) error {
				for i, f := range x.sw.Running().Ifaces {
					if f.Name == a[0] {
						x.port, x.mode = i, modeConfigIf
						return nil
					}
				}
				x.invalid(strings.Index(x.line, a[0]))
				return nil
			}),
			cmd(modeConfigIf, "classofservice trust {dot1p|ip-dscp|ip-precedence|untrusted}", setIfTrust),
			cmd(modeConfigIf, "no classofservice trust", func(x *session, _ []string) error {
				x.sw.update(func(c *Config) { c.Ifaces[x.port].Trust = "" })
				return nil
			}),
			// An interface's own scheduler (M4300 CLI manual: cos-queue
			// strict is a Global Config and an Interface Config command).
			cmd(modeConfigIf, "cos-queue strict "+queues, fastpathIfStrict(true)),
			cmd(modeConfigIf, "no cos-queue strict "+queues, fastpathIfStrict(false)),
		),
	}, nil
}

func fastpathPrompt(host string, m mode, iface string) string {
	switch m {
	case modeExec:
		return "(" + host + ") >"
	case modePriv:
		return "(" + host + ") #"
	case modeConfigIf:
		return "(" + host + ") (Interface " + iface + ")#"
	default:
		return "(" + host + ") (Config)#"
	}
}

// fastpathStrict is the global "[no] cos-queue strict": like the global
// trust it sets every interface, clearing their own schedulers.
func fastpathStrict(on bool) handler {
	return func(x *session, a []string) error {
		x.sw.update(func(c *Config) {
			for _, q := range atois(a) {
				c.Strict[q] = on
			}
			for i := range c.Ifaces {
				c.Ifaces[i].Strict = nil
			}
		})
		return nil
	}
}

// fastpathIfStrict is "[no] cos-queue strict" in Interface Config: the
// interface gets a scheduler of its own, starting from the global one; one
// that ends up equal to the global one is kept as following it.
func fastpathIfStrict(on bool) handler {
	return func(x *session, a []string) error {
		x.sw.update(func(c *Config) {
			f := &c.Ifaces[x.port]
			own := f.Strict
			if own == nil {
				own = slices.Clone(c.Strict)
			}
			for _, q := range atois(a) {
				own[q] = on
			}
			f.Strict = own
			if slices.Equal(own, c.Strict) {
				f.Strict = nil
			}
		})
		return nil
	}
}

// fastpathShowMap prints the rows as the FASTPATH CLI source formats them
// ("   %-13.12s %7d" under a " -------------    -------------" rule).
func fastpathShowMap(x *session, _ []string) error {
	c := x.sw.Running()
	x.println("", "IP DSCP       Traffic Class", " -------------    -------------")
	for d, cell := range c.Map {
		label := strconv.Itoa(d)
		switch name, ok := dscpNames[d]; {
		case d == 0:
			label += "(be/cs0)"
		case ok:
			label += "(" + name + ")"
		}
		x.println(fmt.Sprintf("   %-13.12s %7d", label, cell.Queue))
	}
	return nil
}

// fastpathShowTrust is "show classofservice trust [<interface>]": the
// global mode, or the one an interface has (its own or the global).
func fastpathShowTrust(x *session, a []string) error {
	c := x.sw.Running()
	trust := c.Trust
	if len(a) > 0 {
		found := false
		for _, f := range c.Ifaces {
			if f.Name == a[0] {
				found = true
				if f.Trust != "" {
					trust = f.Trust
				}
			}
		}
		if !found {
			x.invalid(strings.LastIndex(x.line, a[0]))
			return nil
		}
	}
	x.println("", "Class of Service Trust Mode: "+fastpathTrustNames[trust])
	// The FASTPATH source (commandShowClassofServiceTrust) adds, after a
	// blank line, the class for traffic the mode cannot classify.
	switch trust {
	case "ip-dscp", "ip-precedence":
		x.println("", "Non-IP Traffic Class: 0")
	case "untrusted":
		x.println("", "Untrusted Traffic Class: 0")
	}
	return nil
}

// showCosQueue is "show interfaces cos-queue"; the Min./Max. Bandwidth
// columns print only on platforms with those features (M4300 CLI manual).
// Column widths and rules as commandShowInterfacesCosQueue prints them
// (FASTPATH CLI source, src/mgmt/cli/qos/cos/cli_show_cos.c): each title
// and rule followed by three blanks, rows "%-11u", "%-17d", "%-17s".
func (v fastpathVariant) showCosQueue(x *session, _ []string) error {
	c := x.sw.Running()
	head, dash := "Queue Id   ", "--------   "
	if !v.noMin {
		head, dash = head+"Min. Bandwidth   ", dash+"--------------   "
	}
	if !v.noMax {
		head, dash = head+"Max. Bandwidth   ", dash+"--------------   "
	}
	x.println("", "Global Configuration", "",
		head+"Scheduler Type   Queue Management Type",
		dash+"--------------   ---------------------")
	for q, strict := range c.Strict {
		sched := "Weighted"
		if strict {
			sched = "Strict"
		}
		row := fmt.Sprintf("%-11d", q)
		if !v.noMin {
			row += fmt.Sprintf("%-17d", 0)
		}
		if !v.noMax {
			row += fmt.Sprintf("%-17d", 0)
		}
		x.println(row + fmt.Sprintf("%-17s%s", sched, "Tail Drop"))
	}
	return nil
}

// description is the System Description of the simulated model.
func (v fastpathVariant) description() (string, string) {
	if v.queues == 7 {
		return "M4300-28G ProSAFE 24-port 1G and 4-port 10G Stackable Managed Switch, 12.0.9.3, B1.0.0.4", "12.0.9.3"
	}
	return "M4100-26G ProSafe 24-port Gigabit L2+ Managed Switch, 10.0.2.26, B1.0.0.9", "10.0.2.26"
}

// showVersion is "show version" in the dotted layout of the M4100/M4300
// CLI manuals; serial number and MAC address are made up.
func (v fastpathVariant) showVersion(x *session, _ []string) error {
	desc, ver := v.description()
	model, _, _ := strings.Cut(desc, " ")
	x.println("",
		"Switch: 1",
		"",
		"System Description............................. "+desc,
		"Machine Type................................... "+strings.SplitN(desc, ",", 2)[0],
		"Machine Model.................................. "+model,
		"Serial Number.................................. 4LL0000000001",
		"Maintenance Level.............................. A",
		"Manufacturer................................... 0xbc00",
		"Burned In MAC Address.......................... A0:04:60:00:00:01",
		"Software Version............................... "+ver,
		"Additional Packages............................ QOS",
		"")
	return nil
}

// config renders "show running-config" or "show startup-config"; like
// FASTPATH it omits defaults (the dot1p trust never appears).
func (v fastpathVariant) config(c Config, head string) []string {
	desc, ver := v.description()
	lines := []string{
		head,
		"!",
		fmt.Sprintf("!System Description %q", desc),
		fmt.Sprintf("!System Software Version %q", ver),
		"!Additional Packages     QOS",
		"!",
	}
	if c.Hostname != "NETGEAR Switch" {
		lines = append(lines, fmt.Sprintf("set prompt %q", c.Hostname))
	}
	lines = append(lines, "vlan database", "exit", "", "configure")
	for d, cell := range c.Map {
		if cell.Queue != v.factoryQueue(d) {
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
	lines = append(lines, "line console", "exit", "", "line telnet", "exit", "", "line ssh", "exit", "")
	for _, f := range c.Ifaces {
		// An interface's own trust differs from the global one (the
		// setter keeps no copy of it); dot1p as the default shows only as
		// an override of a global non-dot1p mode.
		if f.Trust == "" && f.Strict == nil {
			continue
		}
		lines = append(lines, "interface "+f.Name)
		if f.Trust != "" {
			lines = append(lines, "classofservice trust "+f.Trust)
		}
		if f.Strict != nil {
			// Its own strict queues; where it has none, the global ones it
			// turned off.
			var own, off []int
			for q, s := range f.Strict {
				switch {
				case s:
					own = append(own, q)
				case c.Strict[q]:
					off = append(off, q)
				}
			}
			if len(own) > 0 {
				lines = append(lines, "cos-queue strict "+joinInts(own))
			} else {
				lines = append(lines, "no cos-queue strict "+joinInts(off))
			}
		}
		lines = append(lines, "exit", "")
	}
	return append(lines, "exit")
}

// fastpathSave is "write memory", which asks first, or "write memory
// confirm", which does not (M4300 CLI manual: the confirm keyword skips
// the prompt).
func fastpathSave(ask bool) handler {
	return func(x *session, _ []string) error {
		if ask {
			x.println("This operation may take a few minutes.",
				"Management interfaces will not be available during this time.", "")
			ans, err := x.ask("Are you sure you want to save? (y/n) ", true)
			if err != nil {
				return err
			}
			if ans != "y" && ans != "Y" {
				x.println("", "Configuration Not Saved!")
				return nil
			}
		}
		if x.sw.Faults().RefuseSave {
			x.println("", "Configuration Not Saved!")
			return nil
		}
		x.sw.save()
		x.println("", "Config file 'startup-config' created successfully .", "")
		return nil
	}
}

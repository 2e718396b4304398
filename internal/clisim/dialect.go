package clisim

import (
	"crypto/subtle"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// dialect is everything that differs between the CLIs.
type dialect struct {
	name        string
	defaultHost string
	hostPattern *regexp.Regexp
	factory     func() Config
	validate    func(Config) error
	prompt      func(host string, m mode, iface string) string // iface: the interface being configured, if named
	commands    []command
	incomplete  string // the "incomplete command" error line
	denied      string // the answer to a wrong enable secret
}

// dialects builds the dialect table afresh: it holds no mutable state, but
// building it per call keeps it that way.
func dialects() map[string]func(Options) (*dialect, error) {
	return map[string]func(Options) (*dialect, error){
		"cisco-ios":        iosDialect,
		"cisco-sb":         sbDialect,
		"netgear-fastpath": fastpathDialect,
	}
}

// ciscoHost is what the adapter's prompt patterns accept as a hostname.
var ciscoHost = regexp.MustCompile(`^[\w.\-@/:]{1,63}$`)

func (d *dialect) checkHostname(h string) error {
	if !d.hostPattern.MatchString(h) {
		return fmt.Errorf("clisim: invalid %s hostname %q", d.name, h)
	}
	return nil
}

func ciscoPrompt(host string, m mode, _ string) string {
	switch m {
	case modeExec:
		return host + ">"
	case modePriv:
		return host + "#"
	case modeConfigIf:
		return host + "(config-if)#"
	default:
		return host + "(config)#"
	}
}

// commonCommands are the mode changes every dialect shares.
func commonCommands() []command {
	return []command{
		cmd(modeExec|modePriv, "enable", cmdEnable),
		cmd(modePriv, "disable", func(x *session, _ []string) error { x.mode = modeExec; return nil }),
		cmd(modeExec|modePriv, "exit", quit),
		cmd(modeExec|modePriv, "logout", quit),
		cmd(modeConfig, "exit", func(x *session, _ []string) error { x.mode = modePriv; return nil }),
		cmd(modeConfigIf, "exit", func(x *session, _ []string) error { x.mode = modeConfig; return nil }),
		cmd(modeAnyConf, "end", func(x *session, _ []string) error { x.mode = modePriv; return nil }),
	}
}

func quit(*session, []string) error { return errQuit }

func enterConfig(x *session, _ []string) error {
	x.mode = modeConfig
	return nil
}

// enterConfigTerminal is IOS's and the small business CLI's "configure
// terminal", which prints a hint line before the config prompt.
func enterConfigTerminal(x *session, _ []string) error {
	x.println("Enter configuration commands, one per line.  End with CNTL/Z.")
	x.mode = modeConfig
	return nil
}

func cmdEnable(x *session, _ []string) error {
	if x.mode != modeExec {
		return nil
	}
	if secret := x.opts.EnableSecret; secret != "" {
		got, err := x.ask("Password: ", false)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			x.println(x.d.denied)
			return nil
		}
	}
	x.mode = modePriv
	return nil
}

// setPageLen is "terminal length <n>" (0 turns paging off).
func setPageLen(x *session, args []string) error {
	x.pageLen, _ = strconv.Atoi(args[0])
	return nil
}

// setWidth accepts "terminal width N"; no output is wider than 80
// columns, so there is nothing to keep.
func setWidth(*session, []string) error { return nil }

// setQoS is the global QoS switch ("mls qos", "qos basic", "no qos").
func setQoS(on bool) handler {
	return func(x *session, _ []string) error {
		x.sw.update(func(c *Config) { c.QoS = on })
		return nil
	}
}

func pagingOff(x *session, _ []string) error {
	x.pageLen = 0
	return nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s) // the grammar checked it
	return n
}

func atois(ss []string) []int {
	ns := make([]int, len(ss))
	for i, s := range ss {
		ns[i] = atoi(s)
	}
	return ns
}

// checkMap validates the DSCP map of a restored config.
func checkMap(c Config, lo, hi int, thresholds bool) error {
	for d, cell := range c.Map {
		if cell.Queue < lo || cell.Queue > hi {
			return fmt.Errorf("dscp %d: queue %d out of range %d-%d", d, cell.Queue, lo, hi)
		}
		if thresholds && (cell.Threshold < 1 || cell.Threshold > 3) || !thresholds && cell.Threshold != 0 {
			return fmt.Errorf("dscp %d: bad threshold %d", d, cell.Threshold)
		}
	}
	return nil
}

func setHostname(x *session, args []string) error {
	if err := x.d.checkHostname(args[0]); err != nil {
		x.invalid(strings.LastIndex(x.line, args[0]))
		return nil
	}
	x.sw.update(func(c *Config) { c.Hostname = args[0] })
	return nil
}

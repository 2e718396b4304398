package cli

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/qosagent/qosagent/vendors"
)

// ConfigSpec says how to read a running or startup configuration: one
// parser for both, so the saved rule compares like with like.
type ConfigSpec struct {
	// Interface opens an interface section; its first group is the port.
	Interface string `yaml:"interface"`
	// SectionEnd closes a section ("!", "exit"); a new top-level line does too.
	SectionEnd string `yaml:"section_end"`
	// QoS are the lines, top level or in an interface, that make up the
	// QoS state; running and startup must hold the same ones.
	QoS []string `yaml:"qos"`
	// PortTrust reads a per-port trust override inside an interface
	// section. Trust names our mode, or "global" (the port uses the global
	// mode), or is empty: then the line's first group is a word of TrustWords.
	PortTrust []struct {
		Line  string `yaml:"line"`
		Trust string `yaml:"trust"`
	} `yaml:"port_trust"`
	TrustWords map[string]vendors.Trust `yaml:"trust_words"`
	// StrictCount reads "the top N queues are strict" (first group N).
	StrictCount string `yaml:"strict_count"`
	// PortStrict reads a port's own strict queues inside an interface
	// section (first group: the queue IDs); that port's other queues are
	// then taken as weighted, the reading that never claims more strictness
	// than the config shows.
	PortStrict string `yaml:"port_strict"`
	// PortNoStrict reads queues a port turned weighted inside its
	// interface section (first group: the queue IDs); without a
	// PortStrict line the port's other queues are the global scheduler's.
	PortNoStrict string `yaml:"port_no_strict"`
	// PortUnsupported are lines that, inside an interface section, give
	// the port a setting the model does not hold (its own DSCP map): such
	// a port is not judged, and the read fails as unsupported.
	PortUnsupported []string `yaml:"port_unsupported"`

	iface, end, strict, portStrict, portNoStrict *regexp.Regexp
	qos, portTrust, portUnsupported              []*regexp.Regexp
}

// trustFollows is a port whose trust follows the global mode.
const trustFollows vendors.Trust = "global"

func (c *ConfigSpec) compile() error {
	var err error
	re := func(field, expr string) *regexp.Regexp {
		if expr == "" || err != nil {
			return nil
		}
		r, e := regexp.Compile(expr)
		if e != nil {
			err = fmt.Errorf("config.%s: %w", field, e)
		}
		return r
	}
	c.iface = re("interface", c.Interface)
	c.end = re("section_end", c.SectionEnd)
	c.strict = re("strict_count", c.StrictCount)
	c.portStrict = re("port_strict", c.PortStrict)
	c.portNoStrict = re("port_no_strict", c.PortNoStrict)
	for i, q := range c.QoS {
		c.qos = append(c.qos, re(fmt.Sprintf("qos[%d]", i), q))
	}
	for i, p := range c.PortUnsupported {
		c.portUnsupported = append(c.portUnsupported, re(fmt.Sprintf("port_unsupported[%d]", i), p))
	}
	for i, p := range c.PortTrust {
		c.portTrust = append(c.portTrust, re(fmt.Sprintf("port_trust[%d]", i), p.Line))
		if p.Trust == "" {
			for w, t := range c.TrustWords {
				if t == "" {
					return fmt.Errorf("config.trust_words: %q names no mode", w)
				}
			}
		}
	}
	if (len(c.PortTrust) > 0 || c.PortStrict != "" || c.PortNoStrict != "" || len(c.PortUnsupported) > 0) && c.iface == nil && err == nil {
		err = fmt.Errorf("config.port_trust, config.port_strict, config.port_no_strict and config.port_unsupported need config.interface")
	}
	return err
}

// config is what one configuration says about QoS.
type config struct {
	lines        []string // QoS lines, "interface X: line" inside a section
	ports        []string // ports with a trust override, in order
	portTrust    map[string]vendors.Trust
	strictCount  *int
	strictPorts  []string         // ports with a scheduler of their own, in order
	portStrict   map[string][]int // port -> its strict queue IDs (port_strict)
	portNoStrict map[string][]int // port -> queues it turned weighted (port_no_strict)
}

func configParser(kind string) parser {
	return func(out string, r *reading) error {
		c, err := parseConfig(r.d, out)
		if err != nil {
			return err
		}
		r.configs[kind] = c
		return nil
	}
}

func parseConfig(d *Dialect, out string) (*config, error) {
	spec := &d.Config
	c := &config{portTrust: map[string]vendors.Trust{}, portStrict: map[string][]int{}, portNoStrict: map[string][]int{}}
	section := ""
	sawAny := false
	for _, raw := range lines(out) {
		l := strings.TrimSpace(raw)
		if l == "" {
			continue
		}
		sawAny = true
		top := raw == strings.TrimLeft(raw, " \t")
		if spec.iface != nil {
			if m := spec.iface.FindStringSubmatch(l); m != nil {
				section = m[1]
				continue
			}
		}
		if spec.end != nil && spec.end.MatchString(l) {
			section = ""
			continue
		}
		if top && section != "" && spec.end == nil {
			section = ""
		}
		if section == "" {
			if err := c.strictLine(d, l); err != nil {
				return nil, err
			}
		}
		for _, q := range spec.qos {
			if q.MatchString(l) {
				key := l
				if section != "" {
					key = "interface " + section + ": " + l
				}
				c.lines = append(c.lines, key)
				break
			}
		}
		if section == "" {
			continue
		}
		for _, u := range spec.portUnsupported {
			if u.MatchString(l) {
				return nil, fmt.Errorf("interface %s: %q is a setting of its own that qosagent does not read: %w", section, l, vendors.ErrUnsupported)
			}
		}
		for _, ps := range []struct {
			re   *regexp.Regexp
			into map[string][]int
		}{{spec.portStrict, c.portStrict}, {spec.portNoStrict, c.portNoStrict}} {
			if ps.re == nil {
				continue
			}
			if m := ps.re.FindStringSubmatch(l); m != nil {
				_, a := c.portStrict[section]
				_, b := c.portNoStrict[section]
				if !a && !b {
					c.strictPorts = append(c.strictPorts, section)
				}
				for _, f := range strings.Fields(m[1]) {
					q, err := strconv.Atoi(f)
					if err != nil {
						return nil, fmt.Errorf("interface %s: queue %q in %q: %w", section, f, l, vendors.ErrParse)
					}
					ps.into[section] = append(ps.into[section], q)
				}
			}
		}
		for i, p := range spec.portTrust {
			m := p.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			t := vendors.Trust(spec.PortTrust[i].Trust)
			if t == "" {
				if len(m) < 2 {
					return nil, fmt.Errorf("config.port_trust[%d] has no group for the trust word", i)
				}
				w, ok := spec.TrustWords[m[1]]
				if !ok {
					return nil, fmt.Errorf("interface %s: trust %q in %q is unknown: %w", section, m[1], l, vendors.ErrParse)
				}
				t = w
			}
			if _, dup := c.portTrust[section]; !dup {
				c.ports = append(c.ports, section)
			}
			c.portTrust[section] = t
			break
		}
	}
	if !sawAny {
		return nil, fmt.Errorf("empty configuration: %w", vendors.ErrParse)
	}
	return c, nil
}

// strictLine reads a top-level "top N queues strict" line, if it is one.
func (c *config) strictLine(d *Dialect, l string) error {
	re := d.Config.strict
	if re == nil {
		return nil
	}
	m := re.FindStringSubmatch(l)
	if m == nil {
		return nil
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return fmt.Errorf("%q: %w", l, vendors.ErrParse)
	}
	c.strictCount = &n
	return nil
}

// differs says how the QoS lines of c (running) and boot (startup)
// differ, or "" when they hold the same lines.
func (c *config) differs(boot *config) string {
	count := map[string]int{}
	for _, l := range c.lines {
		count[l]++
	}
	for _, l := range boot.lines {
		count[l]--
	}
	var only, lost []string
	for _, l := range c.lines {
		if count[l] > 0 {
			only = append(only, l)
			count[l]--
		}
	}
	for _, l := range boot.lines {
		if count[l] < 0 {
			lost = append(lost, l)
			count[l]++
		}
	}
	var parts []string
	if len(only) > 0 {
		parts = append(parts, fmt.Sprintf("running-config has %s, startup-config does not", quoteSome(only)))
	}
	if len(lost) > 0 {
		parts = append(parts, fmt.Sprintf("startup-config has %s, running-config does not", quoteSome(lost)))
	}
	return strings.Join(parts, "; ")
}

func quoteSome(ls []string) string {
	const most = 3
	q := make([]string, 0, most)
	for i, l := range ls {
		if i == most {
			q = append(q, fmt.Sprintf("and %d more", len(ls)-most))
			break
		}
		q = append(q, strconv.Quote(l))
	}
	return strings.Join(q, ", ")
}

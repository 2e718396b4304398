package agent

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/qosagent/qosagent/internal/fsutil"
)

// DSCP code points the policy rules name.
const (
	DSCPDefault = 0
	DSCPCS3     = 24
	DSCPAF41    = 34
	DSCPEF      = 46
)

// Class is one traffic class of the policy.
type Class struct {
	Name string `yaml:"name" json:"name"`
	DSCP []int  `yaml:"dscp" json:"dscp"`
}

// Policy is the desired QoS behaviour. Classes are in priority order, highest first.
type Policy struct {
	Classes     []Class  `yaml:"classes" json:"classes"`
	EFExclusive bool     `yaml:"ef_exclusive" json:"ef_exclusive"`
	Trust       string   `yaml:"trust" json:"trust"`
	TrustPorts  []string `yaml:"-" json:"trust_ports"` // empty = all ports
	// WeightedShares are the share weights given to weighted queues, lowest
	// priority first, when their weights do not already rank them (Catalyst
	// SRR). Empty means DefaultShares.
	WeightedShares []int `yaml:"weighted_shares" json:"weighted_shares,omitempty"`
	// Endpoints, when present, says how endpoints mark their traffic.
	Endpoints *Endpoints `yaml:"-" json:"endpoints,omitempty"`
}

// shares returns n strictly increasing share weights for weighted queues,
// lowest priority first. By default the top weighted queue gets 255 and each
// one below about half of the one above it, so under congestion a class gets
// twice the bandwidth of the class below.
func (p Policy) shares(n int) ([]int, error) {
	if len(p.WeightedShares) > 0 {
		if n > len(p.WeightedShares) {
			return nil, fmt.Errorf("%d weighted queues need share weights but weighted_shares has %d", n, len(p.WeightedShares))
		}
		return p.WeightedShares[len(p.WeightedShares)-n:], nil
	}
	out := make([]int, n)
	for i := range out {
		out[i] = max(255>>(n-1-i), 1)
	}
	return out, nil
}

// DefaultPolicy is the built-in policy: audio EF > video AF41 > signaling CS3 > default.
func DefaultPolicy() Policy {
	return Policy{
		Classes: []Class{
			{Name: "audio", DSCP: []int{DSCPEF}},
			{Name: "video", DSCP: []int{DSCPAF41}},
			{Name: "signaling", DSCP: []int{DSCPCS3}},
			{Name: "default", DSCP: []int{DSCPDefault}},
		},
		Trust: "dscp",
	}
}

// focus lists the DSCP values the rules look at in a port's own map: the
// classes' values, or all 64 when ef_exclusive looks at every one.
func (p Policy) focus() []int {
	if p.EFExclusive {
		return nil
	}
	var ds []int
	for _, c := range p.Classes {
		ds = append(ds, c.DSCP...)
	}
	return ds
}

// AllPorts reports whether trust applies to every port.
func (p Policy) AllPorts() bool { return len(p.TrustPorts) == 0 }

// maxPolicyBytes bounds what we read: a policy is a few lines, anything bigger is a mistake.
const maxPolicyBytes = 1 << 20

// LoadPolicy reads and validates a policy file.
func LoadPolicy(path string) (Policy, error) {
	p, _, err := ReadPolicy(path)
	return p, err
}

// ReadPolicy reads and validates a policy file and returns its bytes too,
// for the provenance of what is generated from it.
func ReadPolicy(path string) (Policy, []byte, error) {
	data, _, err := fsutil.ReadRegular(path, maxPolicyBytes)
	if err != nil {
		return Policy{}, nil, fmt.Errorf("policy: %w", err)
	}
	p, err := ParsePolicy(path, data)
	return p, data, err
}

// Validate checks the rules every policy must satisfy, whatever switch it meets.
func (p Policy) Validate() error {
	var errs []error
	for _, is := range p.issues() {
		errs = append(errs, errors.New(is.msg))
	}
	return errors.Join(errs...)
}

// issue is one broken rule: the message, and the path of the field at fault
// ("classes[1].dscp[0]") so that ParsePolicy can point at its line.
type issue struct {
	at  string
	msg string
}

func (p Policy) issues() []issue {
	var out []issue
	add := func(at, format string, args ...any) {
		out = append(out, issue{at: at, msg: fmt.Sprintf(format, args...)})
	}
	if len(p.Classes) < 2 {
		add("classes", "classes: %d given; expected at least 2 (a top class holding EF and one below it)", len(p.Classes))
	}
	seen := map[int]string{}
	names := map[string]bool{}
	for i, c := range p.Classes {
		where := fmt.Sprintf("classes[%d]", i)
		if c.Name == "" {
			add(where+".name", "%s: name is empty", where)
		} else if names[c.Name] {
			add(where+".name", "%s: name %q is used twice", where, c.Name)
		}
		names[c.Name] = true
		if len(c.DSCP) == 0 {
			add(where+".dscp", "%s (%s): dscp: empty; expected at least one value 0..63", where, c.Name)
		}
		for j, d := range c.DSCP {
			at := fmt.Sprintf("%s.dscp[%d]", where, j)
			if d < 0 || d > 63 {
				add(at, "%s (%s): dscp %d is out of range; expected 0..63", where, c.Name, d)
				continue
			}
			if other, dup := seen[d]; dup {
				add(at, "%s (%s): dscp %d is already listed in class %s", where, c.Name, d, other)
				continue
			}
			seen[d] = c.Name
		}
	}
	if len(p.Classes) > 0 && !contains(p.Classes[0].DSCP, DSCPEF) {
		add("classes[0]", "classes[0] (%s): must hold EF (dscp 46); the top class is the one EF rides in", p.Classes[0].Name)
	}
	if p.Trust != "dscp" {
		add("trust", "trust: %q; only \"dscp\" is supported (the DSCP map is consulted only when ports trust DSCP)", p.Trust)
	}
	for i, w := range p.WeightedShares {
		at := fmt.Sprintf("weighted_shares[%d]", i)
		if w < 1 || w > 255 {
			add(at, "%s: %d; expected 1..255", at, w)
		} else if i > 0 && w <= p.WeightedShares[i-1] {
			add(at, "%s: %d is not above %d; shares go lowest priority first, strictly increasing", at, w, p.WeightedShares[i-1])
		}
	}
	for i, port := range p.TrustPorts {
		if strings.TrimSpace(port) == "" {
			add(fmt.Sprintf("trust_ports[%d]", i), "trust_ports[%d]: empty port name", i)
		}
	}
	if p.Endpoints != nil {
		out = append(out, p.endpointIssues()...)
	}
	return out
}

// classOf maps each listed DSCP to its class index.
func (p Policy) classOf() map[int]int {
	m := map[int]int{}
	for i, c := range p.Classes {
		for _, d := range c.DSCP {
			m[d] = i
		}
	}
	return m
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// PHBName is the per-hop behaviour name of a well-known code point (RFC
// 2474 class selectors, RFC 2597 AF, RFC 3246 EF, RFC 5865 VOICE-ADMIT),
// "" for the others.
func PHBName(d int) string {
	switch {
	case d == DSCPEF:
		return "EF"
	case d == 44:
		return "VA"
	case d == DSCPDefault:
		return "BE"
	case d < 0 || d > 63:
		return ""
	case d%8 == 0:
		return "CS" + strconv.Itoa(d/8)
	case d >= 10 && d <= 38 && d%2 == 0 && (d%8)/2 >= 1:
		return fmt.Sprintf("AF%d%d", d/8, (d%8)/2)
	}
	return ""
}

// dscpName gives the PHB name of well-known code points, for messages.
func dscpName(d int) string {
	if n := PHBName(d); n != "" {
		return n
	}
	return "DSCP " + strconv.Itoa(d)
}

// dscpLabel is "CS6 (dscp 48)" for named code points, "dscp 49" otherwise.
func dscpLabel(d int) string {
	if n := PHBName(d); n != "" {
		return fmt.Sprintf("%s (dscp %d)", n, d)
	}
	return fmt.Sprintf("dscp %d", d)
}

package capture

import (
	"errors"
	"fmt"
	"strings"

	"github.com/qosagent/qosagent/agent"
)

// ErrNoEndpoints says the policy has no endpoints section to check against.
var ErrNoEndpoints = errors.New("the policy has no endpoints section: capture check needs its modalities (ports, protocol, class)")

// matcher assigns flows to the policy's modalities.
type matcher struct {
	mods     []agent.Modality
	expected []int // the DSCP each modality marks with
}

func newMatcher(p agent.Policy) (matcher, error) {
	if p.Endpoints == nil || len(p.Endpoints.Modalities) == 0 {
		return matcher{}, ErrNoEndpoints
	}
	m := matcher{mods: p.Endpoints.Modalities}
	for _, mod := range m.mods {
		d, ok := p.ClassDSCP(mod.Class)
		if !ok {
			return matcher{}, fmt.Errorf("endpoints: modality %q: class %q is not a class of the policy (or has no dscp)", mod.Name, mod.Class)
		}
		if (mod.SourcePorts == nil) == (mod.DestinationPorts == nil) {
			return matcher{}, fmt.Errorf("endpoints: modality %q: expected exactly one of source_ports and destination_ports", mod.Name)
		}
		switch mod.Protocol {
		case agent.ProtoTCP, agent.ProtoUDP, agent.ProtoBoth:
		default:
			return matcher{}, fmt.Errorf("endpoints: modality %q: protocol %q; expected tcp, udp or both", mod.Name, mod.Protocol)
		}
		m.expected = append(m.expected, d)
	}
	return m, nil
}

// match returns the modality of a flow and whether it matched by
// destination: first a modality whose source ports hold the source port,
// else one whose ports hold the destination port (its destination ports,
// or its source ports for the return direction of peer-to-peer media).
// The protocol must match; -1 when no modality does.
func (m matcher) match(proto string, sport, dport int) (int, bool) {
	for i, mod := range m.mods {
		if mod.SourcePorts != nil && mod.SourcePorts.Contains(sport) && mod.MatchesProtocol(proto) {
			return i, false
		}
	}
	for i, mod := range m.mods {
		r := mod.DestinationPorts
		if r == nil {
			r = mod.SourcePorts
		}
		if r.Contains(dport) && mod.MatchesProtocol(proto) {
			return i, true
		}
	}
	return -1, false
}

// ports renders a modality's range for messages: "6000-6024" or "5061".
func ports(r *agent.PortRange) string {
	if r == nil {
		return ""
	}
	return r.String()
}

// rangesOf lists every modality's ports, for the out-of-range advice.
func (m matcher) rangesOf() string {
	var parts []string
	for _, mod := range m.mods {
		if mod.Protocol == agent.ProtoTCP {
			continue
		}
		r := mod.SourcePorts
		if r == nil {
			r = mod.DestinationPorts
		}
		parts = append(parts, mod.Name+" "+ports(r))
	}
	return strings.Join(parts, ", ")
}

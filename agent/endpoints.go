package agent

// The endpoints section of a policy: how PCs and phones mark their packets,
// by modality and port range, with the DSCP of one of the policy's classes.
// `qosagent endpoints` renders it for Windows, Lync/Skype/Teams and Polycom
// phones; `qosagent capture check` compares a capture against it.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Protocols a modality can match.
const (
	ProtoTCP  = "tcp"
	ProtoUDP  = "udp"
	ProtoBoth = "both"
)

// Modality names: a fixed vocabulary, because each maps to fixed parameters
// of the targets (the Lync/Skype -ClientAudioPort, Polycom's rtp ports...).
const (
	ModalityAudio        = "audio"
	ModalityVideo        = "video"
	ModalitySignaling    = "signaling"
	ModalityAppSharing   = "app-sharing"
	ModalityFileTransfer = "file-transfer"
)

// ModalityNames lists the modality vocabulary in documentation order.
func ModalityNames() []string {
	return []string{ModalityAudio, ModalityVideo, ModalitySignaling, ModalityAppSharing, ModalityFileTransfer}
}

// Protocols lists the protocol vocabulary.
func Protocols() []string { return []string{ProtoTCP, ProtoUDP, ProtoBoth} }

// PortRange is an inclusive range of TCP or UDP ports; First == Last for one port.
type PortRange struct {
	First int `json:"first"`
	Last  int `json:"last"`
}

// Contains reports whether port lies in the range.
func (r PortRange) Contains(port int) bool { return port >= r.First && port <= r.Last }

// Len is the number of ports in the range.
func (r PortRange) Len() int { return r.Last - r.First + 1 }

// String is the range as the policy writes it: "6000-6024", or "5061" for one port.
func (r PortRange) String() string {
	if r.First == r.Last {
		return strconv.Itoa(r.First)
	}
	return fmt.Sprintf("%d-%d", r.First, r.Last)
}

// Overlaps reports whether the two ranges share a port.
func (r PortRange) Overlaps(o PortRange) bool { return r.First <= o.Last && o.First <= r.Last }

// check returns what is wrong with the range, or "".
func (r PortRange) check() string {
	for _, p := range []int{r.First, r.Last} {
		if p < 1 || p > 65535 {
			return fmt.Sprintf("port %d is out of range; expected 1..65535", p)
		}
	}
	if r.First > r.Last {
		return fmt.Sprintf("%d-%d: the first port is above the last; expected FIRST-LAST with FIRST <= LAST", r.First, r.Last)
	}
	return ""
}

// Modality is one kind of endpoint traffic and the ports it is sent from or to.
type Modality struct {
	Name     string `json:"name"`     // audio, video, signaling, app-sharing, file-transfer
	Class    string `json:"class"`    // a class of the policy; the modality marks with its first DSCP
	Protocol string `json:"protocol"` // ProtoTCP, ProtoUDP or ProtoBoth
	// SourcePorts or DestinationPorts (exactly one is set) say which packets
	// the modality covers.
	SourcePorts      *PortRange `json:"source_ports,omitempty"`
	DestinationPorts *PortRange `json:"destination_ports,omitempty"`
}

// Ports returns the range the modality matches and whether it is the source
// (true) or destination (false) port.
func (m Modality) Ports() (PortRange, bool) {
	if m.SourcePorts != nil {
		return *m.SourcePorts, true
	}
	if m.DestinationPorts != nil {
		return *m.DestinationPorts, false
	}
	return PortRange{}, true
}

// MatchesProtocol reports whether the modality covers the transport protocol
// proto (ProtoTCP or ProtoUDP).
func (m Modality) MatchesProtocol(proto string) bool {
	return m.Protocol == ProtoBoth || m.Protocol == proto
}

// Endpoints is the policy's optional endpoints section.
type Endpoints struct {
	// Applications are the executables Windows policies match; empty means every application.
	Applications []string   `json:"applications"`
	Modalities   []Modality `json:"modalities"`
	// Polycom says Polycom UCS phones (VVX, SoundPoint IP) are in use, so
	// their port rules apply to every check, not only to the polycom target.
	Polycom bool `json:"polycom,omitempty"`
}

// Modality returns the modality with that name, if the section has it.
func (e *Endpoints) Modality(name string) (Modality, bool) {
	if e == nil {
		return Modality{}, false
	}
	for _, m := range e.Modalities {
		if m.Name == name {
			return m, true
		}
	}
	return Modality{}, false
}

// ClassDSCP returns the first DSCP of the named class: the mark endpoints use for it.
func (p Policy) ClassDSCP(class string) (int, bool) {
	for _, c := range p.Classes {
		if c.Name == class && len(c.DSCP) > 0 {
			return c.DSCP[0], true
		}
	}
	return 0, false
}

// endpointIssues checks the endpoints section on its own and against the
// classes: only what makes the section meaningless is an error here; what is
// merely unwise (overlaps, short ranges) is for the endpoints linter.
func (p Policy) endpointIssues() []issue {
	var out []issue
	add := func(at, format string, args ...any) {
		out = append(out, issue{at: at, msg: fmt.Sprintf(format, args...)})
	}
	e := p.Endpoints
	for i, app := range e.Applications {
		switch {
		case strings.TrimSpace(app) == "":
			add(fmt.Sprintf("endpoints.applications[%d]", i), "endpoints.applications[%d]: empty name; expected an executable such as lync.exe", i)
		case strings.ContainsFunc(app, unicode.IsControl):
			// It goes into scripts and registry files line by line.
			add(fmt.Sprintf("endpoints.applications[%d]", i), "endpoints.applications[%d]: %q holds a control character; expected an executable name or path", i, app)
		}
	}
	if len(e.Modalities) == 0 {
		add("endpoints.modalities", "endpoints.modalities: none given; expected at least one of %s", strings.Join(ModalityNames(), ", "))
	}
	var classes []string
	for _, c := range p.Classes {
		classes = append(classes, c.Name)
	}
	seen := map[string]int{}
	for i, m := range e.Modalities {
		where := fmt.Sprintf("endpoints.modalities[%d]", i)
		label := where
		if m.Name != "" {
			label = fmt.Sprintf("%s (%s)", where, m.Name)
		}
		switch {
		case m.Name == "":
			add(where, "%s: name: is required; expected one of %s", label, strings.Join(ModalityNames(), ", "))
		case !slices.Contains(ModalityNames(), m.Name):
			add(where+".name", "%s: name %q is not a modality%s; expected one of %s", where, m.Name, suggestWord(m.Name, ModalityNames()), strings.Join(ModalityNames(), ", "))
		default:
			if first, dup := seen[m.Name]; dup {
				add(where+".name", "%s: name %q is used twice (first at endpoints.modalities[%d]); each modality has one entry", label, m.Name, first)
			}
			seen[m.Name] = i
		}
		switch {
		case m.Class == "":
			add(where, "%s: class: is required; expected one of %s", label, strings.Join(classes, ", "))
		case !slices.Contains(classes, m.Class):
			add(where+".class", "%s: class %q is unknown%s; expected one of the policy's classes: %s", label, m.Class, suggestWord(m.Class, classes), strings.Join(classes, ", "))
		}
		switch {
		case m.Protocol == "":
			add(where, "%s: protocol: is required; expected tcp, udp or both", label)
		case !slices.Contains(Protocols(), m.Protocol):
			add(where+".protocol", "%s: protocol %q is unknown; expected tcp, udp or both", label, m.Protocol)
		}
		switch {
		case m.SourcePorts != nil && m.DestinationPorts != nil:
			add(where+".destination_ports", "%s: source_ports and destination_ports are both set; expected one of them", label)
		case m.SourcePorts == nil && m.DestinationPorts == nil:
			add(where, "%s: neither source_ports nor destination_ports is set; expected one of them, e.g. source_ports: 6000-6024", label)
		case m.SourcePorts != nil:
			if msg := m.SourcePorts.check(); msg != "" {
				add(where+".source_ports", "%s: source_ports: %s", label, msg)
			}
		default:
			if msg := m.DestinationPorts.check(); msg != "" {
				add(where+".destination_ports", "%s: destination_ports: %s", label, msg)
			}
		}
	}
	return out
}

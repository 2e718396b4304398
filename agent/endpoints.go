package agent

// The endpoints section of a policy: how PCs and phones mark their packets,
// by modality and port range, with the DSCP of one of the policy's classes.
// `qosagent endpoints` renders it for Windows, Lync/Skype/Teams and Polycom
// phones; `qosagent capture check` compares a capture against it.

// Protocols a modality can match.
const (
	ProtoTCP  = "tcp"
	ProtoUDP  = "udp"
	ProtoBoth = "both"
)

// PortRange is an inclusive range of TCP or UDP ports; First == Last for one port.
type PortRange struct {
	First int `json:"first"`
	Last  int `json:"last"`
}

// Contains reports whether port lies in the range.
func (r PortRange) Contains(port int) bool { return port >= r.First && port <= r.Last }

// Len is the number of ports in the range.
func (r PortRange) Len() int { return r.Last - r.First + 1 }

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

// Package endpoints turns the endpoints section of a policy into what PCs,
// phones and the Lync/Skype/Teams servers are configured with, checks that
// section against the switch policy and the endpoints' known limits, and
// explains where each modality's marks land on the switches.
package endpoints

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/qosagent/qosagent/agent"
)

// Source is the policy file as read, for the provenance line every artefact
// carries: an admin holding a .reg file can tell which policy produced it.
type Source struct {
	Name string // the file as given (--policy), or "preset teams"
	Data []byte
}

// SHA256 is the hex SHA-256 of the file's bytes.
func (s Source) SHA256() string {
	sum := sha256.Sum256(s.Data)
	return hex.EncodeToString(sum[:])
}

// Provenance is the one line naming the policy and its hash.
func (s Source) Provenance() string {
	return fmt.Sprintf("policy %s, sha256 %s", s.Name, s.SHA256())
}

// Input is what every command of this package works from.
type Input struct {
	// Policy holds the endpoints section; Source is its file.
	Policy agent.Policy
	Source Source
	// Switches is the policy the switches follow when it is another file
	// (the inventory's policy:); nil means Policy itself. Endpoint marks are
	// checked against its classes, since those are what the switches queue.
	Switches     *agent.Policy
	SwitchesFrom string // names Switches in messages
}

// ErrNoEndpoints is returned for a policy without an endpoints section.
var ErrNoEndpoints = errors.New("the policy has no endpoints: section; add one (qosagent policy show --preset lync-2014 prints an example) or use --preset")

func (in Input) endpoints() (*agent.Endpoints, error) {
	if in.Policy.Endpoints == nil {
		return nil, fmt.Errorf("%s: %w", in.Source.Name, ErrNoEndpoints)
	}
	return in.Policy.Endpoints, nil
}

func (in Input) switchPolicy() (agent.Policy, string) {
	if in.Switches != nil {
		return *in.Switches, in.SwitchesFrom
	}
	return in.Policy, in.Source.Name
}

// mark is the DSCP a modality marks with; ok is false when its class is
// unknown or empty (which ParsePolicy refuses, so only code-built policies
// get there).
func (in Input) mark(m agent.Modality) (int, bool) { return in.Policy.ClassDSCP(m.Class) }

// media reports whether a modality carries RTP media (or bulk data on its
// own ports) rather than call signaling.
func media(m agent.Modality) bool { return m.Name != agent.ModalitySignaling }

// dscpName names well-known code points: "EF 46", "AF41 34", "CS3 24", "BE 0".
func dscpName(d int) string {
	if n := agent.PHBName(d); n != "" {
		return fmt.Sprintf("%s %d", n, d)
	}
	return fmt.Sprintf("DSCP %d", d)
}

// protoLabel is how tables show a protocol.
func protoLabel(p string) string {
	if p == agent.ProtoBoth {
		return "tcp+udp"
	}
	return p
}

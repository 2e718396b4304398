package vendors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// MarshalJSON writes the state with its schema version.
func (s State) MarshalJSON() ([]byte, error) {
	type plain State
	p := plain(s)
	p.Schema = StateSchema
	return json.Marshal(p)
}

// UnmarshalJSON reads a state of this schema, or of schema 1 (no "schema"
// key: the form backups had before states were kept per scope), which it
// converts. A state from a newer release is refused rather than half read.
func (s *State) UnmarshalJSON(data []byte) error {
	var probe struct {
		Schema int `json:"schema"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return err
	}
	switch probe.Schema {
	case StateSchema:
		type plain State
		var p plain
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return fmt.Errorf("state (schema %d): %w", StateSchema, err)
		}
		*s = State(p)
		return nil
	case 0:
		return s.fromV1(data)
	}
	return fmt.Errorf("state has schema %d; this release reads %d and older", probe.Schema, StateSchema)
}

// stateV1 is the schema 1 form: one global map and queue list, trust per
// port, and per-port scheduling beside a switch-wide summary of it.
type stateV1 struct {
	Queues []struct {
		ID     int  `json:"id"`
		Strict bool `json:"strict"`
		Weight int  `json:"weight"`
	} `json:"queues"`
	DSCP          *[NumDSCP]int `json:"dscp"`
	Trust         []PortTrust   `json:"trust"`
	QoSDisabled   bool          `json:"qos_disabled"`
	PortScheduler []struct {
		Port     string `json:"port"`
		Expedite bool   `json:"expedite"`
		Weights  []int  `json:"weights"` // by native queue ID, ascending
	} `json:"port_scheduler"`
}

func (s *State) fromV1(data []byte) error {
	var v stateV1
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("state (schema 1): %w", err)
	}
	if v.DSCP == nil || len(v.Queues) == 0 {
		return fmt.Errorf("state (schema 1): no dscp map or no queues")
	}
	out := State{Schema: StateSchema, QoSDisabled: v.QoSDisabled}
	for _, q := range v.Queues {
		out.Queues = append(out.Queues, q.ID)
	}
	g := Scope{Name: GlobalPort, DSCP: append([]int(nil), v.DSCP[:]...)}
	if len(v.PortScheduler) == 0 {
		// Without per-port scheduling the queue list was the switch's own.
		for _, q := range v.Queues {
			g.Sched = append(g.Sched, Sched{Strict: q.Strict, Weight: q.Weight})
		}
	}
	if t, ok := v1Trust(v.Trust, GlobalPort); ok {
		g.Trust = t
	}
	out.Scopes = append(out.Scopes, g)
	byID := append([]int(nil), out.Queues...)
	sort.Ints(byID)
	port := func(name string) *Scope {
		if sc := out.Scope(name); sc != nil {
			return sc
		}
		out.Scopes = append(out.Scopes, Scope{Name: name})
		return &out.Scopes[len(out.Scopes)-1]
	}
	for _, t := range v.Trust {
		if t.Port != GlobalPort {
			port(t.Port).Trust = t.Trust
		}
	}
	for _, ps := range v.PortScheduler {
		sched := make([]Sched, len(out.Queues))
		for r, id := range out.Queues {
			if r == len(out.Queues)-1 {
				sched[r].Strict = ps.Expedite
			}
			if i := sort.SearchInts(byID, id); i < len(ps.Weights) {
				sched[r].Weight = ps.Weights[i]
			}
		}
		port(ps.Port).Sched = sched
	}
	*s = out
	return s.Validate()
}

func v1Trust(ts []PortTrust, port string) (Trust, bool) {
	for _, t := range ts {
		if t.Port == port {
			return t.Trust, true
		}
	}
	return "", false
}

package cli

import (
	"fmt"
	"strings"

	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/factory"
)

// FactorySpec is the factory-default state of the dialect's base model,
// for tools that work without a device (endpoints explain names native
// queues from it). Audits and applies always read the device.
type FactorySpec struct {
	// Map names a table of package factory.
	Map string `yaml:"map"`
	// Queues are the native queue IDs in priority order, lowest first.
	Queues []int `yaml:"queues"`
	// Trust is the factory global trust mode; empty where trust is set per
	// port only.
	Trust vendors.Trust `yaml:"trust"`
	// Strict is "all" or "none": which queues are strict out of the box.
	Strict string `yaml:"strict"`
	// Weights, if set, are the factory share weights by rank.
	Weights []int `yaml:"weights"`
	// QoSDisabled: the platform ships with QoS off (Catalyst no mls qos).
	QoSDisabled bool `yaml:"qos_disabled"`
	// QueueName is the platform's name of a queue, {id} the native ID;
	// default "queue {id}".
	QueueName string `yaml:"queue_name"`
	// Models says where other models of the platform differ (another
	// queue count), so that offline tools say so instead of pretending.
	Models string `yaml:"models"`
}

// model builds the vendors.FactoryModel; nil when the dialect has no
// factory section.
func (f *FactorySpec) model() (*vendors.FactoryModel, error) {
	if f.Map == "" {
		return nil, nil
	}
	m, err := factory.Lookup(f.Map)
	if err != nil {
		return nil, fmt.Errorf("factory.map: %w", err)
	}
	if len(f.Queues) < 2 {
		return nil, fmt.Errorf("factory.queues: want the native queue IDs in priority order, got %v", f.Queues)
	}
	if f.Weights != nil && len(f.Weights) != len(f.Queues) {
		return nil, fmt.Errorf("factory.weights: %d weights for %d queues", len(f.Weights), len(f.Queues))
	}
	g := vendors.Scope{Name: vendors.GlobalPort, DSCP: make([]int, vendors.NumDSCP), Trust: f.Trust, Sched: make([]vendors.Sched, len(f.Queues))}
	st := vendors.State{Queues: append([]int(nil), f.Queues...), QoSDisabled: f.QoSDisabled}
	for d := range g.DSCP {
		g.DSCP[d] = m(d)
		if st.Rank(g.DSCP[d]) < 0 {
			return nil, fmt.Errorf("factory.map %s puts DSCP %d on queue %d, not among factory.queues %v", f.Map, d, g.DSCP[d], f.Queues)
		}
	}
	switch f.Strict {
	case "all", "none":
	default:
		return nil, fmt.Errorf("factory.strict %q: expected all or none", f.Strict)
	}
	for r := range g.Sched {
		g.Sched[r].Strict = f.Strict == "all"
		if f.Weights != nil {
			g.Sched[r].Weight = f.Weights[r]
		}
	}
	st.Scopes = []vendors.Scope{g}
	name := f.QueueName
	if name == "" {
		name = "queue {id}"
	}
	if !strings.Contains(name, "{id}") {
		return nil, fmt.Errorf("factory.queue_name %q lacks {id}", name)
	}
	return &vendors.FactoryModel{State: st, Models: f.Models,
		QueueName: func(id int) string { return strings.ReplaceAll(name, "{id}", fmt.Sprint(id)) }}, nil
}

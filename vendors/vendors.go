// Package vendors is the seam between the engine and the switches: one Adapter
// interface, the typed state every adapter reads, and a registry from the
// inventory's `vendor:` name to the platform that serves it.
package vendors

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/qosagent/qosagent/inventory"
)

// NumDSCP is the size of the DSCP code space (6 bits).
const NumDSCP = 64

// Trust is how a port classifies incoming packets, in platform-neutral words.
type Trust string

const (
	TrustUntrusted  Trust = "untrusted"
	TrustDot1p      Trust = "dot1p"
	TrustPrecedence Trust = "ip-precedence"
	TrustDSCP       Trust = "dscp"
	GlobalPort            = "global" // Port name of the switch-wide trust setting
)

// Queue is one hardware egress queue.
type Queue struct {
	ID     int  `json:"id"`     // native queue number as the platform numbers it
	Strict bool `json:"strict"` // served strictly before every lower-priority queue
	// Weight is the queue's relative share where the platform schedules
	// non-strict queues by share weights (Catalyst SRR); 0 where it does not.
	Weight int `json:"weight,omitempty"`
}

// PortTrust is the trust mode configured on one port, or on GlobalPort.
type PortTrust struct {
	Port  string `json:"port"`
	Trust Trust  `json:"trust"`
}

// State is what an adapter reads from a switch, in platform-neutral form.
type State struct {
	// Queues in priority order, lowest priority first; the last is the top queue.
	Queues []Queue `json:"queues"`
	// DSCP holds the native queue ID of every DSCP value 0..63.
	DSCP [NumDSCP]int `json:"dscp"`
	// Trust lists the global setting (Port == GlobalPort) first, then every port.
	Trust []PortTrust `json:"trust"`
	// QoSDisabled is set on platforms with a global QoS switch that is off
	// (Catalyst `no mls qos`): then no map or trust setting is consulted.
	QoSDisabled bool `json:"qos_disabled,omitempty"`
	// PortScheduler holds per-port scheduling on platforms that configure it
	// per port (Catalyst: priority-queue out, SRR share weights). Queues then
	// summarise it: the top queue is strict only when every port expedites
	// it, and a queue's Weight is the one all ports agree on.
	PortScheduler []PortScheduler `json:"port_scheduler,omitempty"`
}

// PortScheduler is one port's scheduler settings.
type PortScheduler struct {
	Port     string `json:"port"`
	Expedite bool   `json:"expedite"`          // the top queue is strict on this port
	Weights  []int  `json:"weights,omitempty"` // share weights by native queue ID, ascending
}

// Top returns the highest-priority queue.
func (s *State) Top() Queue { return s.Queues[len(s.Queues)-1] }

// Rank returns the priority rank of a native queue ID (0 = lowest), or -1.
func (s *State) Rank(queueID int) int {
	for i, q := range s.Queues {
		if q.ID == queueID {
			return i
		}
	}
	return -1
}

// TrustOf returns the trust mode recorded for port, and whether it was found.
func (s *State) TrustOf(port string) (Trust, bool) {
	for _, p := range s.Trust {
		if p.Port == port {
			return p.Trust, true
		}
	}
	return "", false
}

// Clone returns a deep copy.
func (s State) Clone() State {
	c := s
	c.Queues = append([]Queue(nil), s.Queues...)
	c.Trust = append([]PortTrust(nil), s.Trust...)
	c.PortScheduler = make([]PortScheduler, len(s.PortScheduler))
	for i, p := range s.PortScheduler {
		c.PortScheduler[i] = PortScheduler{Port: p.Port, Expedite: p.Expedite, Weights: append([]int(nil), p.Weights...)}
	}
	return c
}

// MapChange moves one DSCP value to another queue.
type MapChange struct {
	DSCP int `json:"dscp"`
	From int `json:"from_queue"`
	To   int `json:"to_queue"`
}

// TrustChange sets the trust mode of one port (or GlobalPort).
type TrustChange struct {
	Port string `json:"port"`
	From Trust  `json:"from"`
	To   Trust  `json:"to"`
}

// SchedulerChange makes a queue strict or weighted, or changes its share weight.
type SchedulerChange struct {
	Queue      int  `json:"queue"`
	FromStrict bool `json:"from_strict"`
	ToStrict   bool `json:"to_strict"`
	FromWeight int  `json:"from_weight,omitempty"`
	ToWeight   int  `json:"to_weight,omitempty"`
}

// PortSchedulerChange changes one port's scheduler settings.
type PortSchedulerChange struct {
	Port         string `json:"port"`
	FromExpedite bool   `json:"from_expedite"`
	ToExpedite   bool   `json:"to_expedite"`
	FromWeights  []int  `json:"from_weights,omitempty"`
	ToWeights    []int  `json:"to_weights,omitempty"`
}

// Change is a planned set of edits. Adapters write all of it in one step where
// the device allows; the order inside each slice is the order to send.
type Change struct {
	// QoSEnable turns the platform's global QoS switch on (true) or off; nil leaves it.
	QoSEnable *bool             `json:"qos_enable,omitempty"`
	Map       []MapChange       `json:"map,omitempty"`
	Trust     []TrustChange     `json:"trust,omitempty"`
	Scheduler []SchedulerChange `json:"scheduler,omitempty"`
	// PortScheduler carries the per-port form of scheduler edits on
	// platforms that have it; there it is what adapters write.
	PortScheduler []PortSchedulerChange `json:"port_scheduler,omitempty"`
}

// Empty reports whether the change edits nothing.
func (c Change) Empty() bool { return c.Len() == 0 }

// Len is the number of edits.
func (c Change) Len() int {
	n := len(c.Map) + len(c.Trust) + len(c.Scheduler) + len(c.PortScheduler)
	if c.QoSEnable != nil {
		n++
	}
	return n
}

// Adapter talks to one switch. It is not safe for concurrent use: the engine
// makes one per switch per run.
type Adapter interface {
	// Read returns the switch's current queues, DSCP map and trust state.
	Read(ctx context.Context) (State, error)
	// Write applies ch, atomically where the device allows.
	Write(ctx context.Context, ch Change) error
	// Save persists the running configuration to the startup configuration.
	Save(ctx context.Context) error
	Close() error
}

// Order says how the platform keeps one queue ahead of the next.
type Order string

const (
	OrderStrict   Order = "strict"   // strict-priority scheduling
	OrderWeighted Order = "weighted" // only share weights; higher queue gets more, not all
)

// Platform describes one `vendor:` value of the inventory.
type Platform struct {
	Name      string
	Transport inventory.Transport
	// Open makes an adapter for one switch; it need not touch the network.
	Open func(sw inventory.Switch) (Adapter, error)
	// Factory, when set, describes the platform's factory-default state
	// without a device, so that offline tools (endpoints explain) can name
	// native queues. nil when only the device can tell; queue lists are
	// always read from the device for audits and applies.
	Factory *FactoryModel
}

// FactoryModel is what a platform is known to have out of the box.
type FactoryModel struct {
	// State holds the factory queues in priority order with their native
	// IDs and strictness, and the factory DSCP map.
	State State
	// QueueName is the platform's own name for a queue ("Q1", "queue 3");
	// nil means "queue <id>".
	QueueName func(id int) string
}

// Name is the native name of queue id.
func (f *FactoryModel) Name(id int) string {
	if f.QueueName == nil {
		return fmt.Sprintf("queue %d", id)
	}
	return f.QueueName(id)
}

// Registry maps inventory vendor names to platforms.
type Registry struct{ platforms map[string]Platform }

// NewRegistry returns a registry holding the given platforms.
func NewRegistry(ps ...Platform) *Registry {
	r := &Registry{platforms: map[string]Platform{}}
	for _, p := range ps {
		r.platforms[p.Name] = p
	}
	return r
}

// Lookup returns the platform registered under name.
func (r *Registry) Lookup(name string) (Platform, error) {
	p, ok := r.platforms[name]
	if !ok {
		return Platform{}, fmt.Errorf("vendor %q is unknown; known: %s", name, strings.Join(r.Names(), ", "))
	}
	return p, nil
}

// Names lists the registered vendor names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.platforms))
	for n := range r.platforms {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Transports returns the transport of every registered vendor, for inventory validation.
func (r *Registry) Transports() map[string]inventory.Transport {
	m := make(map[string]inventory.Transport, len(r.platforms))
	for n, p := range r.platforms {
		m[n] = p.Transport
	}
	return m
}

// ErrUnsupported marks a switch whose firmware lacks what qosagent needs
// (e.g. no DSCP table); it is never reported as compliant.
var ErrUnsupported = errors.New("unsupported by this switch")

// Stats counts the requests an adapter sent, for reports and benchmarks.
type Stats struct {
	Requests int64 `json:"requests"`
	Retries  int64 `json:"retries"`
}

// StatsReporter is implemented by adapters that count their requests.
type StatsReporter interface {
	Stats() Stats
}

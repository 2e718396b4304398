// Package vendors is the seam between the engine and the switches: one Adapter
// interface, the typed state every adapter reads, and a registry from the
// inventory's `vendor:` name to the platform that serves it.
package vendors

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/qosagent/qosagent/inventory"
)

// NumDSCP is the size of the DSCP code space (6 bits).
const NumDSCP = 64

// Unread marks a DSCP value of a port's own map that the adapter did not
// read (it reads the policy's values per port, to save round trips). Only
// port scopes have such values; the rules and the planner never use them.
const Unread = -1

// Trust is how a port classifies incoming packets, in platform-neutral words.
type Trust string

const (
	TrustUntrusted  Trust = "untrusted"
	TrustDot1p      Trust = "dot1p"
	TrustPrecedence Trust = "ip-precedence"
	TrustDSCP       Trust = "dscp"
	GlobalPort            = "global" // Port name of the switch-wide trust setting
)

// StateSchema is the version of State's JSON form. Backups carry it, so a
// backup written by an older release is read as what it was (see
// UnmarshalJSON) instead of as a half-empty state.
const StateSchema = 2

// Sched is how one queue, named by its priority rank, is served in a scope.
type Sched struct {
	Strict bool `json:"strict"` // served strictly before every lower-ranked queue
	// Weight is the queue's relative share where the platform schedules
	// non-strict queues by share weights (Catalyst SRR); 0 where it does not.
	Weight int `json:"weight,omitempty"`
}

// Scope is one place of a switch that holds QoS settings: the switch-wide
// (global) one, or one port. A field is empty where the platform keeps no
// such setting in this scope; the scope then follows the global one.
type Scope struct {
	Name string `json:"scope"` // GlobalPort, or the port as the platform names it
	// DSCP holds the native queue of every DSCP value 0..63; nil where the
	// scope has no map of its own.
	DSCP []int `json:"dscp,omitempty"`
	// Trust is the scope's trust mode; "" where it has none of its own.
	Trust Trust `json:"trust,omitempty"`
	// Sched is indexed by priority rank (0 = lowest), as State.Queues; nil
	// where the scope has no scheduler settings of its own.
	Sched []Sched `json:"sched,omitempty"`
}

// PortTrust is the trust mode configured on one port, or on GlobalPort.
type PortTrust struct {
	Port  string `json:"port"`
	Trust Trust  `json:"trust"`
}

// State is what an adapter reads from a switch, in platform-neutral form.
type State struct {
	Schema int `json:"schema"`
	// Queues holds the native queue IDs in priority order, lowest first;
	// the last is the top queue. Adapters read count and order from the device.
	Queues []int `json:"queues"`
	// Scopes lists the global scope first, then one per port that has
	// settings of its own.
	Scopes []Scope `json:"scopes"`
	// QoSDisabled is set on platforms with a global QoS switch that is off
	// (Catalyst `no mls qos`): then no map or trust setting is consulted.
	QoSDisabled bool `json:"qos_disabled,omitempty"`
	// BootRead says the adapter read the boot (startup) configuration and
	// compared it with the running one, so a save can be verified by a read.
	BootRead bool `json:"boot_read,omitempty"`
	// Unsaved, when not empty, says why the switch would boot with other
	// QoS settings than it runs: the startup config differs (set by the
	// adapter), or a write whose save did not complete (set by whoever
	// remembers it, before the engine checks the state).
	Unsaved string `json:"unsaved,omitempty"`
}

// Global returns the global scope (nil if the adapter read none).
func (s *State) Global() *Scope { return s.Scope(GlobalPort) }

// Scope returns the scope of that name, or nil.
func (s *State) Scope(name string) *Scope {
	for i := range s.Scopes {
		if s.Scopes[i].Name == name {
			return &s.Scopes[i]
		}
	}
	return nil
}

// Top returns the native ID of the highest-priority queue.
func (s *State) Top() int { return s.Queues[len(s.Queues)-1] }

// Rank returns the priority rank of a native queue ID (0 = lowest), or -1.
func (s *State) Rank(queueID int) int {
	for i, q := range s.Queues {
		if q == queueID {
			return i
		}
	}
	return -1
}

// Map returns the DSCP map in force in scope sc: its own, else the global one.
func (s *State) Map(sc *Scope) []int {
	if sc.DSCP != nil {
		return sc.DSCP
	}
	if g := s.Global(); g != nil {
		return g.DSCP
	}
	return nil
}

// SchedOf returns the scheduling in force in sc: its own, else the global one.
func (s *State) SchedOf(sc *Scope) []Sched {
	if sc.Sched != nil {
		return sc.Sched
	}
	if g := s.Global(); g != nil {
		return g.Sched
	}
	return nil
}

// GlobalMap is the global scope's DSCP map, or nil.
func (s *State) GlobalMap() []int {
	if g := s.Global(); g != nil {
		return g.DSCP
	}
	return nil
}

// TrustOf returns the trust mode of a scope that has one of its own.
func (s *State) TrustOf(port string) (Trust, bool) {
	if sc := s.Scope(port); sc != nil && sc.Trust != "" {
		return sc.Trust, true
	}
	return "", false
}

// Trusts lists the scopes' own trust settings, global first.
func (s *State) Trusts() []PortTrust {
	var out []PortTrust
	for _, sc := range s.Scopes {
		if sc.Trust != "" {
			out = append(out, PortTrust{Port: sc.Name, Trust: sc.Trust})
		}
	}
	return out
}

// Clone returns a deep copy.
func (s State) Clone() State {
	c := s
	c.Queues = append([]int(nil), s.Queues...)
	c.Scopes = make([]Scope, len(s.Scopes))
	for i, sc := range s.Scopes {
		c.Scopes[i] = sc
		if sc.DSCP != nil {
			c.Scopes[i].DSCP = append([]int(nil), sc.DSCP...)
		}
		if sc.Sched != nil {
			c.Scopes[i].Sched = append([]Sched(nil), sc.Sched...)
		}
	}
	return c
}

// Validate checks the shape adapters and backups must have: known queues,
// complete maps onto them, schedules of one entry per queue, one global
// scope first, no scope twice.
func (s *State) Validate() error {
	if len(s.Queues) < 2 {
		return fmt.Errorf("%d queues; expected at least 2", len(s.Queues))
	}
	if len(s.Scopes) == 0 || s.Scopes[0].Name != GlobalPort {
		return fmt.Errorf("the global scope must come first")
	}
	seen := map[string]bool{}
	for _, sc := range s.Scopes {
		if seen[sc.Name] {
			return fmt.Errorf("scope %s listed twice", sc.Name)
		}
		seen[sc.Name] = true
		if sc.DSCP != nil {
			if len(sc.DSCP) != NumDSCP {
				return fmt.Errorf("scope %s: map has %d values; expected %d", sc.Name, len(sc.DSCP), NumDSCP)
			}
			for d, q := range sc.DSCP {
				if q == Unread && sc.Name != GlobalPort {
					continue
				}
				if s.Rank(q) < 0 {
					return fmt.Errorf("scope %s: dscp %d maps to queue %d, not one of %v", sc.Name, d, q, s.Queues)
				}
			}
		}
		if sc.Sched != nil && len(sc.Sched) != len(s.Queues) {
			return fmt.Errorf("scope %s: scheduling of %d queues; expected %d", sc.Name, len(sc.Sched), len(s.Queues))
		}
	}
	if s.GlobalMap() == nil {
		return fmt.Errorf("no global DSCP map")
	}
	return nil
}

// MapChange moves one DSCP value to another queue in one scope.
type MapChange struct {
	Scope string `json:"scope"`
	DSCP  int    `json:"dscp"`
	From  int    `json:"from_queue"`
	To    int    `json:"to_queue"`
}

// TrustChange sets the trust mode of one scope.
type TrustChange struct {
	Port string `json:"port"` // the scope: GlobalPort or a port
	From Trust  `json:"from"`
	To   Trust  `json:"to"`
}

// SchedulerChange makes a queue strict or weighted, or changes its share
// weight, in one scope. Rank is what the engine means; Queue is the native
// ID of that rank, for people and config lines.
type SchedulerChange struct {
	Scope      string `json:"scope"`
	Rank       int    `json:"rank"`
	Queue      int    `json:"queue"`
	FromStrict bool   `json:"from_strict"`
	ToStrict   bool   `json:"to_strict"`
	FromWeight int    `json:"from_weight,omitempty"`
	ToWeight   int    `json:"to_weight,omitempty"`
}

// Change is a planned set of edits. Adapters write all of it in one step where
// the device allows; the order inside each slice is the order to send.
type Change struct {
	// QoSEnable turns the platform's global QoS switch on (true) or off; nil leaves it.
	QoSEnable *bool             `json:"qos_enable,omitempty"`
	Map       []MapChange       `json:"map,omitempty"`
	Trust     []TrustChange     `json:"trust,omitempty"`
	Scheduler []SchedulerChange `json:"scheduler,omitempty"`
	// Save asks for the running config to be saved although nothing else
	// changes: the switch would boot with other settings (State.Unsaved).
	Save bool `json:"save,omitempty"`
	// RemarkPorts are the ports that will re-mark DSCP to 0 once QoS is on
	// because they stay untrusted: set by the planner with QoSEnable.
	RemarkPorts []string `json:"remark_ports,omitempty"`
}

// Empty reports whether the change edits nothing.
func (c Change) Empty() bool { return c.Len() == 0 }

// Writes reports whether the change edits the running config.
func (c Change) Writes() bool {
	return len(c.Map)+len(c.Trust)+len(c.Scheduler) > 0 || c.QoSEnable != nil
}

// Len is the number of edits; a save counts as one.
func (c Change) Len() int {
	n := len(c.Map) + len(c.Trust) + len(c.Scheduler)
	if c.QoSEnable != nil {
		n++
	}
	if c.Save {
		n++
	}
	return n
}

// Adapter talks to one switch. It is not safe for concurrent use: the engine
// makes one per switch per run.
type Adapter interface {
	// Read returns the switch's current queues and scopes. It fails rather
	// than return a state it could not read whole.
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
	// State holds the factory queues in priority order (native IDs) and
	// the factory scopes: the DSCP map, trust and scheduling.
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

// Stats counts the requests an adapter sent, for reports and benchmarks.
type Stats struct {
	Requests int64 `json:"requests"`
	Retries  int64 `json:"retries"`
}

// Focuser is implemented by adapters that read some per-port rows only for
// the DSCP values that matter; the engine tells them which before Read.
type Focuser interface {
	Focus(dscp []int)
}

// StatsReporter is implemented by adapters that count their requests.
type StatsReporter interface {
	Stats() Stats
}

// Package clisim simulates switches with Cisco-like command line interfaces
// (Catalyst IOS, Cisco small business, NetGear FASTPATH) well enough to test
// qosagent's SSH CLI adapter against them: a Switch holds one switch's QoS
// state, Serve runs one CLI session over any reader and writer, and
// ListenSSH serves the CLI over real SSH.
//
// Only the commands qosagent sends or reads are implemented, with the
// prompts, confirmations, paging and error markers of the real CLIs (see
// /work/shared/reference/domain-facts.md §2, §3, §3.1). Erase and reload
// are deliberately absent.
package clisim

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// Cell is one row of a DSCP-to-queue map. Queue numbers are the dialect's
// native ones (1..4 on Cisco, 0..3 on FASTPATH).
type Cell struct {
	Queue     int `json:"queue"`
	Threshold int `json:"threshold,omitempty"` // drop threshold 1..3, cisco-ios only
}

// Port is one cisco-ios interface.
type Port struct {
	Name          string `json:"name"`
	Trust         string `json:"trust,omitempty"` // "", "dscp", "cos" or "ip-precedence"
	PriorityQueue bool   `json:"priority_queue,omitempty"`
	Share         [4]int `json:"share"`
	Shape         [4]int `json:"shape"`
}

// Config is a running or startup configuration. One type serves all
// dialects; fields a dialect does not have stay zero.
type Config struct {
	Hostname string   `json:"hostname"`
	QoS      bool     `json:"qos"`             // ios: mls qos; sb: qos basic
	Trust    string   `json:"trust,omitempty"` // global trust keyword (sb, fastpath)
	Map      [64]Cell `json:"map"`
	Ports    []Port   `json:"ports,omitempty"`         // ios
	Strict   []bool   `json:"strict,omitempty"`        // fastpath: per traffic class
	StrictN  int      `json:"strict_queues,omitempty"` // sb: priority-queue out num-of-queues
}

func (c Config) clone() Config {
	c.Ports = append([]Port(nil), c.Ports...)
	c.Strict = append([]bool(nil), c.Strict...)
	return c
}

func (c Config) equal(d Config) bool { return reflect.DeepEqual(c, d) }

// State is everything a Switch persists: the JSON form the stdio program
// keeps between sessions.
type State struct {
	Dialect   string `json:"dialect"`
	Running   Config `json:"running"`
	Startup   Config `json:"startup"`
	SaveCount int    `json:"save_count"`
}

// Faults are misbehaviours a test can switch on at any time; sessions
// read them before every line.
type Faults struct {
	// FailCommand makes every config-mode line containing it answer the
	// dialect's invalid-input error without changing anything. Earlier
	// lines stay applied, as on a real CLI.
	FailCommand string
	// DropAfterConfigLines closes the session right after this many
	// config-mode lines (0 = never), leaving them applied.
	DropAfterConfigLines int
	// DropOnce clears DropAfterConfigLines after the first drop, like a
	// link that flaps once: the next session (a rollback) gets through.
	DropOnce bool
}

// ErrDropped is returned by Serve when Faults.DropAfterConfigLines closed
// the session.
var ErrDropped = errors.New("clisim: session dropped by fault injection")

// Switch is one simulated switch. All methods are safe for concurrent use,
// also while sessions run.
type Switch struct {
	d *dialect

	mu        sync.Mutex
	running   Config
	startup   Config
	saveCount int
	version   uint64 // bumped on every change, so sessions can notice them
	faults    Faults
}

// New returns a switch of the given dialect with its factory
// configuration. An empty hostname takes the dialect's default.
func New(dialect, hostname string) (*Switch, error) {
	d, ok := dialects()[dialect]
	if !ok {
		return nil, fmt.Errorf("clisim: unknown dialect %q (known: %s)", dialect, strings.Join(Dialects(), ", "))
	}
	if hostname == "" {
		hostname = d.defaultHost
	}
	if err := d.checkHostname(hostname); err != nil {
		return nil, err
	}
	c := d.factory()
	c.Hostname = hostname
	return &Switch{d: d, running: c, startup: c.clone()}, nil
}

// Dialects lists the known dialect names, sorted.
func Dialects() []string {
	var names []string
	for n := range dialects() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Dialect returns the switch's dialect name.
func (s *Switch) Dialect() string { return s.d.name }

// DSCPQueue returns the native queue of dscp in the running config.
func (s *Switch) DSCPQueue(dscp int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running.Map[dscp].Queue
}

// Running returns a copy of the running config.
func (s *Switch) Running() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running.clone()
}

// Saved reports whether the startup config equals the running config.
func (s *Switch) Saved() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running.equal(s.startup)
}

// SaveCount returns how many times the running config was saved.
func (s *Switch) SaveCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveCount
}

// Snapshot returns the switch's persistent state.
func (s *Switch) Snapshot() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return State{Dialect: s.d.name, Running: s.running.clone(), Startup: s.startup.clone(), SaveCount: s.saveCount}
}

// Restore replaces the switch's state with st, which must be of the same
// dialect and valid for it.
func (s *Switch) Restore(st State) error {
	if st.Dialect != s.d.name {
		return fmt.Errorf("clisim: state is for dialect %q, switch is %q", st.Dialect, s.d.name)
	}
	for _, c := range []Config{st.Running, st.Startup} {
		if err := s.d.validate(c); err != nil {
			return fmt.Errorf("clisim: invalid state: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running, s.startup, s.saveCount = st.Running.clone(), st.Startup.clone(), st.SaveCount
	s.version++
	return nil
}

// SetFaults replaces the injected faults.
func (s *Switch) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// dropped records a fault-injected drop, clearing it when it was one-shot.
func (s *Switch) dropped() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.DropOnce {
		s.faults.DropAfterConfigLines = 0
	}
}

func (s *Switch) getFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// update applies f to the running config under the lock.
func (s *Switch) update(f func(c *Config)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.running)
	s.version++
}

// save copies running to startup.
func (s *Switch) save() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startup = s.running.clone()
	s.saveCount++
	s.version++
}

func (s *Switch) getVersion() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

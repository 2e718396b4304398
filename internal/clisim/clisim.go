// Package clisim simulates switches with Cisco-like command line interfaces
// (Catalyst IOS, Cisco small business, NetGear FASTPATH) well enough to test
// qosagent's SSH CLI adapter against them: a Switch holds one switch's QoS
// state, Serve runs one CLI session over any reader and writer, and
// ListenSSH serves the CLI over real SSH.
//
// Only the commands qosagent sends or reads, and those a network engineer's
// tools send (show version, show startup-config), are implemented, with the
// prompts, confirmations, paging and error markers of the real CLIs as the
// vendors' command references describe them. Options select hardware
// variants (queue counts, port naming). Erase and reload commands are
// deliberately absent; Switch.Reload is the power cycle.
package clisim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options select a hardware variant of a dialect. The zero value is the
// dialect's default variant.
type Options struct {
	// Hostname of the new switch; empty takes the dialect's default.
	Hostname string
	// Queues is the number of egress queues (traffic classes): 4 (the
	// default) or 7 on netgear-fastpath (M4100/M4300 have traffic classes
	// 0-6), 4 (the default) or 8 on cisco-sb (SG350/SG550/CBS, and SG300
	// in 8-queue mode). cisco-ios has 4 and accepts only 0 or 4.
	Queues int
	// StackPorts names cisco-ios ports GigabitEthernet1/0/N (short Gi1/0/N),
	// as a stacked or stackable Catalyst 2960S/2960X/3750 does, instead of
	// GigabitEthernet0/N.
	StackPorts bool
	// AllStrictFactory gives cisco-sb its real factory scheduler: every
	// queue strict, and no priority-queue line in the running config (it
	// prints only when the count differs from the default). Without it, and
	// with 4 queues, the factory has no strict queue and the running config
	// always prints "priority-queue out num-of-queues N", as this simulator
	// did before. Queues 8 implies it.
	AllStrictFactory bool
	// NoMinBandwidth and NoMaxBandwidth drop the Min. and Max. Bandwidth
	// columns from netgear-fastpath's "show interfaces cos-queue", as on
	// platforms without those features.
	NoMinBandwidth, NoMaxBandwidth bool
}

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
	// Ifaces are the per-interface overrides of cisco-sb and
	// netgear-fastpath; nil on cisco-ios, whose Ports hold them.
	Ifaces []Iface `json:"ifaces,omitempty"`
}

// Iface is one cisco-sb or netgear-fastpath interface's own settings.
type Iface struct {
	Name string `json:"name"`
	// Trust: on netgear-fastpath the interface's "classofservice trust"
	// keyword, "" when it follows the global setting; on cisco-sb
	// "untrusted" after "no qos trust", "" when trusted (the default,
	// following the global trust mode).
	Trust string `json:"trust,omitempty"`
}

func (c Config) clone() Config {
	c.Ports = append([]Port(nil), c.Ports...)
	c.Strict = append([]bool(nil), c.Strict...)
	c.Ifaces = append([]Iface(nil), c.Ifaces...)
	return c
}

func (c Config) equal(d Config) bool { return reflect.DeepEqual(c, d) }

// State is everything a Switch persists: the JSON form the stdio program
// keeps between sessions.
type State struct {
	Dialect   string  `json:"dialect"`
	Options   Options `json:"options"`
	Running   Config  `json:"running"`
	Startup   Config  `json:"startup"`
	SaveCount int     `json:"save_count"`
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
	// RefuseSave makes the save command save nothing and print what the
	// platform prints then (a full flash, a locked file, a "no" answer).
	RefuseSave bool

	// UnexpectedPrompt is a question the CLI asks instead of running a
	// line, e.g. "Proceed with reload? [confirm]": on a real switch such
	// a question comes from an unexpected command, a firmware quirk or a
	// confirmation the dialect does not know. Any answer ending in Enter
	// (even an empty one) confirms it: the line then runs and
	// PromptsAnswered counts it, which a test asserts never happens.
	// Ctrl-C aborts it: "^C", the line does not run, the prompt comes
	// back. EOF ends the session without running the line.
	UnexpectedPrompt string
	// UnexpectedPromptOn picks the lines that ask UnexpectedPrompt: those
	// containing it (in any mode, so the save command can be chosen);
	// empty means every config-mode line.
	UnexpectedPromptOn string
	// UnexpectedPromptOnce clears UnexpectedPrompt once it was asked.
	UnexpectedPromptOnce bool

	// Garbage injects junk into everything the CLI prints (every output
	// line and every prompt) once a session has run
	// GarbageAfterConfigLines config-mode lines (0: from its start), until
	// the session ends. GarbageANSI is terminal noise a real CLI emits
	// (colours, erase-line, window titles) and a terminal shows as
	// nothing; GarbageBinary is line noise: random bytes of any value,
	// including NUL, 0xff, CR, LF and ESC, so it can break lines, start
	// escape sequences that swallow what follows, or look like text.
	Garbage                 GarbageKind
	GarbageAfterConfigLines int
	// Seed seeds the PRNG of GarbageBinary at SetFaults, so runs repeat.
	Seed uint64

	// DropLeavingConfig closes the session right after a line that leaves
	// config mode ("end", "exit" at the top), before the prompt: every
	// config line was applied and its answer is lost.
	DropLeavingConfig bool
	// SaveTakes makes the save command print nothing for this long before
	// it saves and prints its success text; the save completes even when
	// the session is gone by then, as on a real switch.
	SaveTakes time.Duration
	// Banner is printed before the session's own banner: a long MOTD with
	// prompt-like lines, for instance.
	Banner string
}

// GarbageKind says what junk Faults.Garbage injects.
type GarbageKind int

const (
	GarbageNone   GarbageKind = iota
	GarbageANSI               // escape sequences only: harmless to a terminal
	GarbageBinary             // random bytes
)

// ErrDropped is returned by Serve when Faults.DropAfterConfigLines closed
// the session.
var ErrDropped = errors.New("clisim: session dropped by fault injection")

// Switch is one simulated switch. All methods are safe for concurrent use,
// also while sessions run.
type Switch struct {
	d    *dialect
	opts Options

	mu        sync.Mutex
	running   Config
	startup   Config
	saveCount int
	version   uint64 // bumped on every change, so sessions can notice them
	faults    Faults
	rng       *rand.Rand // for Faults.Garbage

	configLines int // config-mode lines run, all sessions
	answered    int // UnexpectedPrompt questions answered
}

// New returns a switch of the given dialect with its factory
// configuration. An empty hostname takes the dialect's default.
func New(dialect, hostname string) (*Switch, error) {
	return NewWithOptions(dialect, Options{Hostname: hostname})
}

// NewWithOptions returns a switch of the given dialect and variant with
// its factory configuration.
func NewWithOptions(dialect string, o Options) (*Switch, error) {
	mk, ok := dialects()[dialect]
	if !ok {
		return nil, fmt.Errorf("clisim: unknown dialect %q (known: %s)", dialect, strings.Join(Dialects(), ", "))
	}
	d, err := mk(o)
	if err != nil {
		return nil, fmt.Errorf("clisim: %s: %w", dialect, err)
	}
	hostname := o.Hostname
	if hostname == "" {
		hostname = d.defaultHost
	}
	if err := d.checkHostname(hostname); err != nil {
		return nil, err
	}
	o.Hostname = ""
	c := d.factory()
	c.Hostname = hostname
	return &Switch{d: d, opts: o, running: c, startup: c.clone()}, nil
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

// Startup returns a copy of the startup config, the one the switch boots
// with.
func (s *Switch) Startup() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startup.clone()
}

// Reload is a power cycle: the running config is lost and the startup
// config comes back as the running config, as after a reboot.
func (s *Switch) Reload() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = s.startup.clone()
	s.version++
}

// Edit changes the running config directly, as a console session or a
// colleague would, e.g. to set one interface apart. The result must stay
// valid for the dialect.
func (s *Switch) Edit(f func(c *Config)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.running.clone()
	f(&c)
	if err := s.d.validate(c); err != nil {
		return fmt.Errorf("clisim: edit: %w", err)
	}
	s.running = c
	s.version++
	return nil
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
	return State{Dialect: s.d.name, Options: s.opts, Running: s.running.clone(), Startup: s.startup.clone(), SaveCount: s.saveCount}
}

// Restore replaces the switch's state with st, which must be of the same
// dialect and valid for it.
func (s *Switch) Restore(st State) error {
	if st.Dialect != s.d.name {
		return fmt.Errorf("clisim: state is for dialect %q, switch is %q", st.Dialect, s.d.name)
	}
	if st.Options != s.opts {
		return fmt.Errorf("clisim: state is for variant %+v, switch is %+v", st.Options, s.opts)
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
	s.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
}

// Faults returns the injected faults.
func (s *Switch) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// ConfigLines returns how many config-mode lines all sessions have sent
// (refused ones included): non-zero means a write was attempted.
func (s *Switch) ConfigLines() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.configLines
}

// PromptsAnswered returns how many Faults.UnexpectedPrompt questions were
// answered (confirmed) rather than aborted.
func (s *Switch) PromptsAnswered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answered
}

// askUnexpected reports whether line must ask Faults.UnexpectedPrompt, and
// the question; a one-shot question is cleared.
func (s *Switch) askUnexpected(line string, inConfig bool) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &s.faults
	if f.UnexpectedPrompt == "" || f.UnexpectedPromptOn == "" && !inConfig ||
		f.UnexpectedPromptOn != "" && !strings.Contains(line, f.UnexpectedPromptOn) {
		return "", false
	}
	q := f.UnexpectedPrompt
	if f.UnexpectedPromptOnce {
		f.UnexpectedPrompt = ""
	}
	return q, true
}

func (s *Switch) countConfigLine() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.configLines++
}

func (s *Switch) countAnswered() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answered++
}

// ansiJunk is terminal noise real CLIs print: colours, erase to end of
// line, window titles, charset selection, cursor show/hide, save/restore.
var ansiJunk = []string{"\x1b[1;31m", "\x1b[0m", "\x1b[K", "\x1b]0;switch\x07", "\x1b(B", "\x1b[?25l", "\x1b[?25h", "\x1b7", "\x1b8", "\x1b[2m"}

// junk returns what Faults.Garbage injects before an output line or a
// prompt of a session that has run configLines config-mode lines.
func (s *Switch) junk(configLines int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	if f.Garbage == GarbageNone || configLines < f.GarbageAfterConfigLines || s.rng == nil {
		return ""
	}
	var b []byte
	switch f.Garbage {
	case GarbageANSI:
		for range 1 + s.rng.IntN(3) {
			b = append(b, ansiJunk[s.rng.IntN(len(ansiJunk))]...)
		}
	case GarbageBinary:
		for range 4 + s.rng.IntN(20) {
			b = append(b, byte(s.rng.UintN(256)))
		}
	}
	return string(b)
}

// dropped records a fault-injected drop, clearing it when it was one-shot.
func (s *Switch) dropped() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.DropOnce {
		s.faults.DropAfterConfigLines = 0
	}
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
	if d := s.Faults().SaveTakes; d > 0 {
		time.Sleep(d)
	}
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

// Package sim simulates NetGear GS110TP smart switches well enough to test
// qosagent against them over real SNMP: a GS110TP holds one switch's QoS
// state, and a Server answers SNMP requests for it on a UDP socket, using
// gosnmp's own BER encoder and decoder.
//
// The simulator implements only the objects qosagent touches (see mib.go),
// with the semantics the NETGEAR-QOS-COS-MIB describes. It can inject the
// faults a real fleet shows: dead agents, partly applied SETs and firmware
// without the DSCP table.
package sim

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/mibs"
	"github.com/qosagent/qosagent/vendors/factory"
)

// Sizes of a GS110TP: eight copper and two SFP ports, four queues.
const (
	numPorts  = 10
	numIfs    = numPorts + 1 // ifIndex 0 is the global row
	numQueues = 4
	numDSCP   = 64
)

// FactoryQueue is the traffic class a 4-queue FASTPATH switch (a GS110TP,
// a NetGear managed switch) gives dscp out of the box (factory.FASTPATH4);
// the CLI simulator and the snmpsim data generator use it too.
func FactoryQueue(dscp int) int { return factory.FASTPATH4(dscp) }

// config is what agentSaveConfig copies to NVRAM. It is a plain value so
// that the running and startup copies compare with ==.
type config struct {
	dscp  [numIfs][numDSCP]uint8
	trust [numIfs]uint8
	sched [numIfs][numQueues]uint8
}

func factoryConfig() config {
	var c config
	for i := range c.dscp {
		for d := range c.dscp[i] {
			c.dscp[i][d] = uint8(factory.FASTPATH4(d))
		}
		c.trust[i] = mibs.TrustModeTrustDot1p
	}
	for i := range c.sched {
		for q := range c.sched[i] {
			c.sched[i][q] = mibs.SchedulerWeighted
		}
	}
	return c
}

// Faults are misbehaviours a test can switch on at any time.
type Faults struct {
	// Silent makes the agent read requests and never answer, like a dead
	// switch or an ACL that drops the manager.
	Silent bool
	// CommitFailAt is the 1-based varbind index at which every SET with at
	// least that many varbinds fails with commitFailed, after the varbinds
	// before it were applied: FASTPATH applies rows one by one at commit and
	// has no undo. 0 turns it off.
	CommitFailAt int
	// NoDSCPTable simulates firmware built without the DSCP map: GET answers
	// noSuchObject for its instances, GETNEXT and GETBULK skip them, and a
	// SET answers notWritable.
	NoDSCPTable bool

	// The faults below count requests from the SetFaults call that set
	// them: a request is one that passed the community (or USM) check and
	// was not lost to Loss; retries count, as the agent cannot tell them
	// from new requests.

	// SilentAfter answers the first SilentAfter requests, then none: a
	// switch that stops answering in the middle of a transaction (crash,
	// link down, CPU starved). It stays silent until the next SetFaults.
	// 0 turns it off.
	SilentAfter int
	// RebootAfter reboots the switch (see Reboot) right after it answered
	// its RebootAfter-th request, once: e.g. 4 on a GS110TP apply (two
	// GETBULKs and a GET of the read, then the SET) reboots it between the
	// write and the read-back. 0 turns it off.
	RebootAfter int
	// RejectSetAt makes every SET with at least that many varbinds fail
	// with RejectStatus on varbind RejectSetAt (1-based). For commitFailed
	// the varbinds before it are applied first, like CommitFailAt (the
	// FASTPATH behaviour); for every other status nothing in the PDU is
	// applied, as RFC 3416 4.2.5 requires of an agent that refuses a SET at
	// the test phase. 0 turns it off.
	RejectSetAt int
	// RejectStatus is the error RejectSetAt answers: wrongValue, noAccess,
	// commitFailed, notWritable, ... noError (the zero value) means genErr.
	RejectStatus gosnmp.SNMPError
	// LieOnRead maps DSCP values to the traffic class GET, GETNEXT and
	// GETBULK report for them (on the global row and every interface),
	// whatever the running config holds: an agent that accepts a SET but
	// reads back something else. SETs still apply to the real config.
	LieOnRead map[int]int
	// LieAfterSet holds the lies back until a SET was applied (since
	// SetFaults), so a manager's first read is true and only its read-back
	// is a lie.
	LieAfterSet bool
	// Loss is the fraction (0..1) of packets lost in each direction: a
	// request is dropped before the agent sees it, and an answer after
	// the agent acted on it (so a SET may be applied and its answer lost).
	// Drawn from a PRNG seeded with Seed at SetFaults, so runs repeat.
	// It adds to ServerConfig.Loss.
	Loss float64
	Seed uint64
	// Delay holds every answer back this long, on top of ServerConfig.RTT.
	Delay time.Duration

	// SetAnswerDelay applies every SET at once but holds its answer back
	// this long: a busy agent whose write landed while the manager timed
	// out. It adds to Delay.
	SetAnswerDelay time.Duration
	// DropSetRow leaves varbind DropSetRow (1-based) of every SET with more
	// than one varbind unapplied while answering noError, as an agent that
	// applies a PDU row by row and loses a late row does. 0 turns it off.
	DropSetRow int
	// SlowAfterSet holds back every answer to a read (GET, GETNEXT,
	// GETBULK) this long once a SET was applied since SetFaults: an agent
	// that is slow on every read after the write. It adds to Delay.
	SlowAfterSet time.Duration
	// SaveStartsAfter keeps agentSaveConfigStatus at what it read before
	// (notInitiated after a boot, savingComplete after an earlier save) this
	// long after a save was asked for, and SaveTakes then keeps it at
	// savingInProcess this long before the startup config is written and
	// the status reads savingComplete: a save that is slow to start and
	// slow to finish. Both 0: the save is instantaneous.
	SaveStartsAfter, SaveTakes time.Duration
	// SaveLag makes a save (agentSaveConfig = enable) start late: the next
	// SaveLag reads of agentSaveConfigStatus still show the status from
	// before (notInitiated, or savingComplete of an earlier save), the read
	// after them savingInProcess, and only the one after that finds the
	// save done (savingComplete), the running config of that moment
	// copied. A manager that takes the first read for the result is fooled.
	// 0: saves are instantaneous.
	SaveLag int
	// SaveFails makes every save end in savingFailed(4), after SaveLag as
	// above, with the startup config unchanged: a full or failing flash.
	SaveFails bool
}

// Stats counts what a switch's agent has seen. Request counters include
// only requests that passed the community (or USM) check.
type Stats struct {
	Get, GetNext, GetBulk, Set uint64
	Responses                  uint64 // responses and reports sent
	Dropped                    uint64 // malformed, wrong community, unsupported, or Silent
	Lost                       uint64 // dropped by ServerConfig.Loss or Faults.Loss before being looked at
	LostAnswers                uint64 // answers dropped by Faults.Loss after the request was served
	Reboots                    uint64 // Reboot calls, by hand or by Faults.RebootAfter
}

// Add adds o's counts to s.
func (s *Stats) Add(o Stats) {
	s.Get += o.Get
	s.GetNext += o.GetNext
	s.GetBulk += o.GetBulk
	s.Set += o.Set
	s.Responses += o.Responses
	s.Dropped += o.Dropped
	s.Lost += o.Lost
	s.LostAnswers += o.LostAnswers
	s.Reboots += o.Reboots
}

// Requests is the number of requests served, of every kind.
func (s Stats) Requests() uint64 { return s.Get + s.GetNext + s.GetBulk + s.Set }

type counters struct {
	get, getNext, getBulk, set, responses, dropped, lost, lostAnswers, reboots atomic.Uint64
}

// GS110TP is the in-memory state of one simulated switch. It is safe for
// concurrent use; several Servers may serve the same switch.
type GS110TP struct {
	name string

	mu         sync.Mutex
	running    config
	startup    config
	saves      int
	saveStatus int
	saveWait   int  // reads of the save status left before a lagging save starts
	saving     bool // a lagging or failing save is under way
	faults     Faults
	served     int        // requests served since SetFaults, for SilentAfter and RebootAfter
	rebooted   bool       // RebootAfter has fired since SetFaults
	setSeen    bool       // a SET was applied since SetFaults, for LieAfterSet
	rng        *rand.Rand // for Faults.Loss; nil when it is 0
	bootedAt   time.Time  // time of the last Reboot; zero if never
	saveGen    int        // bumped by every save request and reboot: a slow save completes only if still current

	stats counters
}

// NewGS110TP returns a switch with factory defaults whose sysName is name.
func NewGS110TP(name string) *GS110TP {
	c := factoryConfig()
	return &GS110TP{
		name:       name,
		running:    c,
		startup:    c,
		saveStatus: mibs.SaveStatusNotInitiated,
	}
}

// Name returns the switch's sysName.
func (s *GS110TP) Name() string { return s.name }

// DSCPMap returns the global (ifIndex 0) DSCP-to-queue map of the running
// config.
func (s *GS110TP) DSCPMap() [64]int { return s.PortDSCPMap(0) }

// PortDSCPMap returns the running DSCP-to-queue map of one interface
// (0 = global, 1..10 = ports).
func (s *GS110TP) PortDSCPMap(ifIndex int) [64]int {
	checkIf(ifIndex)
	s.mu.Lock()
	defer s.mu.Unlock()
	var m [64]int
	for d, q := range s.running.dscp[ifIndex] {
		m[d] = int(q)
	}
	return m
}

// Trust returns the raw agentCosMapIntfTrustMode of an interface (0 = global).
func (s *GS110TP) Trust(ifIndex int) int {
	checkIf(ifIndex)
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.running.trust[ifIndex])
}

// Scheduler returns the raw global agentCosQueueSchedulerType of a queue:
// the latest global setting, which an interface's own may differ from.
func (s *GS110TP) Scheduler(queue int) int { return s.PortScheduler(0, queue) }

// PortScheduler returns the raw agentCosQueueSchedulerType of a queue on
// one interface (0 = global).
func (s *GS110TP) PortScheduler(ifIndex, queue int) int {
	checkIf(ifIndex)
	checkQueue(queue)
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.running.sched[ifIndex][queue])
}

// The setters below change the running config exactly as the matching SNMP
// SET would, without its range checks, so tests can preset drift or even
// values a real agent would refuse. Like a change made in the web UI, they
// leave the startup config alone: Saved reports false until a save.

// SetDSCP sets the global map entry for dscp and, as a global SET does, the
// entry of every interface.
func (s *GS110TP) SetDSCP(dscp, queue int) {
	checkDSCP(dscp)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running.setDSCP(0, dscp, uint8(checkByte(queue)))
}

// SetPortDSCP sets one interface's map entry only, as a console user or
// the web UI's per-interface page would: e.g. SetPortDSCP(5, 46, 1) is "interface 5
// maps EF to queue 1" while the global row still says otherwise.
func (s *GS110TP) SetPortDSCP(ifIndex, dscp, queue int) {
	checkIf(ifIndex)
	checkDSCP(dscp)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running.setDSCP(ifIndex, dscp, uint8(checkByte(queue)))
}

// SetTrust sets the trust mode of an interface; ifIndex 0 sets all of them.
func (s *GS110TP) SetTrust(ifIndex, mode int) {
	checkIf(ifIndex)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running.setTrust(ifIndex, uint8(checkByte(mode)))
}

// SetScheduler sets the global scheduler type of a queue and, as a global
// SET does, that of every interface.
func (s *GS110TP) SetScheduler(queue, typ int) { s.SetPortScheduler(0, queue, typ) }

// SetPortScheduler sets the scheduler type of a queue on one interface
// only; ifIndex 0 sets all of them.
func (s *GS110TP) SetPortScheduler(ifIndex, queue, typ int) {
	checkIf(ifIndex)
	checkQueue(queue)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running.setSched(ifIndex, queue, uint8(checkByte(typ)))
}

// Saved reports whether the running config equals the startup config.
func (s *GS110TP) Saved() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running == s.startup
}

// SaveCount returns how many times agentSaveConfig was set to enable(1).
func (s *GS110TP) SaveCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}

// SetFaults replaces the active faults and restarts the request count of
// SilentAfter and RebootAfter. It panics on a Loss outside 0..1 or a
// negative Delay: a bad fault is a bug in the test.
func (s *GS110TP) SetFaults(f Faults) {
	if !(f.Loss >= 0 && f.Loss <= 1) || f.Delay < 0 || f.SetAnswerDelay < 0 || f.SlowAfterSet < 0 || f.SaveStartsAfter < 0 || f.SaveTakes < 0 {
		panic(fmt.Sprintf("sim: fault loss %v, delay %s out of range", f.Loss, f.Delay))
	}
	if f.LieOnRead != nil {
		lies := make(map[int]int, len(f.LieOnRead))
		for d, q := range f.LieOnRead {
			checkDSCP(d)
			lies[d] = checkByte(q)
		}
		f.LieOnRead = lies // a private copy: the caller may go on changing its map
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.served, s.rebooted, s.setSeen, s.rng = 0, false, false, nil
	if f.Loss > 0 {
		s.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	}
}

// Faults returns the active faults.
func (s *GS110TP) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Reboot simulates a power cycle: the running config goes back to the
// startup config (unsaved changes are lost), the save status to
// notInitiated and, for SNMPv3, snmpEngineBoots goes up by one and
// snmpEngineTime restarts from 0. Counters (Stats, SaveCount) and faults
// are kept. The reboot is instantaneous: the next request is answered by
// the rebooted switch.
func (s *GS110TP) Reboot() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reboot()
}

// reboot is Reboot with s.mu held.
func (s *GS110TP) reboot() {
	s.running = s.startup
	s.saveStatus = mibs.SaveStatusNotInitiated
	s.saveGen++ // a save in progress is lost
	s.saving = false
	s.bootedAt = time.Now()
	s.stats.reboots.Add(1)
}

// engineBoots returns how often the switch rebooted and when it last did,
// for the USM's snmpEngineBoots and snmpEngineTime.
func (s *GS110TP) engineBoots() (uint32, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return uint32(s.stats.reboots.Load()), s.bootedAt //nolint:gosec // fewer than 2^32 reboots
}

// lose draws whether one packet is lost to Faults.Loss.
func (s *GS110TP) lose() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng != nil && s.rng.Float64() < s.faults.Loss
}

// delay returns Faults.Delay.
func (s *GS110TP) delay() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.Delay
}

// Stats returns a snapshot of the agent counters.
func (s *GS110TP) Stats() Stats {
	c := &s.stats
	return Stats{
		Get:       c.get.Load(),
		GetNext:   c.getNext.Load(),
		GetBulk:   c.getBulk.Load(),
		Set:       c.set.Load(),
		Responses: c.responses.Load(),
		Dropped:   c.dropped.Load(),
		Lost:      c.lost.Load(),

		LostAnswers: c.lostAnswers.Load(),
		Reboots:     c.reboots.Load(),
	}
}

// setDSCP writes one DSCP row; the global row fans out to every interface,
// as the MIB says "zero ... causes all interface entries to be updated".
func (c *config) setDSCP(ifIndex, dscp int, q uint8) {
	if ifIndex != 0 {
		c.dscp[ifIndex][dscp] = q
		return
	}
	for i := range c.dscp {
		c.dscp[i][dscp] = q
	}
}

func (c *config) setSched(ifIndex, queue int, typ uint8) {
	if ifIndex != 0 {
		c.sched[ifIndex][queue] = typ
		return
	}
	for i := range c.sched {
		c.sched[i][queue] = typ
	}
}

func (c *config) setTrust(ifIndex int, mode uint8) {
	if ifIndex != 0 {
		c.trust[ifIndex] = mode
		return
	}
	for i := range c.trust {
		c.trust[i] = mode
	}
}

// save starts a save; the caller holds s.mu. Without Faults.SaveLag,
// SaveFails, SaveStartsAfter and SaveTakes it is instantaneous: the status
// goes straight to savingComplete. SaveLag and SaveFails count reads of
// the status (saveStatusRead moves them on); SaveStartsAfter and SaveTakes
// count time: the status stays as it was (notInitiated after a boot, the
// savingComplete of an earlier save), then reads savingInProcess, then the
// copy of the running config as it was when the save was asked for lands
// and the status reads savingComplete.
func (s *GS110TP) save() {
	s.saves++
	s.saveGen++
	if s.faults.SaveLag > 0 || s.faults.SaveFails {
		s.saving, s.saveWait = true, s.faults.SaveLag
		return
	}
	s.saving = false
	start, take := s.faults.SaveStartsAfter, s.faults.SaveTakes
	if start == 0 && take == 0 {
		s.startup = s.running
		s.saveStatus = mibs.SaveStatusComplete
		return
	}
	gen, snap := s.saveGen, s.running
	time.AfterFunc(start, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.saveGen == gen {
			s.saveStatus = mibs.SaveStatusInProcess
		}
	})
	time.AfterFunc(start+take, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.saveGen == gen {
			s.startup = snap
			s.saveStatus = mibs.SaveStatusComplete
		}
	})
}

// saveStatusRead is one read of agentSaveConfigStatus: it moves a lagging
// save on by one step and returns the status; the caller holds s.mu.
func (s *GS110TP) saveStatusRead() int {
	switch {
	case !s.saving:
	case s.saveWait > 0:
		s.saveWait--
	case s.saveStatus != mibs.SaveStatusInProcess:
		s.saveStatus = mibs.SaveStatusInProcess
	case s.faults.SaveFails:
		s.saving, s.saveStatus = false, mibs.SaveStatusFailed
	default:
		s.saving, s.startup, s.saveStatus = false, s.running, mibs.SaveStatusComplete
	}
	return s.saveStatus
}

// The check helpers panic: a bad index in a test preset is a bug in the test.

func checkIf(i int) {
	if i < 0 || i >= numIfs {
		panic(fmt.Sprintf("sim: ifIndex %d out of range 0..%d", i, numPorts))
	}
}

func checkDSCP(d int) {
	if d < 0 || d >= numDSCP {
		panic(fmt.Sprintf("sim: dscp %d out of range 0..63", d))
	}
}

func checkQueue(q int) {
	if q < 0 || q >= numQueues {
		panic(fmt.Sprintf("sim: queue %d out of range 0..%d", q, numQueues-1))
	}
}

func checkByte(v int) int {
	if v < 0 || v > 255 {
		panic(fmt.Sprintf("sim: value %d out of range 0..255", v))
	}
	return v
}

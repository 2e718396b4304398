// Package netgear is the adapter for NetGear GS110TP smart switches over SNMP
// (NETGEAR-QOS-COS-MIB under the smart-switch branch 4526.11).
//
// Queues are traffic classes 0..n-1 (n = agentCosQueueNumQueuesPerPort),
// higher = higher priority, so n-1 is the top. The DSCP, trust and
// scheduler tables have a global row (ifIndex 0), which a SET fans out to
// every interface and a GET shows as the latest global setting, and each
// interface's own rows, which can differ: the adapter reads both and
// reports an interface with rows of its own as a scope of its own.
package netgear

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/mibs"
	"github.com/qosagent/qosagent/vendors"
)

// Vendor is the inventory `vendor:` name of this platform.
const Vendor = "netgear-gs110tp"

// maxSetVarbinds caps one SET PDU: gosnmp does not enforce MaxOids on Set and
// agents refuse oversized PDUs. A plan rarely needs more than a handful.
const maxSetVarbinds = gosnmp.MaxOids

// Platform registers the adapter. Its adapters lend each other their SNMPv2c
// clients (see clientPool); Open alone makes adapters that do not.
func Platform() vendors.Platform {
	pool, oids := &clientPool{}, &oidLists{}
	return vendors.Platform{Name: Vendor, Transport: inventory.TransportSNMP, Factory: factoryModel(), Open: func(sw inventory.Switch) (vendors.Adapter, error) {
		a, err := open(sw, pool)
		if err != nil {
			return nil, err
		}
		a.oids = oids
		return a, nil
	}}
}

// Adapter reads and writes one GS110TP. Not safe for concurrent use.
type Adapter struct {
	sw        inventory.Switch
	g         *gosnmp.GoSNMP // nil until connected
	pool      *clientPool    // nil: clients are not reused
	oids      *oidLists      // per-interface row OIDs shared across the platform's adapters; nil: built per read
	numQueues int            // learnt by Read; Write refuses to run before it
	cur       vendors.State  // the state Read saw, which Write's fan-out reasoning needs
	focus     []int          // DSCP values read per interface; nil = all
	// saveSent is set once a save was asked for since the last write: a
	// savingComplete read then may be that save's, answered late.
	saveSent bool
	stats    counters
}

// Open prepares an adapter; it does not touch the network.
func Open(sw inventory.Switch) (vendors.Adapter, error) { return open(sw, nil) }

func open(sw inventory.Switch, pool *clientPool) (*Adapter, error) {
	a := &Adapter{sw: sw, pool: pool}
	// Build a client once now so that bad settings fail before any switch
	// is contacted; connect builds the one it uses.
	if err := configure(&gosnmp.GoSNMP{}, sw, &a.stats); err != nil {
		return nil, err
	}
	return a, nil
}

// Stats reports SNMP requests sent and retried so far.
func (a *Adapter) Stats() vendors.Stats {
	return vendors.Stats{Requests: a.stats.sent.Load(), Retries: a.stats.retries.Load()}
}

func (a *Adapter) connect(ctx context.Context) error {
	if a.g != nil {
		a.g.Context = ctx
		return nil
	}
	if g := a.pool.get(a.sw); g != nil {
		if err := configure(g, a.sw, &a.stats); err != nil {
			return err
		}
		g.Context = ctx
		if err := redial(ctx, g); err != nil {
			return fmt.Errorf("connect to %s: %w: %w", a.sw.Address, vendors.ErrUnreachable, err)
		}
		a.g = g
		return nil
	}
	g := &gosnmp.GoSNMP{}
	if err := configure(g, a.sw, &a.stats); err != nil {
		return err
	}
	g.Context = ctx
	if err := g.Connect(); err != nil {
		return fmt.Errorf("connect to %s: %w: %w", a.sw.Address, vendors.ErrUnreachable, err)
	}
	a.g = g
	return nil
}

// Close lends the client, socket included, to the next switch, or closes
// the socket when it cannot be lent.
func (a *Adapter) Close() error {
	if a.g == nil {
		return nil
	}
	g := a.g
	a.g = nil
	if a.pool.put(g) {
		return nil
	}
	err := g.Conn.Close()
	g.Conn = nil
	return err
}

// maxTrustRows bounds the trust and scheduler column walks: far more
// interfaces than any smart switch has, small enough that a looping agent
// cannot keep us forever.
const maxTrustRows = 4096

// maxQueues is the most traffic classes a FASTPATH smart switch offers.
const maxQueues = 8

// maxGetVarbinds caps one GET; gosnmp refuses more than MaxOids.
const maxGetVarbinds = gosnmp.MaxOids

// Focus sets the DSCP values whose per-interface rows Read fetches (the
// policy's); nil means all 64. The global rows are always read whole.
func (a *Adapter) Focus(dscp []int) { a.focus = append([]int(nil), dscp...) }

// Read fetches the state in three round trips on a GS110TP:
//  1. GETBULK of the 64 global DSCP rows;
//  2. GETBULK of the queue count and the trust and scheduler columns (every
//     interface's rows, the global ones first);
//  3. GET of the focused DSCP rows of every interface the trust column named.
//
// Index 0 is the global row; a GET of it shows the latest global setting,
// not each port's, so interfaces are read one by one. An interface whose
// rows equal the global ones follows them (no setting of its own in the
// state); one that differs is a scope of its own, its unread DSCP rows
// vendors.Unread. A smaller max_repetitions, more interfaces or more
// focused values cost extra round trips, never missing rows.
func (a *Adapter) Read(ctx context.Context) (vendors.State, error) {
	var st vendors.State
	if err := a.connect(ctx); err != nil {
		return st, err
	}
	dscpRoot := mibs.AgentCosMapIpDscpTrafficClass + ".0"
	reps := min(a.sw.SNMP.MaxRepetitions, vendors.NumDSCP)
	pkt, err := a.g.GetBulk([]string{dscpRoot}, 0, uint32(reps))
	if err != nil {
		return st, explain(a.sw, err)
	}
	if err := pduError(pkt, nil); err != nil {
		return st, err
	}
	rows, err := a.column(dscpRoot, pkt.Variables, 1, vendors.NumDSCP)
	if err != nil {
		return st, err
	}
	if len(rows) == 0 {
		return st, fmt.Errorf("agentCosMapIpDscpTable is missing (firmware without a DSCP map): %w", vendors.ErrUnsupported)
	}

	// One non-repeater (GETNEXT of the scalar gives its .0), then the
	// trust and scheduler columns interleaved, one row of each per repetition.
	pkt, err = a.g.GetBulk([]string{mibs.AgentCosQueueNumQueuesPerPort, mibs.AgentCosMapIntfTrustMode, mibs.AgentCosQueueSchedulerType}, 1, uint32(a.sw.SNMP.MaxRepetitions))
	if err != nil {
		return st, explain(a.sw, err)
	}
	if err := pduError(pkt, nil); err != nil {
		return st, err
	}
	if len(pkt.Variables) < 1 {
		return st, fmt.Errorf("empty answer to GETBULK: %w", vendors.ErrParse)
	}
	n, err := numQueues(pkt.Variables[0])
	if err != nil {
		return st, err
	}
	// The repeaters' varbinds alternate: trust at 1, 3, 5..., scheduler at 2, 4, 6...
	trust, err := a.column(mibs.AgentCosMapIntfTrustMode, pkt.Variables[1:], 2, maxTrustRows)
	if err != nil {
		return st, err
	}
	schedRows, err := a.column(mibs.AgentCosQueueSchedulerType, pkt.Variables[min(2, len(pkt.Variables)):], 2, maxTrustRows)
	if err != nil {
		return st, err
	}

	st.Queues = make([]int, n)
	for q := range st.Queues {
		st.Queues[q] = q
	}
	global := vendors.Scope{Name: vendors.GlobalPort, DSCP: make([]int, vendors.NumDSCP)}
	// The rows are strictly increasing (column checks it), so 64 rows in
	// range are each DSCP once.
	for _, r := range rows {
		d, err := strconv.Atoi(r.index)
		if err != nil || d < 0 || d >= vendors.NumDSCP {
			return st, fmt.Errorf("unexpected DSCP row %s.%s: %w", dscpRoot, r.index, vendors.ErrParse)
		}
		q, err := trafficClass(*r.v, n)
		if err != nil {
			return st, fmt.Errorf("DSCP %d row: %w", d, err)
		}
		global.DSCP[d] = q
	}
	if len(rows) != vendors.NumDSCP {
		return st, fmt.Errorf("DSCP table has %d global rows; expected %d: %w", len(rows), vendors.NumDSCP, vendors.ErrParse)
	}

	// Index 0, the global row, sorts first.
	if len(trust) == 0 || trust[0].index != "0" {
		return st, fmt.Errorf("agentCosMapIntfTrustMode.0 (global trust) is missing: %w", vendors.ErrUnsupported)
	}
	if global.Trust, err = trustName(*trust[0].v); err != nil {
		return st, err
	}
	trust = trust[1:]
	ifaces := make([]string, len(trust))
	for i, r := range trust {
		if _, err := strconv.Atoi(r.index); err != nil {
			return st, fmt.Errorf("unexpected trust row %s.%s: %w", mibs.AgentCosMapIntfTrustMode, r.index, vendors.ErrParse)
		}
		ifaces[i] = r.index
	}
	sched, err := schedByIface(schedRows, n)
	if err != nil {
		return st, err
	}
	if len(sched) == 0 || sched[0].iface != "0" {
		return st, fmt.Errorf("agentCosQueueSchedulerType has no global rows: %w", vendors.ErrUnsupported)
	}
	global.Sched = sched[0].sched
	sched = sched[1:]
	st.Scopes = make([]vendors.Scope, 0, 1+len(ifaces))
	st.Scopes = append(st.Scopes, global)

	own, err := a.ifaceMaps(ifaces, global.DSCP, n)
	if err != nil {
		return st, err
	}
	// Both lists ascend by interface index: walk them side by side. An
	// interface with scheduler rows but no trust row (a LAG, say) is a
	// scope too, where its scheduling is its own; those come last.
	var schedOnly []vendors.Scope
	j := 0
	for i, idx := range ifaces {
		sc := vendors.Scope{Name: idx, DSCP: own[i]}
		if sc.Trust, err = trustName(*trust[i].v); err != nil {
			return st, err
		}
		for ; j < len(sched) && compareArc(sched[j].iface, idx) < 0; j++ {
			if !slices.Equal(sched[j].sched, global.Sched) {
				schedOnly = append(schedOnly, vendors.Scope{Name: sched[j].iface, Sched: sched[j].sched})
			}
		}
		if j < len(sched) && compareArc(sched[j].iface, idx) == 0 {
			if !slices.Equal(sched[j].sched, global.Sched) {
				sc.Sched = sched[j].sched
			}
			j++
		}
		st.Scopes = append(st.Scopes, sc)
	}
	for ; j < len(sched); j++ {
		if !slices.Equal(sched[j].sched, global.Sched) {
			schedOnly = append(schedOnly, vendors.Scope{Name: sched[j].iface, Sched: sched[j].sched})
		}
	}
	st.Scopes = append(st.Scopes, schedOnly...)
	a.numQueues = n
	a.cur = st.Clone()
	return st, nil
}

// ifaceSched is one interface's scheduler rows, by queue.
type ifaceSched struct {
	iface string
	sched []vendors.Sched
}

// schedByIface groups scheduler rows (.<ifIndex>.<queue>, ascending, so
// each interface's rows are contiguous) per interface, in interface order;
// an interface must have a row for every queue.
func schedByIface(rows []colRow, n int) ([]ifaceSched, error) {
	var out []ifaceSched
	count := 0
	for _, r := range rows {
		ifs, qs, ok := strings.Cut(r.index, ".")
		q, err := strconv.Atoi(qs)
		if _, err2 := strconv.Atoi(ifs); !ok || err != nil || err2 != nil || q < 0 || q >= n {
			return nil, fmt.Errorf("scheduler row %s.%s is outside interfaces x queues 0..%d: %w", mibs.AgentCosQueueSchedulerType, r.index, n-1, vendors.ErrParse)
		}
		mode, err := integer(*r.v)
		if err != nil || mode != mibs.SchedulerStrict && mode != mibs.SchedulerWeighted {
			return nil, fmt.Errorf("scheduler row %s.%s: value %v is neither strict(1) nor weighted(2): %w", mibs.AgentCosQueueSchedulerType, r.index, r.v.Value, vendors.ErrParse)
		}
		if len(out) == 0 || out[len(out)-1].iface != ifs {
			if len(out) > 0 && count != n {
				last := out[len(out)-1].iface
				return nil, fmt.Errorf("interface %s has scheduler rows for %d of %d queues: %w", last, count, n, vendors.ErrParse)
			}
			out = append(out, ifaceSched{iface: ifs, sched: make([]vendors.Sched, n)})
			count = 0
		}
		out[len(out)-1].sched[q].Strict = mode == mibs.SchedulerStrict
		count++
	}
	if len(out) > 0 && count != n {
		return nil, fmt.Errorf("interface %s has scheduler rows for %d of %d queues: %w", out[len(out)-1].iface, count, n, vendors.ErrParse)
	}
	return out, nil
}

// allDSCP is every DSCP value, the rows read without a focus.
var allDSCP = func() []int {
	ds := make([]int, vendors.NumDSCP)
	for d := range ds {
		ds[d] = d
	}
	return ds
}()

// oidLists keeps the per-interface DSCP row OIDs of the last interface
// list and focus asked for, shared by the adapters of one platform: the
// switches of a fleet of one model, audited with one policy, all ask for
// the same list, which is then built once per run, not per switch. The
// list handed out is never written to.
type oidLists struct {
	mu     sync.Mutex
	ifaces []string
	focus  []int
	oids   []string
}

// get returns the OIDs of the focus rows of every interface, interface by
// interface; c may be nil (no sharing).
func (c *oidLists) get(ifaces []string, focus []int) []string {
	if c != nil {
		c.mu.Lock()
		if c.oids != nil && slices.Equal(c.ifaces, ifaces) && slices.Equal(c.focus, focus) {
			oids := c.oids
			c.mu.Unlock()
			return oids
		}
		c.mu.Unlock()
	}
	// One string holds them all; each OID is a slice of it.
	prefix := mibs.AgentCosMapIpDscpTrafficClass + "."
	buf := make([]byte, 0, len(ifaces)*len(focus)*(len(prefix)+8))
	ends := make([]int, 0, len(ifaces)*len(focus))
	for _, idx := range ifaces {
		for _, d := range focus {
			buf = append(buf, prefix...)
			buf = append(buf, idx...)
			buf = append(buf, '.')
			buf = strconv.AppendInt(buf, int64(d), 10)
			ends = append(ends, len(buf))
		}
	}
	all := string(buf)
	oids := make([]string, len(ends))
	start := 0
	for i, end := range ends {
		oids[i] = all[start:end]
		start = end
	}
	if c != nil {
		c.mu.Lock()
		c.ifaces, c.focus, c.oids = slices.Clone(ifaces), slices.Clone(focus), oids
		c.mu.Unlock()
	}
	return oids
}

// ifaceMaps GETs the focused DSCP rows of every interface, as few GETs as
// MaxOids allows, and returns, by position in ifaces, the map of each
// interface that differs from the global one (unread rows vendors.Unread),
// nil for one that follows it. An interface without DSCP rows (a LAG, the
// CPU) answers noSuchInstance for all of them and follows the global map;
// one without some of them is refused.
func (a *Adapter) ifaceMaps(ifaces []string, global []int, n int) ([][]int, error) {
	focus := a.focus
	if focus == nil {
		focus = allDSCP
	}
	nf := len(focus)
	oids := a.oids.get(ifaces, focus)
	// The traffic class of every row asked for, by position; absent for
	// rows the interface does not have.
	const absent = -1
	got := make([]int, len(oids))
	for start := 0; start < len(oids); start += maxGetVarbinds {
		end := min(start+maxGetVarbinds, len(oids))
		pkt, err := a.g.Get(oids[start:end])
		if err != nil {
			return nil, explain(a.sw, err)
		}
		if err := pduError(pkt, nil); err != nil {
			return nil, err
		}
		if len(pkt.Variables) != end-start {
			return nil, fmt.Errorf("GET of %d DSCP rows answered %d: %w", end-start, len(pkt.Variables), vendors.ErrParse)
		}
		for i, v := range pkt.Variables {
			k := start + i
			if trimDot(v.Name) != oids[k] {
				return nil, fmt.Errorf("GET of %s answered %s: %w", oids[k], v.Name, vendors.ErrParse)
			}
			if v.Type == gosnmp.NoSuchInstance || v.Type == gosnmp.NoSuchObject {
				got[k] = absent
				continue
			}
			q, err := trafficClass(v, n)
			if err != nil {
				return nil, fmt.Errorf("interface %s DSCP %d row: %w", ifaces[k/nf], focus[k%nf], err)
			}
			got[k] = q
		}
	}
	out := make([][]int, len(ifaces))
	for i := range ifaces {
		rows := got[i*nf : (i+1)*nf]
		differs, missing := false, 0
		for f, q := range rows {
			differs = differs || q != absent && q != global[focus[f]]
			if q == absent {
				missing++
			}
		}
		// All rows or none: an interface lacking some is not one the
		// model can place (it follows neither the global map nor its own).
		if missing > 0 && missing < nf {
			return nil, fmt.Errorf("interface %s has DSCP rows for %d of %d values asked for (noSuchInstance for the others): %w", ifaces[i], nf-missing, nf, vendors.ErrParse)
		}
		if !differs {
			continue
		}
		m := make([]int, vendors.NumDSCP)
		for d := range m {
			m[d] = vendors.Unread
		}
		for f, q := range rows {
			if q != absent {
				m[focus[f]] = q
			}
		}
		out[i] = m
	}
	return out, nil
}

// colRow is one row of a column walk: its index below the column's OID,
// and the varbind, in the answer's own slice (not copied).
type colRow struct {
	index string
	v     *gosnmp.SnmpPDU
}

// column gathers the rows of a single-index subtree from a GETBULK answer
// whose repeater for root is every stride-th varbind of vars from the
// first (a GETBULK with several repeaters interleaves them), walking on
// while the answer stays in the subtree and fewer than limit rows are
// known. The rows come in strictly increasing order (anything else is
// refused), so each index once.
func (a *Adapter) column(root string, vars []gosnmp.SnmpPDU, stride, limit int) ([]colRow, error) {
	rows := make([]colRow, 0, min((len(vars)+stride-1)/stride, limit))
	prefix := root + "."
	last, lastIndex := "", ""
	for {
		more := len(vars) > 0
		for i := 0; i < len(vars); i += stride {
			v := &vars[i]
			name := trimDot(v.Name)
			if v.Type == gosnmp.EndOfMibView || !strings.HasPrefix(name, prefix) {
				more = false
				break
			}
			// Every row shares the column's prefix: comparing the indexes
			// alone orders them the same, at a fraction of the cost.
			index := name[len(prefix):]
			if last != "" && !oidLess(lastIndex, index) {
				return nil, fmt.Errorf("agent returned non-increasing OID %s after %s: %w", name, last, vendors.ErrParse)
			}
			last, lastIndex = name, index
			rows = append(rows, colRow{index, v})
			if len(rows) > limit {
				return nil, fmt.Errorf("%s has more than %d rows; refusing to walk on: %w", root, limit, vendors.ErrParse)
			}
		}
		if !more || len(rows) == limit {
			return rows, nil
		}
		pkt, err := a.g.GetBulk([]string{last}, 0, uint32(a.sw.SNMP.MaxRepetitions))
		if err != nil {
			return nil, explain(a.sw, err)
		}
		if err := pduError(pkt, nil); err != nil {
			return nil, err
		}
		vars, stride = pkt.Variables, 1
	}
}

// Write sends every edit in one SET PDU (more only if the plan exceeds
// maxSetVarbinds). Values are checked before sending because the FASTPATH agent
// checks nothing at the test phase and applies rows one by one: a bad row
// would leave the PDU half-applied.
//
// Global rows go first; they fan out to every interface, as the MIB says
// of index 0. Then every interface edit of the change, and every value an
// interface had of its own (other than the old global one) that the
// fan-out would overwrite, written back. An interface value equal to the
// old global one was following it and follows the new one.
func (a *Adapter) Write(ctx context.Context, ch vendors.Change) error {
	if a.numQueues == 0 {
		return fmt.Errorf("write before read: the queue count is unknown")
	}
	if ch.Save && !ch.Writes() {
		return nil
	}
	if err := a.connect(ctx); err != nil {
		return err
	}
	a.saveSent = false
	vbs, what, err := a.varbinds(ch)
	if err != nil {
		return err
	}

	for start := 0; start < len(vbs); start += maxSetVarbinds {
		end := min(start+maxSetVarbinds, len(vbs))
		pkt, err := a.g.Set(vbs[start:end])
		if err != nil {
			return explain(a.sw, err)
		}
		if err := pduError(pkt, what[start:end]); err != nil {
			return fmt.Errorf("SET refused: %w", err)
		}
		if err := echoError(pkt, what[start:end]); err != nil {
			return fmt.Errorf("SET not applied: %w: %w", err, vendors.ErrRefused)
		}
	}
	return nil
}

// varbinds renders ch as the SET varbinds Write sends, in order, with a
// description of each for error messages. Commands shows the same.
func (a *Adapter) varbinds(ch vendors.Change) ([]gosnmp.SnmpPDU, []string, error) {
	var vbs []gosnmp.SnmpPDU
	var what []string
	cur := a.cur
	ifaces := []string{}
	for _, sc := range cur.Scopes[1:] {
		ifaces = append(ifaces, sc.Name)
	}
	index := func(scope string) (string, error) {
		if scope == vendors.GlobalPort {
			return "0", nil
		}
		if _, err := strconv.Atoi(scope); err != nil || !slices.Contains(ifaces, scope) {
			return "", fmt.Errorf("scope %q is not an interface this switch listed", scope)
		}
		return scope, nil
	}

	if ch.QoSEnable != nil {
		return nil, nil, fmt.Errorf("this platform has no global QoS switch to turn: %w", vendors.ErrUnsupported)
	}

	// DSCP rows.
	mapTo := map[string]map[int]int{} // scope -> dscp -> target
	for _, m := range ch.Map {
		if m.DSCP < 0 || m.DSCP >= vendors.NumDSCP || m.To < 0 || m.To >= a.numQueues {
			return nil, nil, fmt.Errorf("refusing to send dscp %d -> traffic class %d: valid classes are 0..%d", m.DSCP, m.To, a.numQueues-1)
		}
		if _, err := index(m.Scope); err != nil {
			return nil, nil, err
		}
		if mapTo[m.Scope] == nil {
			mapTo[m.Scope] = map[int]int{}
		}
		mapTo[m.Scope][m.DSCP] = m.To
	}
	dscpRow := func(idx string, d, q int) {
		vbs = append(vbs, gosnmp.SnmpPDU{Name: fmt.Sprintf("%s.%s.%d", mibs.AgentCosMapIpDscpTrafficClass, idx, d), Type: gosnmp.Gauge32, Value: uint(q)})
		what = append(what, fmt.Sprintf("interface %s DSCP %d -> queue %d", idx, d, q))
	}
	for _, d := range slices.Sorted(maps.Keys(mapTo[vendors.GlobalPort])) {
		dscpRow("0", d, mapTo[vendors.GlobalPort][d])
	}
	for _, idx := range ifaces {
		sc := cur.Scope(idx)
		for d := 0; d < vendors.NumDSCP; d++ {
			gq, fans := mapTo[vendors.GlobalPort][d]
			want, own := mapTo[idx][d]
			if !own && fans && sc.DSCP != nil && sc.DSCP[d] != vendors.Unread && sc.DSCP[d] != cur.GlobalMap()[d] {
				want, own = sc.DSCP[d], true // keep the interface's own value
			}
			_, edited := mapTo[idx][d]
			if own && (edited || !fans || want != gq) {
				dscpRow(idx, d, want)
			}
		}
	}

	// Scheduler rows, the same way.
	schedTo := map[string]map[int]bool{}
	for _, s := range ch.Scheduler {
		if s.Rank < 0 || s.Rank >= a.numQueues || s.Queue != s.Rank {
			return nil, nil, fmt.Errorf("refusing to set scheduler of rank %d (queue %d): queues are 0..%d", s.Rank, s.Queue, a.numQueues-1)
		}
		if s.ToWeight != 0 {
			return nil, nil, fmt.Errorf("queue %d: this platform has no share weights: %w", s.Queue, vendors.ErrUnsupported)
		}
		if _, err := index(s.Scope); err != nil {
			return nil, nil, err
		}
		if schedTo[s.Scope] == nil {
			schedTo[s.Scope] = map[int]bool{}
		}
		schedTo[s.Scope][s.Rank] = s.ToStrict
	}
	schedRow := func(idx string, q int, strict bool) {
		mode := mibs.SchedulerWeighted
		if strict {
			mode = mibs.SchedulerStrict
		}
		vbs = append(vbs, gosnmp.SnmpPDU{Name: fmt.Sprintf("%s.%s.%d", mibs.AgentCosQueueSchedulerType, idx, q), Type: gosnmp.Integer, Value: mode})
		what = append(what, fmt.Sprintf("interface %s queue %d scheduler %s", idx, q, schedName(mode)))
	}
	for _, q := range slices.Sorted(maps.Keys(schedTo[vendors.GlobalPort])) {
		schedRow("0", q, schedTo[vendors.GlobalPort][q])
	}
	for _, idx := range ifaces {
		sc := cur.Scope(idx)
		for q := 0; q < a.numQueues; q++ {
			g, fans := schedTo[vendors.GlobalPort][q]
			want, own := schedTo[idx][q]
			if !own && fans && sc.Sched != nil && sc.Sched[q] != cur.Global().Sched[q] {
				want, own = sc.Sched[q].Strict, true
			}
			_, edited := schedTo[idx][q]
			if own && (edited || !fans || want != g) {
				schedRow(idx, q, want)
			}
		}
	}

	// Trust goes last: if a map row fails, ports keep classifying the old way.
	trustTo := map[string]vendors.Trust{}
	for _, t := range ch.Trust {
		if _, ok := trustMode(t.To); !ok {
			return nil, nil, fmt.Errorf("trust mode %q is not supported on this platform: %w", t.To, vendors.ErrUnsupported)
		}
		if _, err := index(t.Port); err != nil {
			return nil, nil, err
		}
		trustTo[t.Port] = t.To
	}
	trustRow := func(idx string, t vendors.Trust) {
		mode, _ := trustMode(t)
		vbs = append(vbs, gosnmp.SnmpPDU{Name: mibs.AgentCosMapIntfTrustMode + "." + idx, Type: gosnmp.Integer, Value: mode})
		what = append(what, fmt.Sprintf("interface %s trust %s", idx, t))
	}
	gt, trustFans := trustTo[vendors.GlobalPort]
	if trustFans {
		trustRow("0", gt)
	}
	for _, idx := range ifaces {
		want, edited := trustTo[idx]
		own := cur.Scope(idx).Trust
		if !edited && trustFans && own != "" && own != cur.Global().Trust {
			want, edited = own, true // its own setting: the fan-out must not take it
		}
		if edited && (!trustFans || want != gt || trustTo[idx] != "") {
			trustRow(idx, want)
		}
	}
	return vbs, what, nil
}

// Commands implements vendors.Previewer: one "SET OID TYPE VALUE" line per
// varbind Write would send, in order.
func (a *Adapter) Commands(ch vendors.Change) ([]string, error) {
	if a.numQueues == 0 {
		return nil, fmt.Errorf("preview before read: the queue count is unknown")
	}
	if ch.Save && !ch.Writes() {
		return nil, nil
	}
	vbs, _, err := a.varbinds(ch)
	if err != nil {
		return nil, err
	}
	return setLines(vbs), nil
}

// SaveCommands implements vendors.Previewer.
func (a *Adapter) SaveCommands() []string {
	return setLines(saveVarbinds)
}

// saveVarbinds is what Save sets to copy the running config to NVRAM.
var saveVarbinds = []gosnmp.SnmpPDU{{Name: mibs.AgentSaveConfig, Type: gosnmp.Integer, Value: mibs.SaveConfigEnable}}

func setLines(vbs []gosnmp.SnmpPDU) []string {
	out := make([]string, len(vbs))
	for i, vb := range vbs {
		out[i] = fmt.Sprintf("SET %s %s %v", vb.Name, vb.Type, vb.Value)
	}
	return out
}

// Probe implements vendors.Prober: one GET of sysObjectID with the
// inventory's credentials, which proves the address, port, version and
// credentials without reading or writing QoS.
func (a *Adapter) Probe(ctx context.Context) (string, error) {
	if err := a.connect(ctx); err != nil {
		return "", err
	}
	pkt, err := a.g.Get([]string{mibs.SysObjectID})
	if err != nil {
		return "", explain(a.sw, err)
	}
	if err := pduError(pkt, []string{"sysObjectID"}); err != nil {
		return "", err
	}
	if len(pkt.Variables) != 1 {
		return "", fmt.Errorf("sysObjectID: %d varbinds in the answer", len(pkt.Variables))
	}
	oid, _ := pkt.Variables[0].Value.(string)
	what := "not a GS110TP"
	if strings.TrimPrefix(oid, ".") == mibs.ProductGS110TP {
		what = "GS110TP"
	}
	return fmt.Sprintf("SNMP v%s, sysObjectID %s (%s)", a.sw.SNMP.Version, strings.TrimPrefix(oid, "."), what), nil
}

// Save copies the running config to NVRAM and waits for the agent to report
// the outcome, up to the switch's save timeout (and ctx). notInitiated is
// not success: it is what a first poll sees before the save has started.
// Nor is a savingComplete that was already there before the save was asked
// for (an earlier save's), until the save was seen in progress or that
// status has stood for staleCompletePolls polls: a save that completes at
// once looks the same. A retry of a save this adapter asked for since its
// last write takes savingComplete as it comes: it may be the first try's,
// answered late, of the same running config. A status that cannot be read
// (an error-status, another type, no such object) proves nothing: the
// outcome is unknown.
func (a *Adapter) Save(ctx context.Context) error {
	limit := a.SaveTimeout()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := a.connect(ctx); err != nil {
		return err
	}
	before, known := a.saveStatus()
	if a.saveSent {
		known = false // a savingComplete may be our own earlier try's
	}
	a.saveSent = true
	pkt, err := a.g.Set(saveVarbinds)
	if err != nil {
		return fmt.Errorf("save config: %w", explain(a.sw, err))
	}
	if err := pduError(pkt, []string{"agentSaveConfig"}); err != nil {
		return fmt.Errorf("save config: %w: %w", err, vendors.ErrSave)
	}
	if err := echoError(pkt, []string{"agentSaveConfig"}); err != nil {
		return fmt.Errorf("save config: %w: %w", err, vendors.ErrSave)
	}
	last := "no status read yet"
	progress, stale := false, 0
	for {
		pkt, err := a.g.Get([]string{mibs.AgentSaveConfigStatus})
		if err != nil && ctx.Err() != nil {
			return fmt.Errorf("save config: not complete after %s (last status %s): %w", limit, last, vendors.OutcomeUnknown(ctx.Err()))
		}
		if err != nil {
			return fmt.Errorf("save config status: %w", explain(a.sw, err))
		}
		// The SET was accepted; only a status read proves the save done.
		// One that cannot be read leaves the outcome unknown, not success.
		if pkt.Error != gosnmp.NoError {
			return fmt.Errorf("save config status: the agent answered %s: %w", pkt.Error, vendors.OutcomeUnknown(vendors.ErrSave))
		}
		if len(pkt.Variables) != 1 {
			return fmt.Errorf("save config status: %d varbinds in the answer: %w", len(pkt.Variables), vendors.OutcomeUnknown(vendors.ErrSave))
		}
		status, err := integer(pkt.Variables[0])
		if err != nil {
			return fmt.Errorf("save config status: %v (no agentSaveConfigStatus to prove the save): %w", err, vendors.OutcomeUnknown(vendors.ErrSave))
		}
		switch status {
		case mibs.SaveStatusComplete:
			if progress || !known || before != mibs.SaveStatusComplete {
				return nil
			}
			if stale++; stale >= staleCompletePolls {
				return nil // completed at once, as far as the agent can tell
			}
			last = "savingComplete, as before the save was asked for"
		case mibs.SaveStatusFailed:
			return fmt.Errorf("save config: the switch reports savingFailed: %w", vendors.ErrSave)
		case mibs.SaveStatusNotInitiated:
			last, progress = "notInitiated: the save had not started", before != mibs.SaveStatusNotInitiated
		case mibs.SaveStatusInProcess:
			last, progress = "savingInProcess", true
		default:
			return fmt.Errorf("save config: agentSaveConfigStatus %d is none of notInitiated(1), savingInProcess(2), savingComplete(3), savingFailed(4)", status)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("save config: not complete after %s (last status %s): %w", limit, last, vendors.OutcomeUnknown(ctx.Err()))
		case <-afterSavePoll():
		}
	}
}

// staleCompletePolls is how many polls a savingComplete left by an earlier
// save must stand before it is taken for this save's: a save slow to start
// shows savingInProcess within them.
const staleCompletePolls = 3

// saveStatus reads agentSaveConfigStatus before a save, to tell an earlier
// save's savingComplete from this one's; known is false when it cannot.
func (a *Adapter) saveStatus() (status int, known bool) {
	pkt, err := a.g.Get([]string{mibs.AgentSaveConfigStatus})
	if err != nil || len(pkt.Variables) != 1 {
		return 0, false
	}
	status, err = integer(pkt.Variables[0])
	return status, err == nil
}

// SaveTimeout is how long a save may take: the inventory's save_timeout,
// else the default.
func (a *Adapter) SaveTimeout() time.Duration {
	if a.sw.SNMP.SaveTimeout > 0 {
		return a.sw.SNMP.SaveTimeout
	}
	return inventory.DefaultSaveTimeout
}

// RequestTimeout is the per-request timeout; each try of a request waits
// this long.
func (a *Adapter) RequestTimeout() time.Duration { return a.sw.SNMP.Timeout }

// SetRequestTimeout changes the per-request timeout, for the patient
// re-reads that settle an unknown outcome.
func (a *Adapter) SetRequestTimeout(d time.Duration) {
	a.sw.SNMP.Timeout = d
	if a.g != nil {
		a.g.Timeout = d
	}
}

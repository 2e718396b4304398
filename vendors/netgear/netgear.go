// Package netgear is the adapter for NetGear GS110TP smart switches over SNMP
// (NETGEAR-QOS-COS-MIB under the smart-switch branch 4526.11).
//
// Queues are traffic classes 0..n-1, higher = higher priority, so n-1 is the
// top. The adapter reads and writes the global rows (ifIndex 0) of the DSCP
// and scheduler tables, which the agent fans out to every interface, and the
// trust mode of the global row and of every interface, because a per-port
// trust setting overrides the global one.
package netgear

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
	pool := &clientPool{}
	return vendors.Platform{Name: Vendor, Transport: inventory.TransportSNMP, Open: func(sw inventory.Switch) (vendors.Adapter, error) {
		return open(sw, pool)
	}}
}

// Adapter reads and writes one GS110TP. Not safe for concurrent use.
type Adapter struct {
	sw        inventory.Switch
	g         *gosnmp.GoSNMP // nil until connected
	pool      *clientPool    // nil: clients are not reused
	numQueues int            // learnt by Read; Write refuses to run before it
	stats     counters
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
			return fmt.Errorf("connect to %s: %w", a.sw.Address, err)
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
		return fmt.Errorf("connect to %s: %w", a.sw.Address, err)
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

// maxTrustRows bounds the trust column walk: far more interfaces than any
// smart switch has, small enough that a looping agent cannot keep us forever.
const maxTrustRows = 4096

// maxQueues is the most traffic classes a FASTPATH smart switch offers.
const maxQueues = 8

// Read fetches the state in two round trips on a GS110TP: one GETBULK for the
// 64 global DSCP rows, one for the queue count and the scheduler types (as
// non-repeaters) and the trust column. A smaller max_repetitions or a larger
// trust table costs extra round trips, never missing rows.
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
	rows, err := a.column(dscpRoot, pkt.Variables, vendors.NumDSCP)
	if err != nil {
		return st, err
	}
	if len(rows) == 0 {
		return st, fmt.Errorf("agentCosMapIpDscpTable is missing (firmware without a DSCP map): %w", vendors.ErrUnsupported)
	}

	// Non-repeaters are GETNEXTs: ask for the row before each one we want.
	schedRoot := mibs.AgentCosQueueSchedulerType + ".0"
	oids := []string{mibs.AgentCosQueueNumQueuesPerPort, schedRoot}
	for q := 0; q < maxQueues-1; q++ {
		oids = append(oids, schedRoot+"."+strconv.Itoa(q))
	}
	nonRep := len(oids)
	oids = append(oids, mibs.AgentCosMapIntfTrustMode)
	pkt, err = a.g.GetBulk(oids, uint8(nonRep), uint32(a.sw.SNMP.MaxRepetitions))
	if err != nil {
		return st, explain(a.sw, err)
	}
	if err := pduError(pkt, nil); err != nil {
		return st, err
	}
	if len(pkt.Variables) < nonRep {
		return st, fmt.Errorf("short answer to GETBULK: %d varbinds, expected at least %d", len(pkt.Variables), nonRep)
	}
	n, err := numQueues(pkt.Variables[0])
	if err != nil {
		return st, err
	}
	st.Queues = make([]vendors.Queue, n)
	for q := 0; q < n; q++ {
		st.Queues[q] = vendors.Queue{ID: q}
		v := pkt.Variables[1+q]
		if trimDot(v.Name) != schedRoot+"."+strconv.Itoa(q) {
			continue // no scheduler row: report weighted, the claim that is always safe
		}
		if mode, err := integer(v); err == nil && mode == mibs.SchedulerStrict {
			st.Queues[q].Strict = true
		}
	}

	seen := 0
	for idx, v := range rows {
		d, err := strconv.Atoi(idx)
		if err != nil || d < 0 || d >= vendors.NumDSCP {
			return st, fmt.Errorf("unexpected DSCP row %s.%s", dscpRoot, idx)
		}
		q, err := unsigned(v)
		if err != nil {
			return st, fmt.Errorf("DSCP %d row: %w", d, err)
		}
		if q < 0 || q >= n {
			return st, fmt.Errorf("DSCP %d maps to traffic class %d, outside 0..%d", d, q, n-1)
		}
		st.DSCP[d] = q
		seen++
	}
	if seen != vendors.NumDSCP {
		return st, fmt.Errorf("DSCP table has %d global rows; expected %d", seen, vendors.NumDSCP)
	}

	trust, err := a.column(mibs.AgentCosMapIntfTrustMode, pkt.Variables[nonRep:], maxTrustRows)
	if err != nil {
		return st, err
	}
	if _, ok := trust["0"]; !ok {
		return st, fmt.Errorf("agentCosMapIntfTrustMode.0 (global trust) is missing: %w", vendors.ErrUnsupported)
	}
	st.Trust = make([]vendors.PortTrust, 0, len(trust))
	st.Trust = append(st.Trust, vendors.PortTrust{Port: vendors.GlobalPort, Trust: trustName(trust["0"])})
	for _, idx := range sortedIndexes(trust) {
		if idx != "0" {
			st.Trust = append(st.Trust, vendors.PortTrust{Port: idx, Trust: trustName(trust[idx])})
		}
	}
	a.numQueues = n
	return st, nil
}

// column gathers the rows of a single-index subtree from a GETBULK answer
// whose repeaters started at root, walking on while the answer stays in the
// subtree and fewer than limit rows are known. Repeater varbinds are
// interleaved when a GETBULK has several repeaters; column is only used with one.
func (a *Adapter) column(root string, vars []gosnmp.SnmpPDU, limit int) (map[string]gosnmp.SnmpPDU, error) {
	rows := make(map[string]gosnmp.SnmpPDU, len(vars))
	prefix := root + "."
	last, lastIndex := "", ""
	for {
		more := len(vars) > 0
		for _, v := range vars {
			name := trimDot(v.Name)
			if v.Type == gosnmp.EndOfMibView || !strings.HasPrefix(name, prefix) {
				more = false
				break
			}
			// Every row shares the column's prefix: comparing the indexes
			// alone orders them the same, at a fraction of the cost.
			index := name[len(prefix):]
			if last != "" && !oidLess(lastIndex, index) {
				return nil, fmt.Errorf("agent returned non-increasing OID %s after %s", name, last)
			}
			last, lastIndex = name, index
			rows[index] = v
			if len(rows) > limit {
				return nil, fmt.Errorf("%s has more than %d rows; refusing to walk on", root, limit)
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
		vars = pkt.Variables
	}
}

// Write sends every edit in one SET PDU (more only if the plan exceeds
// maxSetVarbinds). Values are checked before sending because the FASTPATH agent
// checks nothing at the test phase and applies rows one by one: a bad row
// would leave the PDU half-applied.
func (a *Adapter) Write(ctx context.Context, ch vendors.Change) error {
	if a.numQueues == 0 {
		return fmt.Errorf("write before read: the queue count is unknown")
	}
	if err := a.connect(ctx); err != nil {
		return err
	}
	var vbs []gosnmp.SnmpPDU
	var what []string
	for _, m := range ch.Map {
		if m.DSCP < 0 || m.DSCP >= vendors.NumDSCP || m.To < 0 || m.To >= a.numQueues {
			return fmt.Errorf("refusing to send dscp %d -> traffic class %d: valid classes are 0..%d", m.DSCP, m.To, a.numQueues-1)
		}
		vbs = append(vbs, gosnmp.SnmpPDU{Name: fmt.Sprintf("%s.0.%d", mibs.AgentCosMapIpDscpTrafficClass, m.DSCP), Type: gosnmp.Gauge32, Value: uint(m.To)})
		what = append(what, fmt.Sprintf("DSCP %d -> queue %d", m.DSCP, m.To))
	}
	for _, s := range ch.Scheduler {
		if s.Queue < 0 || s.Queue >= a.numQueues {
			return fmt.Errorf("refusing to set scheduler of queue %d: valid queues are 0..%d", s.Queue, a.numQueues-1)
		}
		mode := mibs.SchedulerWeighted
		if s.ToStrict {
			mode = mibs.SchedulerStrict
		}
		vbs = append(vbs, gosnmp.SnmpPDU{Name: fmt.Sprintf("%s.0.%d", mibs.AgentCosQueueSchedulerType, s.Queue), Type: gosnmp.Integer, Value: mode})
		what = append(what, fmt.Sprintf("queue %d scheduler %s", s.Queue, schedName(mode)))
	}
	// Trust goes last: if a map row fails, ports keep classifying the old way.
	for _, t := range ch.Trust {
		mode, ok := trustMode(t.To)
		if !ok {
			return fmt.Errorf("trust mode %q is not supported on this platform", t.To)
		}
		idx := t.Port
		if idx == vendors.GlobalPort {
			idx = "0"
		} else if _, err := strconv.Atoi(idx); err != nil {
			return fmt.Errorf("port %q is not an ifIndex", t.Port)
		}
		vbs = append(vbs, gosnmp.SnmpPDU{Name: mibs.AgentCosMapIntfTrustMode + "." + idx, Type: gosnmp.Integer, Value: mode})
		what = append(what, fmt.Sprintf("port %s trust %s", t.Port, t.To))
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
			return fmt.Errorf("SET not applied: %w", err)
		}
	}
	return nil
}

// Save copies the running config to NVRAM and waits for the agent to report
// the outcome. Agents that never leave notInitiated (simulators, some
// firmware) are taken at their word that the SET succeeded.
func (a *Adapter) Save(ctx context.Context) error {
	if err := a.connect(ctx); err != nil {
		return err
	}
	pkt, err := a.g.Set([]gosnmp.SnmpPDU{{Name: mibs.AgentSaveConfig, Type: gosnmp.Integer, Value: mibs.SaveConfigEnable}})
	if err != nil {
		return fmt.Errorf("save config: %w", explain(a.sw, err))
	}
	if err := pduError(pkt, []string{"agentSaveConfig"}); err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	if err := echoError(pkt, []string{"agentSaveConfig"}); err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	for {
		pkt, err := a.g.Get([]string{mibs.AgentSaveConfigStatus})
		if err != nil {
			return fmt.Errorf("save config status: %w", explain(a.sw, err))
		}
		if len(pkt.Variables) != 1 {
			return fmt.Errorf("save config status: empty answer")
		}
		status, err := integer(pkt.Variables[0])
		if err != nil {
			return nil // agent does not report save status; the SET was accepted
		}
		switch status {
		case mibs.SaveStatusComplete, mibs.SaveStatusNotInitiated:
			return nil
		case mibs.SaveStatusFailed:
			return fmt.Errorf("save config: the switch reports savingFailed")
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("save config: still saving at the switch deadline: %w", ctx.Err())
		case <-afterSavePoll():
		}
	}
}

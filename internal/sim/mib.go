package sim

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/mibs"
)

const sysDescr = "GS110TP ProSafe 8-port Gigabit Smart Switch, 5.4.2.35"

// oid is a parsed object identifier. slices.Compare orders oids exactly as
// SNMP does: component by component, a prefix before its extensions.
type oid []uint32

// parseOID parses a dotted OID with or without gosnmp's leading dot. A
// sub-identifier beyond uint32 is clamped: it sorts after everything the
// simulator serves, which is all GETNEXT needs, and matches nothing.
func parseOID(s string) (oid, bool) {
	s = strings.TrimPrefix(s, ".")
	if s == "" {
		return oid{}, true
	}
	o := make(oid, 0, strings.Count(s, ".")+1)
	for part := range strings.SplitSeq(s, ".") {
		n, err := strconv.ParseUint(part, 10, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, false
		}
		if err != nil || n > math.MaxUint32 {
			n = math.MaxUint32
		}
		o = append(o, uint32(n))
	}
	return o, true
}

func mustOID(s string) oid {
	o, ok := parseOID(s)
	if !ok {
		panic("sim: bad OID " + s)
	}
	return o
}

func (o oid) String() string {
	var b strings.Builder
	for _, n := range o {
		b.WriteByte('.')
		b.WriteString(strconv.FormatUint(uint64(n), 10))
	}
	return b.String()
}

// kind names the MIB objects the simulator serves.
type kind uint8

const (
	kSysDescr kind = iota
	kSysObjectID
	kSysName
	kSaveConfig
	kSaveStatus
	kDSCP
	kTrust
	kNumQueues
	kScheduler
)

// object is a scalar or a table column; its instances hang below oid.
type object struct {
	kind     kind
	oid      oid
	typ      gosnmp.Asn1BER
	writable bool
	min, max int64 // allowed SET values
}

// instance is one readable variable.
type instance struct {
	oid  oid
	name string // as gosnmp spells names, with a leading dot
	obj  *object
	i, j int // ifIndex and dscp or queue, for table instances
}

// mib is the simulator's view: every object, and every instance in
// lexicographic order. It is built once and never changes, so all switches
// share it; per-switch values live in GS110TP.
type mib struct {
	objects   []*object
	instances []instance
	byName    map[string]int // instance name without the leading dot -> index
}

var gs110tpMIB = buildMIB()

func buildMIB() *mib {
	m := &mib{byName: make(map[string]int)}
	obj := func(k kind, s string, typ gosnmp.Asn1BER, writable bool, lo, hi int64) *object {
		o := &object{kind: k, oid: mustOID(s), typ: typ, writable: writable, min: lo, max: hi}
		m.objects = append(m.objects, o)
		return o
	}
	add := func(o *object, i, j int, index ...uint32) {
		id := append(slices.Clone(o.oid), index...)
		m.instances = append(m.instances, instance{oid: id, name: id.String(), obj: o, i: i, j: j})
	}
	scalar := func(s string) string { return strings.TrimSuffix(s, ".0") }

	add(obj(kSysDescr, scalar(mibs.SysDescr), gosnmp.OctetString, false, 0, 0), 0, 0, 0)
	add(obj(kSysObjectID, scalar(mibs.SysObjectID), gosnmp.ObjectIdentifier, false, 0, 0), 0, 0, 0)
	add(obj(kSysName, scalar(mibs.SysName), gosnmp.OctetString, false, 0, 0), 0, 0, 0)
	add(obj(kSaveConfig, scalar(mibs.AgentSaveConfig), gosnmp.Integer, true, mibs.SaveConfigEnable, mibs.SaveConfigEnable), 0, 0, 0)
	add(obj(kSaveStatus, scalar(mibs.AgentSaveConfigStatus), gosnmp.Integer, false, 0, 0), 0, 0, 0)
	// The MIB allows traffic classes 0..7, but only 0..numQueues-1 exist.
	dscp := obj(kDSCP, mibs.AgentCosMapIpDscpTrafficClass, gosnmp.Gauge32, true, 0, numQueues-1)
	for i := range numIfs {
		for d := range numDSCP {
			add(dscp, i, d, uint32(i), uint32(d))
		}
	}
	trust := obj(kTrust, mibs.AgentCosMapIntfTrustMode, gosnmp.Integer, true, mibs.TrustModeUntrusted, mibs.TrustModeTrustIpDscp)
	for i := range numIfs {
		add(trust, i, 0, uint32(i))
	}
	add(obj(kNumQueues, mibs.AgentCosQueueNumQueuesPerPort, gosnmp.Gauge32, false, 0, 0), 0, 0, 0)
	// The GS110TP configures queues per interface too (its web UI's
	// "Interface Queue Configuration"), so the scheduler column has a row per
	// interface and queue, ifIndex 0 being the global one, as in the DSCP
	// and trust columns.
	sched := obj(kScheduler, mibs.AgentCosQueueSchedulerType, gosnmp.Integer, true, mibs.SchedulerStrict, mibs.SchedulerWeighted)
	for i := range numIfs {
		for q := range numQueues {
			add(sched, i, q, uint32(i), uint32(q))
		}
	}

	slices.SortFunc(m.instances, func(a, b instance) int { return slices.Compare(a.oid, b.oid) })
	for n, in := range m.instances {
		m.byName[in.name[1:]] = n
	}
	return m
}

// lookup finds the instance named name (gosnmp form, leading dot optional).
func (m *mib) lookup(name string) (*instance, bool) {
	n, ok := m.byName[strings.TrimPrefix(name, ".")]
	if !ok {
		return nil, false
	}
	return &m.instances[n], true
}

// objectOf returns the object whose subtree holds o, if any.
func (m *mib) objectOf(o oid) *object {
	for _, obj := range m.objects {
		if len(o) > len(obj.oid) && slices.Equal(o[:len(obj.oid)], obj.oid) {
			return obj
		}
	}
	return nil
}

// next returns the index of the first visible instance after o, or -1.
func (m *mib) next(o oid, f *Faults) int {
	n, found := slices.BinarySearchFunc(m.instances, o, func(in instance, o oid) int {
		return slices.Compare(in.oid, o)
	})
	if found {
		n++
	}
	for ; n < len(m.instances); n++ {
		if visible(m.instances[n].obj, f) {
			return n
		}
	}
	return -1
}

func visible(obj *object, f *Faults) bool {
	return !(f.NoDSCPTable && obj.kind == kDSCP)
}

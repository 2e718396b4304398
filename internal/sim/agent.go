package sim

import (
	"math"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/mibs"
)

// minVarbindLen is the smallest encoding of a varbind: SEQUENCE header, a
// one-byte OID and a NULL. It bounds how many varbinds can fit in a message,
// so a GETBULK with absurd max-repetitions does no absurd work.
const minVarbindLen = 6

// reply is the PDU part of a response.
type reply struct {
	status gosnmp.SNMPError
	index  int // 1-based varbind index of the error, 0 if none
	vars   []gosnmp.SnmpPDU
	delay  time.Duration // extra hold of the answer (SetAnswerDelay, SlowAfterSet)
}

// serve runs one request PDU against the switch. ok is false when the
// switch must not answer (the Silent fault). maxMsg caps GETBULK work; the
// encoder trims the reply to the real size later.
func (s *GS110TP) serve(pduType gosnmp.PDUType, vars []gosnmp.SnmpPDU, nonRep, maxRep, maxMsg int) (r reply, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.Silent || s.faults.SilentAfter > 0 && s.served >= s.faults.SilentAfter {
		return r, false
	}
	s.served++
	if s.faults.RebootAfter > 0 && s.served == s.faults.RebootAfter && !s.rebooted {
		// Answer this request from the old state, then reboot.
		defer func() { s.rebooted = true; s.reboot() }()
	}
	switch pduType {
	case gosnmp.GetRequest, gosnmp.GetNextRequest, gosnmp.GetBulkRequest:
		if s.setSeen {
			r.delay = s.faults.SlowAfterSet
		}
	case gosnmp.SetRequest:
		r.delay = s.faults.SetAnswerDelay
	}
	switch pduType {
	case gosnmp.GetRequest:
		r.vars = s.get(vars)
	case gosnmp.GetNextRequest:
		r.vars = s.getNext(vars)
	case gosnmp.GetBulkRequest:
		r.vars = s.getBulk(vars, nonRep, maxRep, maxMsg/minVarbindLen)
	case gosnmp.SetRequest:
		r.status, r.index = s.set(vars)
		// A response to a SET echoes the request's varbinds (RFC 3416 4.2.5).
		r.vars = vars
	default:
		return r, false
	}
	return r, true
}

// value returns the current value of in; the caller holds s.mu.
func (s *GS110TP) value(in *instance) gosnmp.SnmpPDU {
	pdu := gosnmp.SnmpPDU{Name: in.name, Type: in.obj.typ}
	switch in.obj.kind {
	case kSysDescr:
		pdu.Value = sysDescr
	case kSysObjectID:
		pdu.Value = mibs.ProductGS110TP
	case kSysName:
		pdu.Value = s.name
	case kSaveConfig:
		pdu.Value = 2 // disable(2): a push button reads back as released
	case kSaveStatus:
		pdu.Value = s.saveStatusRead()
	case kDSCP:
		pdu.Value = uint32(s.running.dscp[in.i][in.j])
		if q, ok := s.faults.LieOnRead[in.j]; ok && (s.setSeen || !s.faults.LieAfterSet) {
			pdu.Value = uint32(q) //nolint:gosec // checked 0..255 by SetFaults
		}
	case kTrust:
		pdu.Value = int(s.running.trust[in.i])
	case kNumQueues:
		pdu.Value = uint32(numQueues)
	case kScheduler:
		pdu.Value = int(s.running.sched[in.i][in.j])
	}
	return pdu
}

func exception(name string, t gosnmp.Asn1BER) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: name, Type: t}
}

func (s *GS110TP) get(vars []gosnmp.SnmpPDU) []gosnmp.SnmpPDU {
	out := make([]gosnmp.SnmpPDU, len(vars))
	for n, v := range vars {
		in, ok := gs110tpMIB.lookup(v.Name)
		switch {
		case ok && visible(in.obj, &s.faults):
			out[n] = s.value(in)
		case ok:
			out[n] = exception(v.Name, gosnmp.NoSuchObject)
		default:
			out[n] = exception(v.Name, s.missing(v.Name))
		}
	}
	return out
}

// missing tells noSuchInstance (the object exists, the instance does not)
// from noSuchObject for a GET of an unknown name.
func (s *GS110TP) missing(name string) gosnmp.Asn1BER {
	o, ok := parseOID(name)
	if !ok {
		return gosnmp.NoSuchObject
	}
	if obj := gs110tpMIB.objectOf(o); obj != nil && visible(obj, &s.faults) {
		return gosnmp.NoSuchInstance
	}
	return gosnmp.NoSuchObject
}

func (s *GS110TP) getNext(vars []gosnmp.SnmpPDU) []gosnmp.SnmpPDU {
	out := make([]gosnmp.SnmpPDU, len(vars))
	for n, v := range vars {
		out[n], _ = s.nextOfIndex(v.Name)
	}
	return out
}

// getBulk follows RFC 3416 4.2.3: the first nonRep varbinds get one
// successor each, the rest maxRep successors each, interleaved by round.
// It stops early once a whole round is endOfMibView (later rounds would
// repeat it) or limit varbinds are collected.
func (s *GS110TP) getBulk(vars []gosnmp.SnmpPDU, nonRep, maxRep, limit int) []gosnmp.SnmpPDU {
	nonRep = min(max(nonRep, 0), len(vars))
	rep := vars[nonRep:]
	if len(rep) == 0 || maxRep <= 0 {
		return s.getNext(vars[:nonRep])
	}
	// Sized for the whole answer: appending would copy it several times.
	out := make([]gosnmp.SnmpPDU, nonRep, min(nonRep+maxRep*len(rep), limit+len(rep)))
	for n, v := range vars[:nonRep] {
		out[n], _ = s.nextOfIndex(v.Name)
	}
	// Each repeater walks on from the instance it returned last, by index,
	// rather than re-parsing its name: the GETBULK hot path.
	last := make([]string, len(rep))
	pos := make([]int, len(rep)) // index of the instance returned last; -1: none yet, or ended
	for n, v := range rep {
		last[n], pos[n] = v.Name, -1
	}
	for range maxRep {
		if len(out)+len(rep) > limit {
			break
		}
		ended := true
		for n := range rep {
			var v gosnmp.SnmpPDU
			if pos[n] >= 0 {
				v, pos[n] = s.successor(pos[n], last[n])
			} else {
				v, pos[n] = s.nextOfIndex(last[n])
			}
			last[n] = v.Name
			ended = ended && v.Type == gosnmp.EndOfMibView
			out = append(out, v)
		}
		if ended {
			break
		}
	}
	return out
}

// nextOfIndex returns the successor varbind of name and its instance
// index, or endOfMibView and -1.
func (s *GS110TP) nextOfIndex(name string) (gosnmp.SnmpPDU, int) {
	if o, ok := parseOID(name); ok {
		if n := gs110tpMIB.next(o, &s.faults); n >= 0 {
			return s.value(&gs110tpMIB.instances[n]), n
		}
	}
	return exception(name, gosnmp.EndOfMibView), -1
}

// successor returns the first visible instance after instance index i
// (named name), or endOfMibView.
func (s *GS110TP) successor(i int, name string) (gosnmp.SnmpPDU, int) {
	for n := i + 1; n < len(gs110tpMIB.instances); n++ {
		if visible(gs110tpMIB.instances[n].obj, &s.faults) {
			return s.value(&gs110tpMIB.instances[n]), n
		}
	}
	return exception(name, gosnmp.EndOfMibView), -1
}

// set checks every varbind before changing anything, as RFC 3416 4.2.5
// asks, then applies them in order. The caller holds s.mu.
func (s *GS110TP) set(vars []gosnmp.SnmpPDU) (gosnmp.SNMPError, int) {
	ins := make([]*instance, len(vars))
	vals := make([]int64, len(vars))
	for n, v := range vars {
		var st gosnmp.SNMPError
		ins[n], vals[n], st = s.check(v)
		if st != gosnmp.NoError {
			return st, n + 1
		}
	}
	reject, status := s.faults.RejectSetAt, s.faults.RejectStatus
	if status == gosnmp.NoError {
		status = gosnmp.GenErr
	}
	if reject > 0 && reject <= len(vars) && status != gosnmp.CommitFailed {
		return status, reject // refused at the test phase: nothing applied
	}
	for n, in := range ins {
		if n+1 == s.faults.CommitFailAt || n+1 == reject {
			return gosnmp.CommitFailed, n + 1
		}
		if n+1 == s.faults.DropSetRow && len(ins) > 1 {
			continue // lost, and answered noError all the same
		}
		s.apply(in, vals[n])
		s.setSeen = true
	}
	return gosnmp.NoError, 0
}

// check validates one SET varbind in RFC 3416 order: not writable, wrong
// type, wrong value, then no creation for an instance that does not exist.
func (s *GS110TP) check(v gosnmp.SnmpPDU) (*instance, int64, gosnmp.SNMPError) {
	o, ok := parseOID(v.Name)
	if !ok {
		return nil, 0, gosnmp.NotWritable
	}
	obj := gs110tpMIB.objectOf(o)
	if obj == nil || !obj.writable || !visible(obj, &s.faults) {
		return nil, 0, gosnmp.NotWritable
	}
	if v.Type != obj.typ {
		return nil, 0, gosnmp.WrongType
	}
	val, ok := toInt64(v.Value)
	if !ok {
		return nil, 0, gosnmp.WrongType
	}
	if val < obj.min || val > obj.max {
		return nil, 0, gosnmp.WrongValue
	}
	in, ok := gs110tpMIB.lookup(v.Name)
	if !ok {
		return nil, 0, gosnmp.NoCreation
	}
	return in, val, gosnmp.NoError
}

// apply writes one checked value; the caller holds s.mu.
func (s *GS110TP) apply(in *instance, val int64) {
	switch in.obj.kind {
	case kDSCP:
		s.running.setDSCP(in.i, in.j, uint8(val))
	case kTrust:
		s.running.setTrust(in.i, uint8(val))
	case kScheduler:
		s.running.setSched(in.i, in.j, uint8(val))
	case kSaveConfig:
		s.save()
	}
}

// toInt64 converts the integer types gosnmp decodes values into.
func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case uint:
		return clampUint(uint64(x)), true
	case uint32:
		return int64(x), true
	case uint64:
		return clampUint(x), true
	}
	return 0, false
}

// clampUint maps huge unsigned values to one that is out of every range.
func clampUint(x uint64) int64 {
	if x > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(x)
}

package netgear_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

// mutate applies the fuzzer's edits to a sane answer. Each edit is three
// bytes: what to do (the high bit picks the DSCP answer or the other one),
// and two operands.
func mutate(req *gosnmp.SnmpPacket, edits []byte) [][]byte {
	vs := good(req)
	dscp := isDSCPRead(req)
	truncate := -1
	for ; len(edits) >= 3; edits = edits[3:] {
		op, x, y := edits[0], int(edits[1]), int(edits[2])
		if (op&0x80 != 0) != dscp || len(vs) == 0 {
			continue
		}
		i, j := x%len(vs), y%len(vs)
		switch op & 0x7f % 9 {
		case 0: // another type
			vs[i].Type = []gosnmp.Asn1BER{gosnmp.Integer, gosnmp.Gauge32, gosnmp.Counter32, gosnmp.Counter64, gosnmp.OctetString,
				gosnmp.Null, gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView, gosnmp.TimeTicks}[y%10]
			vs[i].Value = valueOf(vs[i].Type, y)
		case 1: // another value of the same type
			vs[i].Value = valueOf(vs[i].Type, y)
		case 2: // a varbind less
			vs = append(vs[:i], vs[i+1:]...)
		case 3: // two swapped
			vs[i], vs[j] = vs[j], vs[i]
		case 4: // one twice
			vs = append(vs[:i+1], vs[i:]...)
		case 5: // another index
			vs[i].Name = vs[i].Name[:len(vs[i].Name)-1] + string(rune('0'+y%10))
		case 6: // another column
			vs[i].Name = vs[j].Name
		case 7: // cut the packet short
			truncate = y
		case 8: // a huge value
			vs[i].Type, vs[i].Value = gosnmp.Counter64, uint64(1)<<63+uint64(y)
		}
	}
	out := response(req, vs)
	if truncate >= 0 && truncate < len(out) {
		out = out[:truncate]
	}
	return [][]byte{out}
}

// valueOf gives a value gosnmp can encode as typ.
func valueOf(typ gosnmp.Asn1BER, y int) any {
	switch typ {
	case gosnmp.Integer:
		return y - 128
	case gosnmp.OctetString:
		return []byte{byte(y)}
	case gosnmp.Counter64:
		return uint64(y)
	case gosnmp.TimeTicks:
		return uint32(y)
	case gosnmp.Gauge32, gosnmp.Counter32:
		return uint(y)
	}
	return nil
}

// FuzzRead serves Read answers edited by the fuzzer, over UDP on loopback:
// whatever the agent says, Read returns an error or a state that makes
// sense, and never panics.
func FuzzRead(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x80, 3, 4})              // DSCP row of another type
	f.Add([]byte{0x81, 63, 200})           // DSCP traffic class out of range
	f.Add([]byte{0x01, 0, 100})            // absurd queue count
	f.Add([]byte{0x82, 10, 0})             // a DSCP row missing
	f.Add([]byte{0x83, 10, 11})            // DSCP rows out of order
	f.Add([]byte{0x05, 9, 3})              // trust index changed
	f.Add([]byte{0x07, 0, 40})             // truncated second answer
	f.Add([]byte{0x00, 1, 8, 0x04, 12, 0}) // scheduler row past the end, trust row twice
	var edits atomic.Pointer[[]byte]
	addr := hostileAgent(f, func(req *gosnmp.SnmpPacket) [][]byte { return mutate(req, *edits.Load()) })
	sw := v2cSwitch(f, "fuzzed", addr, "c")
	sw.SNMP.Timeout, sw.SNMP.Retries = 50*time.Millisecond, 0
	// The sane agent must be readable: give it the patience of a loaded
	// machine (two fuzz workers beside other builds miss 50 ms).
	patient := sw
	patient.SNMP.Timeout, patient.SNMP.Retries = 2*time.Second, 1
	f.Fuzz(func(t *testing.T, in []byte) {
		edits.Store(&in)
		use := sw
		if len(in) < 3 {
			use = patient
		}
		st, err := open(t, use).Read(context.Background())
		if err != nil {
			if len(in) < 3 { // no edit: the sane agent must be readable
				t.Fatalf("sane agent: %v", err)
			}
			return
		}
		n := len(st.Queues)
		if n < 2 || n > 8 {
			t.Fatalf("accepted %d queues", n)
		}
		if err := st.Validate(); err != nil {
			t.Fatalf("accepted an invalid state: %v", err)
		}
		if st.Global().Trust == "" {
			t.Fatalf("no global trust: %+v", st.Scopes[0])
		}
	})
}

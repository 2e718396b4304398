package sim

import (
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/mibs"
)

// seedPackets are well-formed requests the fuzzer mutates.
func seedPackets(t testing.TB) [][]byte {
	reqs := []*gosnmp.SnmpPacket{
		{PDUType: gosnmp.GetRequest, Variables: []gosnmp.SnmpPDU{{Name: dscpOID(0, 46), Type: gosnmp.Null}, {Name: mibs.SysDescr, Type: gosnmp.Null}}},
		{PDUType: gosnmp.GetNextRequest, Variables: []gosnmp.SnmpPDU{{Name: mibs.AgentCosMapIntfTrustMode, Type: gosnmp.Null}}},
		{PDUType: gosnmp.GetBulkRequest, NonRepeaters: 1, MaxRepetitions: 64, Variables: []gosnmp.SnmpPDU{{Name: mibs.SysName, Type: gosnmp.Null}, {Name: mibs.AgentCosMapIpDscpTrafficClass, Type: gosnmp.Null}}},
		{PDUType: gosnmp.SetRequest, Variables: []gosnmp.SnmpPDU{gauge(dscpOID(0, 46), 3), integer(mibs.AgentSaveConfig, 1)}},
		{PDUType: gosnmp.SetRequest, Variables: []gosnmp.SnmpPDU{{Name: mibs.SysName, Type: gosnmp.OctetString, Value: "x"}}},
	}
	var out [][]byte
	for n, p := range reqs {
		p.Version, p.Community, p.RequestID = gosnmp.Version2c, community, uint32(n+1)
		b, err := p.MarshalMsg()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzHandlePacket feeds arbitrary bytes to the packet handler. It calls
// handle, not safeHandle, so that a panic fails the fuzzer instead of being
// swallowed. Every answer must be a well-formed response within the size cap.
func FuzzHandlePacket(f *testing.F) {
	for _, b := range seedPackets(f) {
		f.Add(b)
	}
	for _, b := range v3SeedPackets(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		sw := NewGS110TP("fuzz")
		sw.SetFaults(Faults{CommitFailAt: 2})
		h, err := newHandler(sw, fuzzConfig())
		if err != nil {
			t.Fatal(err)
		}
		out := h.handle(raw)
		if out == nil {
			return
		}
		if len(out) > h.maxMsg {
			t.Fatalf("response of %d bytes exceeds %d", len(out), h.maxMsg)
		}
		if isV3(out) {
			return // checked by the v3 tests; decoding needs the client's keys
		}
		resp, err := (&gosnmp.GoSNMP{Version: gosnmp.Version2c}).SnmpDecodePacket(out)
		if err != nil {
			t.Fatalf("undecodable response: %v", err)
		}
		if resp.PDUType != gosnmp.GetResponse || resp.Community != community {
			t.Fatalf("bad response %v %q", resp.PDUType, resp.Community)
		}
	})
}

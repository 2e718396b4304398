package sim

import (
	"sync"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/mibs"
)

// TestConcurrentClients runs readers, writers and fault toggles against one
// switch at once; it exists for the race detector.
func TestConcurrentClients(t *testing.T) {
	sw, srv := startV2(t)
	var wg sync.WaitGroup
	for n := range 4 {
		wg.Go(func() {
			c := dial(t, srv.Addr(), community)
			for i := range 20 {
				if n%2 == 0 {
					if _, err := c.Get([]string{dscpOID(i%numIfs, 46)}); err != nil {
						t.Error(err)
					}
				} else if _, err := c.Set([]gosnmp.SnmpPDU{gauge(dscpOID(0, i%64), uint32(i%4))}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			sw.SetFaults(Faults{NoDSCPTable: true})
			sw.SetFaults(Faults{})
			_ = sw.Stats()
			sw.SetTrust(0, mibs.TrustModeTrustIpDscp)
		}
	})
	wg.Wait()
	if st := sw.Stats(); st.Get != 40 || st.Set != 40 || st.Responses != 80 {
		t.Errorf("stats %+v", st)
	}
}

// BenchmarkHandleGet measures the per-request cost of the packet handler
// without the network: decode, lookup, encode.
func BenchmarkHandleGet(b *testing.B) {
	h, err := newHandler(NewGS110TP("bench"), ServerConfig{Community: community})
	if err != nil {
		b.Fatal(err)
	}
	req := seedPackets(b)[0]
	b.ReportAllocs()
	for b.Loop() {
		if h.handle(req) == nil {
			b.Fatal("no response")
		}
	}
}

// BenchmarkHandleBulk64 is one GETBULK of the 64 global DSCP rows.
func BenchmarkHandleBulk64(b *testing.B) {
	h, err := newHandler(NewGS110TP("bench"), ServerConfig{Community: community})
	if err != nil {
		b.Fatal(err)
	}
	p := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: community, PDUType: gosnmp.GetBulkRequest,
		RequestID: 1, MaxRepetitions: 64, Variables: []gosnmp.SnmpPDU{{Name: mibs.AgentCosMapIpDscpTrafficClass, Type: gosnmp.Null}}}
	req, err := p.MarshalMsg()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if h.handle(req) == nil {
			b.Fatal("no response")
		}
	}
}

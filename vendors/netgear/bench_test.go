package netgear_test

// Benchmarks of one GS110TP audit over real UDP against the simulator. Not
// timed tests: CI runs them with -benchtime=1x to prove they still work.

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/qosagent/qosagent/internal/sim"
	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/netgear"
)

func benchSwitch(b *testing.B, rtt time.Duration) (*sim.GS110TP, inventory.Switch) {
	b.Helper()
	const comm = "bench-community"
	sw := sim.NewGS110TP("bench")
	srv, err := sim.ListenSNMP(context.Background(), "127.0.0.1:0", sw, sim.ServerConfig{Community: comm, RTT: rtt})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	host, port, _ := net.SplitHostPort(srv.Addr())
	p, _ := strconv.Atoi(port)
	return sw, inventory.Switch{Site: "bench", Name: "bench", Vendor: netgear.Vendor, Address: srv.Addr(), Host: host, Port: p,
		SNMP: inventory.SNMP{Version: "2c", Port: p, Timeout: time.Second, Retries: 1,
			Community: inventory.NewSecret(comm, "bench"), MaxRepetitions: 64}}
}

// policyDSCP are the default policy's values, which the engine gives the
// adapter to read per interface (vendors.Focuser).
var policyDSCP = []int{46, 34, 24, 0}

// benchRead opens an adapter, reads the switch and closes it per
// iteration, as the fleet runner does per switch; focus nil reads all 64
// rows of every interface (a policy with ef_exclusive).
func benchRead(b *testing.B, rtt time.Duration, focus []int) {
	sw, inv := benchSwitch(b, rtt)
	ctx := context.Background()
	before := sw.Stats()
	b.ReportAllocs()
	for b.Loop() {
		a, err := netgear.Open(inv)
		if err != nil {
			b.Fatal(err)
		}
		if focus != nil {
			a.(vendors.Focuser).Focus(focus)
		}
		if _, err := a.Read(ctx); err != nil {
			b.Fatal(err)
		}
		a.Close()
	}
	after := sw.Stats()
	reqs := after.Requests() - before.Requests()
	b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
}

// BenchmarkRead is the CPU cost of one switch audit (open, two GETBULKs and
// one GET, parse, close) on plain loopback, simulator included.
func BenchmarkRead(b *testing.B) { benchRead(b, 0, policyDSCP) }

// BenchmarkRead20ms is the same behind a 20 ms RTT: about 3 x 20 ms.
func BenchmarkRead20ms(b *testing.B) { benchRead(b, 20*time.Millisecond, policyDSCP) }

// BenchmarkReadAllRows reads all 64 DSCP rows of every interface, as an
// ef_exclusive policy needs: 640 rows of a GS110TP in GETs of MaxOids each.
func BenchmarkReadAllRows(b *testing.B) { benchRead(b, 0, nil) }

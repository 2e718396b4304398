package netgear_test

import (
	"context"
	"testing"

	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/netgear"
)

// BenchmarkReadPlatform is BenchmarkRead through the registered platform,
// as the fleet runner opens adapters: what its adapters share across the
// switches of a run (the per-interface OID lists, lent clients) is shared
// here across iterations.
func BenchmarkReadPlatform(b *testing.B) {
	sw, inv := benchSwitch(b, 0)
	p := netgear.Platform()
	ctx := context.Background()
	before := sw.Stats()
	b.ReportAllocs()
	for b.Loop() {
		a, err := p.Open(inv)
		if err != nil {
			b.Fatal(err)
		}
		a.(vendors.Focuser).Focus(policyDSCP)
		if _, err := a.Read(ctx); err != nil {
			b.Fatal(err)
		}
		a.Close()
	}
	after := sw.Stats()
	reqs := after.Get + after.GetNext + after.GetBulk + after.Set - (before.Get + before.GetNext + before.GetBulk + before.Set)
	b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
}

package netgear_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/qosagent/qosagent/vendors/netgear"
)

// TestFactoryDescriptionIsWhatTheAdapterReads: the platform's factory
// description (what endpoints explain works from) is what the adapter reads
// from a factory-default GS110TP.
func TestFactoryDescriptionIsWhatTheAdapterReads(t *testing.T) {
	p := netgear.Platform()
	if p.Factory == nil {
		t.Fatal("no factory description")
	}
	_, sw := startSim(t)
	a, err := p.Open(sw)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	got, err := a.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := p.Factory.State
	g, wg := got.Global(), want.Global()
	if !reflect.DeepEqual(got.Queues, want.Queues) || !reflect.DeepEqual(g.DSCP, wg.DSCP) || g.Trust != wg.Trust || !reflect.DeepEqual(g.Sched, wg.Sched) {
		t.Errorf("read queues %v, global %+v; the description says %v, %+v", got.Queues, *g, want.Queues, *wg)
	}
}

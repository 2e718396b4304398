package cli_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/qosagent/qosagent/internal/clisim"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/cli"
)

// TestFactoryDescriptionIsWhatTheAdapterReads: each dialect's factory
// section (what endpoints explain works from) is what the adapter reads
// from a factory-default switch of the base model: queue order, map,
// trust, QoS on or off, scheduler.
func TestFactoryDescriptionIsWhatTheAdapterReads(t *testing.T) {
	ps, err := cli.Platforms(cli.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		t.Run(p.Name, func(t *testing.T) {
			f := p.Factory
			if f == nil {
				t.Fatal("no factory description")
			}
			s := startVariant(t, p.Name, clisim.Options{Hostname: "sw1"}, true)
			a, err := p.Open(s.sw)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			got, err := a.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := f.State
			if !reflect.DeepEqual(got.Queues, want.Queues) || got.QoSDisabled != want.QoSDisabled {
				t.Errorf("queues %v qos disabled %v; the description says %v %v", got.Queues, got.QoSDisabled, want.Queues, want.QoSDisabled)
			}
			g, wg := got.Global(), want.Global()
			if !reflect.DeepEqual(g.DSCP, wg.DSCP) || g.Trust != wg.Trust {
				t.Errorf("global map %v trust %q; the description says %v %q", g.DSCP, g.Trust, wg.DSCP, wg.Trust)
			}
			var sched []vendors.Sched
			for _, sc := range got.Scopes {
				if sc.Sched != nil {
					sched = sc.Sched
					break
				}
			}
			if !reflect.DeepEqual(sched, wg.Sched) {
				t.Errorf("scheduler %+v; the description says %+v", sched, wg.Sched)
			}
		})
	}
}

package cli_test

import (
	"context"
	"testing"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/clisim"
	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors/cli"
)

// The device truths the simulator variants show, through the real adapter:
// the queue count read from the switch (7 on an M4300-like FASTPATH, 8 on
// an SG350-like switch), the small business factory scheduler, stacked
// Catalyst port names; then, on a compliant switch, one port set apart and
// a change never saved must each turn the verdict to drift, and apply must
// bring both back, saved, so a reload keeps it.
func TestVariantsAuditApplyAudit(t *testing.T) {
	tests := []struct {
		name, dialect string
		opts          clisim.Options
		top           int
		// apart sets one port apart on a compliant switch; port names it.
		apart func(c *clisim.Config)
		port  string
	}{
		{"fastpath-7-classes", "netgear-fastpath", clisim.Options{Queues: 7}, 6,
			func(c *clisim.Config) { c.Ifaces[4].Trust = "untrusted" }, "1/0/5"},
		{"fastpath-no-max-bandwidth", "netgear-fastpath", clisim.Options{NoMaxBandwidth: true}, 3,
			func(c *clisim.Config) { c.Ifaces[4].Trust = "dot1p" }, "0/5"},
		{"sb-8-queues", "cisco-sb", clisim.Options{Queues: 8}, 8,
			func(c *clisim.Config) { c.Ifaces[4].Trust = "untrusted" }, "GigabitEthernet1/0/5"},
		{"sb-all-strict-factory", "cisco-sb", clisim.Options{AllStrictFactory: true}, 4,
			func(c *clisim.Config) { c.Ifaces[5].Trust = "untrusted" }, "GigabitEthernet1/0/6"},
		{"ios-stack", "cisco-ios", clisim.Options{StackPorts: true}, 1,
			func(c *clisim.Config) { c.Ports[4].Trust = "" }, "GigabitEthernet1/0/5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.Hostname = "sw1"
			s := startVariant(t, tc.dialect, o, true)
			e := engine(t, cli.Options{})
			ctx := context.Background()
			sws := []inventory.Switch{s.sw}
			audit := func(want agent.Status) agent.SwitchResult {
				t.Helper()
				r := e.Audit(ctx, sws).Switches[0]
				if r.Status != want {
					t.Fatalf("audit: %s, want %s (%s) %+v", r.Status, want, r.Error, r.Findings)
				}
				return r
			}
			apply := func() {
				t.Helper()
				if r := e.Apply(ctx, sws, false).Switches[0]; r.Status != agent.StatusChanged {
					t.Fatalf("apply: %s %s", r.Status, r.Error)
				}
				if !s.sim.Saved() {
					t.Fatal("apply left the change unsaved")
				}
			}
			audit(agent.StatusDrift)
			apply()
			r := audit(agent.StatusCompliant)
			if r.TopQueue == nil || *r.TopQueue != tc.top || s.sim.DSCPQueue(46) != tc.top {
				t.Errorf("top queue %v, EF on %d; want %d", r.TopQueue, s.sim.DSCPQueue(46), tc.top)
			}

			// One port set apart: drift, and the finding names the port.
			if err := s.sim.Edit(tc.apart); err != nil {
				t.Fatal(err)
			}
			r = audit(agent.StatusDrift)
			named := false
			for _, f := range r.Findings {
				named = named || f.Scope == tc.port || f.Port == tc.port
			}
			if !named {
				t.Errorf("no finding names %s: %+v", tc.port, r.Findings)
			}
			apply()
			audit(agent.StatusCompliant)

			// A compliant running config the switch would not boot with: its
			// startup config has the port apart. Drift (the saved rule);
			// apply saves it though the running config needs no change, and
			// a reload keeps it compliant.
			st := s.sim.Snapshot()
			tc.apart(&st.Startup)
			if err := s.sim.Restore(st); err != nil {
				t.Fatal(err)
			}
			r = audit(agent.StatusDrift)
			saved := false
			for _, f := range r.Findings {
				saved = saved || f.Rule == agent.RuleSaved
			}
			if !saved {
				t.Errorf("no %s finding for an unsaved running config: %+v", agent.RuleSaved, r.Findings)
			}
			apply()
			s.sim.Reload()
			audit(agent.StatusCompliant)
		})
	}
}

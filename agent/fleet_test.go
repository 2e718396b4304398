package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/lab"
	"github.com/qosagent/qosagent/internal/sim"
	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/mibs"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/netgear"
)

// startLab runs n simulated GS110TPs and loads the inventory the lab writes,
// through the real loader.
func startLab(t *testing.T, n int) (*lab.Lab, []inventory.Switch) {
	t.Helper()
	l, err := lab.Start(context.Background(), lab.Config{SNMP: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	sws, err := l.Inventory(t.TempDir()+"/lab.yaml", vendors.NewRegistry(netgear.Platform()).Transports())
	if err != nil {
		t.Fatal(err)
	}
	for i := range sws {
		sws[i].SNMP.Timeout, sws[i].SNMP.Retries = 200*time.Millisecond, 1
	}
	return l, sws
}

func newEngine(t *testing.T) *agent.Engine {
	return &agent.Engine{Registry: vendors.NewRegistry(netgear.Platform()), Policy: agent.DefaultPolicy(),
		Concurrency: 4, Timeout: 20 * time.Second, Backups: agent.FileBackups{Dir: t.TempDir()}}
}

func TestFleetAuditApplyAudit(t *testing.T) {
	l, sws := startLab(t, 5)
	e := newEngine(t)
	ctx := context.Background()

	rep := e.Audit(ctx, sws)
	if rep.Summary.Drift != 5 || rep.ExitCode() != agent.ExitDrift {
		t.Fatalf("audit summary %+v exit %d", rep.Summary, rep.ExitCode())
	}
	for _, s := range l.Switches {
		if st := s.Stats(); st.Set != 0 {
			t.Fatalf("audit wrote to %s", s.Name())
		}
	}
	rep = e.Apply(ctx, sws, true)
	if rep.Summary.Planned != 5 || rep.ExitCode() != agent.ExitDrift {
		t.Fatalf("dry run summary %+v", rep.Summary)
	}
	for _, s := range l.Switches {
		if s.Stats().Set != 0 {
			t.Fatalf("dry run wrote to %s", s.Name())
		}
	}
	rep = e.Apply(ctx, sws, false)
	if rep.Summary.Changed != 5 || rep.ExitCode() != agent.ExitOK {
		t.Fatalf("apply summary %+v: %+v", rep.Summary, rep.Switches[0])
	}
	for _, s := range l.Switches {
		m := s.DSCPMap()
		if m[46] != 3 || m[34] != 2 || m[24] != 1 || m[0] != 0 || !s.Saved() {
			t.Fatalf("%s: ef=%d af41=%d cs3=%d be=%d saved=%v", s.Name(), m[46], m[34], m[24], m[0], s.Saved())
		}
		// One SET for the change, one for the save.
		if st := s.Stats(); st.Set != 2 {
			t.Errorf("%s: %d SETs, want 2", s.Name(), st.Set)
		}
	}
	if rep = e.Audit(ctx, sws); rep.Summary.Compliant != 5 || rep.ExitCode() != agent.ExitOK {
		t.Fatalf("re-audit %+v", rep.Summary)
	}
	// A compliant fleet gets no write at all.
	if rep = e.Apply(ctx, sws, false); rep.Summary.Compliant != 5 {
		t.Fatalf("second apply %+v", rep.Summary)
	}
	for _, s := range l.Switches {
		if st := s.Stats(); st.Set != 2 {
			t.Errorf("%s: second apply wrote (%d SETs)", s.Name(), st.Set)
		}
	}
}

func TestFleetFailuresStayOnTheirSwitch(t *testing.T) {
	l, sws := startLab(t, 4)
	dead, refusing := l.Switches[1], l.Switches[2]
	dead.SetFaults(sim.Faults{Silent: true})
	// FASTPATH-style: rows before varbind 3 are applied, then commitFailed.
	refusing.SetFaults(sim.Faults{CommitFailAt: 3})
	e := newEngine(t)
	rep := e.Apply(context.Background(), sws, false)
	if rep.ExitCode() != agent.ExitError || rep.Summary.Error != 2 || rep.Summary.Changed != 2 {
		t.Fatalf("summary %+v exit %d", rep.Summary, rep.ExitCode())
	}
	byName := map[string]agent.SwitchResult{}
	for _, r := range rep.Switches {
		byName[r.Name] = r
	}
	if r := byName[dead.Name()]; !strings.Contains(r.Error, "no answer from 127.0.0.1") || !strings.Contains(r.Error, "ACL") {
		t.Errorf("dead switch error: %q", r.Error)
	}
	r := byName[refusing.Name()]
	if !strings.Contains(r.Error, "commitFailed on varbind 3") || !strings.Contains(r.Error, "rolled back to backup") {
		t.Errorf("refusing switch error: %q", r.Error)
	}
	if r.Backup == "" {
		t.Error("no backup recorded for the switch that was written")
	}
	// The refusing switch is back at its factory state, not half-written.
	factory := sim.NewGS110TP("factory")
	if refusing.DSCPMap() != factory.DSCPMap() || refusing.Trust(0) != mibs.TrustModeTrustDot1p || refusing.Scheduler(3) != mibs.SchedulerWeighted {
		t.Errorf("refusing switch not restored: ef=%d be=%d", refusing.DSCPMap()[46], refusing.DSCPMap()[0])
	}
	if refusing.SaveCount() != 0 {
		t.Error("a failed switch was saved")
	}
	for _, s := range []*sim.GS110TP{l.Switches[0], l.Switches[3]} {
		if s.DSCPMap()[46] != 3 {
			t.Errorf("%s not applied although its neighbours failed", s.Name())
		}
	}
}

func TestFleetTooManyClassesIsPerSwitchError(t *testing.T) {
	_, sws := startLab(t, 2)
	e := newEngine(t)
	e.Policy.Classes = append(e.Policy.Classes, agent.Class{Name: "scavenger", DSCP: []int{8}})
	rep := e.Audit(context.Background(), sws)
	if rep.Summary.Error != 2 || !strings.Contains(rep.Switches[0].Error, "policy has 5 classes but the switch has 4 queues") {
		t.Fatalf("%+v %q", rep.Summary, rep.Switches[0].Error)
	}
}

func TestInterruptStartsNoNewSwitch(t *testing.T) {
	l, sws := startLab(t, 3)
	e := newEngine(t)
	e.Concurrency = 1
	ctx, cancel := context.WithCancel(context.Background())
	e.Progress = func(done, total, failed int) {
		if done == 1 {
			cancel()
		}
	}
	rep := e.Apply(ctx, sws, false)
	if !rep.Interrupted || rep.ExitCode() != agent.ExitError {
		t.Fatalf("interrupted=%v exit=%d", rep.Interrupted, rep.ExitCode())
	}
	written := 0
	for _, s := range l.Switches {
		if s.Stats().Set > 0 {
			written++
		}
	}
	if rep.Switches[0].Status != agent.StatusChanged || written > 2 {
		t.Fatalf("first=%s written=%d", rep.Switches[0].Status, written)
	}
	if rep.Switches[2].Status != agent.StatusSkipped || !strings.Contains(rep.Switches[2].Reason, "interrupted") {
		t.Fatalf("last switch: %+v", rep.Switches[2])
	}
}

// TestUnsavedFromOutside: a GS110TP cannot show its boot config; whoever
// remembers a write whose save did not complete tells the engine
// (Engine.Unsaved). Audit reports the saved rule, apply saves the switch
// though nothing needs writing.
func TestUnsavedFromOutside(t *testing.T) {
	l, sws := startLab(t, 1)
	e := newEngine(t)
	ctx := context.Background()
	if r := e.Apply(ctx, sws, false).Switches[0]; r.Status != agent.StatusChanged {
		t.Fatalf("apply: %s %s", r.Status, r.Error)
	}
	s := l.Switches[0]
	saves := s.SaveCount()
	unsaved := "run 7 wrote it and its save did not complete"
	e.Unsaved = func(site, name string) string { return unsaved }
	r := e.Audit(ctx, sws).Switches[0]
	if r.Status != agent.StatusDrift || len(r.Findings) != 1 || r.Findings[0].Rule != agent.RuleSaved || !strings.Contains(r.Findings[0].Message, unsaved) {
		t.Fatalf("audit: %s %+v", r.Status, r.Findings)
	}
	r = e.Apply(ctx, sws, false).Switches[0]
	if r.Status != agent.StatusChanged || s.SaveCount() != saves+1 || s.Stats().Set != 2+1 {
		t.Fatalf("apply: %s %s; saves %d -> %d, SETs %d", r.Status, r.Error, saves, s.SaveCount(), s.Stats().Set)
	}
	unsaved = ""
	if r := e.Audit(ctx, sws).Switches[0]; r.Status != agent.StatusCompliant {
		t.Fatalf("re-audit: %s %+v", r.Status, r.Findings)
	}
}

// TestRestoreSavesABackupTakenUnsaved: a backup taken while the switch was
// unsaved carries that reason; restoring it onto a switch already at the
// backup, and still unsaved, must save it, not stop at drift.
func TestRestoreSavesABackupTakenUnsaved(t *testing.T) {
	l, sws := startLab(t, 1)
	e := newEngine(t)
	ctx := context.Background()
	plat, err := e.Registry.Lookup(sws[0].Vendor)
	if err != nil {
		t.Fatal(err)
	}
	a, err := plat.Open(sws[0])
	if err != nil {
		t.Fatal(err)
	}
	backup, err := a.Read(ctx)
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	unsaved := "unsaved: run 3 wrote the running config but its save did not complete"
	backup.Unsaved = unsaved
	e.Unsaved = func(site, name string) string { return unsaved }
	saves := l.Switches[0].SaveCount()
	r := e.Restore(ctx, sws[0], backup, false).Switches[0]
	if r.Status != agent.StatusChanged || l.Switches[0].SaveCount() != saves+1 {
		t.Fatalf("restore: %s %s %+v; saves %d -> %d", r.Status, r.Error, r.Findings, saves, l.Switches[0].SaveCount())
	}
}

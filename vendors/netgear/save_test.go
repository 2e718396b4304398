package netgear_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qosagent/qosagent/internal/sim"
)

// TestSaveWaitsPastNotInitiated: a save whose status still reads
// notInitiated at the first poll has not started; Save waits for
// savingComplete instead of reporting success.
func TestSaveWaitsPastNotInitiated(t *testing.T) {
	s, sw := startSim(t)
	s.SetDSCP(46, 3) // something to save
	s.SetFaults(sim.Faults{SaveStartsAfter: 400 * time.Millisecond, SaveTakes: 300 * time.Millisecond})
	a := open(t, sw)
	if err := a.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !s.Saved() {
		t.Fatal("Save reported success before the switch saved (the notInitiated race)")
	}
}

// TestSaveTimeout: a save still in process at the switch's save timeout is
// reported as not complete, naming the last status; the switch is unsaved.
func TestSaveTimeout(t *testing.T) {
	s, sw := startSim(t)
	s.SetDSCP(46, 3)
	s.SetFaults(sim.Faults{SaveTakes: time.Minute})
	sw.SNMP.SaveTimeout = 500 * time.Millisecond
	a := open(t, sw)
	err := a.Save(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not complete after 500ms") || !strings.Contains(err.Error(), "savingInProcess") {
		t.Fatalf("Save = %v; want not complete after 500ms, last status savingInProcess", err)
	}
	if s.Saved() {
		t.Fatal("switch saved")
	}
}

// TestSaveNotFooledByAnEarlierComplete: after a first save the status
// reads savingComplete; a second save slow to start leaves it so for a
// while, and Save waits until this save is done.
func TestSaveNotFooledByAnEarlierComplete(t *testing.T) {
	s, sw := startSim(t)
	a := open(t, sw)
	if err := a.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The next run (a new adapter) finds the status savingComplete.
	s.SetDSCP(46, 3)
	s.SetFaults(sim.Faults{SaveStartsAfter: 400 * time.Millisecond, SaveTakes: 300 * time.Millisecond})
	if err := open(t, sw).Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !s.Saved() {
		t.Fatal("Save took the earlier save's savingComplete for its own")
	}
	// A save that completes at once is still taken, after a few polls.
	s.SetFaults(sim.Faults{})
	s.SetDSCP(46, 1)
	if err := open(t, sw).Save(context.Background()); err != nil || !s.Saved() {
		t.Fatalf("instant save: %v, saved %v", err, s.Saved())
	}
}

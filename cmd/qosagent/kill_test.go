package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/history"
	"github.com/qosagent/qosagent/internal/clisim"
	"github.com/qosagent/qosagent/internal/lab"
	"github.com/qosagent/qosagent/internal/sim"
)

// TestKilledApplyIsSettledByTheNextRuns kills a real qosagent apply with
// SIGKILL at several points of a switch's transaction, then reads the
// simulated switch directly, runs audit (which must report what the dead
// run left) and apply (which must settle it), and reads the switch again.
func TestKilledApplyIsSettledByTheNextRuns(t *testing.T) {
	bin := builtQosagent(t)
	cases := []struct {
		name string
		// fault stalls the transaction at the point to kill it.
		fault sim.Faults
		// ready reports, from the switch's counters, that the run is there.
		ready func(st sim.Stats) bool
		// written: the switch holds the write when the process dies.
		written bool
	}{
		{"reading", sim.Faults{Delay: time.Minute}, func(st sim.Stats) bool { return st.GetBulk >= 1 }, false},
		{"set-applied-answer-pending", sim.Faults{SetAnswerDelay: time.Minute}, func(st sim.Stats) bool { return st.Set >= 1 }, true},
		{"reading-back", sim.Faults{SlowAfterSet: time.Minute}, func(st sim.Stats) bool { return st.Set >= 1 && st.GetBulk >= 3 }, true},
		{"saving", sim.Faults{SaveStartsAfter: time.Minute}, func(st sim.Stats) bool { return st.Set >= 2 && st.Get >= 1 }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, inv := startLab(t, 1)
			s := l.Switches[0]
			db := filepath.Join(t.TempDir(), "history.db")
			s.SetFaults(tc.fault)
			cmd := exec.Command(bin, "apply", "-i", inv, "--all", "--history", db, "--format", "json",
				"--patience", "30s", "--save-timeout", "30s")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for !tc.ready(s.Stats()) {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("the run never reached the point: %+v\n%s", s.Stats(), stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the process was not killed: %v", cmd.ProcessState)
			}
			s.SetFaults(sim.Faults{})

			// What the dead run left, read from the simulator.
			factory := sim.NewGS110TP("x").DSCPMap()
			if written := s.DSCPMap() != factory; written != tc.written {
				t.Fatalf("switch written = %v, want %v", written, tc.written)
			}
			if tc.written && s.Saved() {
				t.Fatal("the switch was saved before the kill: the point was missed")
			}

			// audit reports it, naming the run that left it; drift exits 1.
			code, out, errOut := qosagent(t, nil, "audit", "-i", inv, "--history", db, "--format", "json")
			if code != agent.ExitDrift {
				t.Fatalf("audit after the kill: exit %d\n%s\n%s", code, out, errOut)
			}
			var rep agent.Report
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			r := rep.Switches[0]
			inDoubt := false
			for _, f := range r.Findings {
				if f.Rule == agent.RuleSaved && strings.Contains(f.Message, "in-doubt: run 1 ") && strings.Contains(f.Message, "never recorded how it ended") {
					inDoubt = true
				}
			}
			if r.Status != agent.StatusDrift || inDoubt != tc.written {
				t.Fatalf("audit after the kill: status %s, in-doubt finding %v (want %v): %+v", r.Status, inDoubt, tc.written, r.Findings)
			}

			// apply settles it: at target and saved.
			code, out, errOut = qosagent(t, nil, "apply", "-i", inv, "--all", "--history", db, "--format", "json")
			if code != agent.ExitOK {
				t.Fatalf("apply after the kill: exit %d\n%s\n%s", code, out, errOut)
			}
			if s.DSCPMap()[46] != 3 || !s.Saved() {
				t.Fatalf("after the settling apply: EF on queue %d, saved %v", s.DSCPMap()[46], s.Saved())
			}
			// And the next audit finds nothing left.
			if code, out, errOut := qosagent(t, nil, "audit", "-i", inv, "--history", db, "--format", "json"); code != agent.ExitOK {
				t.Fatalf("audit after the settling apply: exit %d\n%s\n%s", code, out, errOut)
			}
			left, said := "backup (nothing written)", "drift (the policy's findings)"
			if tc.written {
				left, said = "target, unsaved", "drift, saved rule: in-doubt, run 1"
			}
			point := map[string]string{"set-applied-answer-pending": "its SET, applied, waits for its answer", "reading-back": "reading back"}[tc.name]
			if point == "" {
				point = tc.name
			}
			killRow(t, point, "netgear-gs110tp", left, said)
		})
	}
}

// TestUnsavedSwitchIsSavedByTheNextApply: a save cut off by its timeout
// leaves the switch unsaved in the history; audit reports it as drift and
// the next apply saves it although its running state needs no change.
func TestUnsavedSwitchIsSavedByTheNextApply(t *testing.T) {
	l, inv := startLab(t, 1)
	s := l.Switches[0]
	db := filepath.Join(t.TempDir(), "history.db")
	s.SetFaults(sim.Faults{SaveStartsAfter: time.Minute})
	code, out, errOut := qosagent(t, nil, "apply", "-i", inv, "--all", "--history", db, "--format", "json", "--patience", "1s", "--save-timeout", "1s")
	if code != agent.ExitError || !strings.Contains(out, "saving to startup config failed") {
		t.Fatalf("apply with a save slower than its timeout: exit %d\n%s\n%s", code, out, errOut)
	}
	s.SetFaults(sim.Faults{})
	if s.DSCPMap()[46] != 3 || s.Saved() {
		t.Fatalf("EF on queue %d, saved %v: want written and unsaved", s.DSCPMap()[46], s.Saved())
	}
	// history --pending names the switch and the run that left it unsaved.
	code, out, _ = qosagent(t, nil, "history", "--history", db, "--pending", "--format", "json")
	var pending []history.Intent
	if err := json.Unmarshal([]byte(out), &pending); err != nil || code != agent.ExitOK {
		t.Fatalf("history --pending: exit %d, %v\n%s", code, err, out)
	}
	if len(pending) != 1 || pending[0].Switch != "lab-sw1" || pending[0].RunID != 1 || pending[0].Outcome != history.OutcomeUnsaved {
		t.Fatalf("history --pending = %+v", pending)
	}
	code, out, _ = qosagent(t, nil, "audit", "-i", inv, "--history", db, "--format", "json")
	var rep agent.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if code != agent.ExitDrift || rep.Switches[0].Status != agent.StatusDrift || len(rep.Switches[0].Findings) != 1 ||
		rep.Switches[0].Findings[0].Rule != agent.RuleSaved || !strings.Contains(rep.Switches[0].Findings[0].Message, "unsaved: run 1 ") {
		t.Fatalf("audit of an unsaved switch: exit %d %+v", code, rep.Switches[0])
	}
	code, out, errOut = qosagent(t, nil, "apply", "-i", inv, "--all", "--history", db, "--format", "json")
	if code != agent.ExitOK || !s.Saved() {
		t.Fatalf("apply of an unsaved switch: exit %d, saved %v (%d saves)\n%s\n%s", code, s.Saved(), s.SaveCount(), out, errOut)
	}
	if code, out, _ := qosagent(t, nil, "audit", "-i", inv, "--history", db, "--format", "json"); code != agent.ExitOK {
		t.Fatalf("audit after the save: exit %d\n%s", code, out)
	}
	if _, out, _ := qosagent(t, nil, "history", "--history", db, "--pending", "--format", "json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("history --pending after the save = %s, want []", out)
	}
	if code, out, _ := qosagent(t, nil, "history", "--history", db, "--pending", "--format", "table"); code != agent.ExitOK || !strings.Contains(out, "RUN") {
		t.Fatalf("history --pending table: exit %d\n%s", code, out)
	}
}

// TestInvalidInputAfterInventoryReportsSkipped: a bad policy found after
// the inventory loaded still prints the report, every switch skipped with
// the reason, and exits 3 without contacting any switch.
func TestInvalidInputAfterInventoryReportsSkipped(t *testing.T) {
	l, inv := startLab(t, 2)
	bad := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(bad, []byte("classes: nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"audit"}, {"apply", "--all"}} {
		code, out, errOut := qosagent(t, nil, append(args, "-i", inv, "--policy", bad, "--format", "json", "--history", "none")...)
		if code != agent.ExitInvalid {
			t.Fatalf("%s with a bad policy: exit %d\n%s", args[0], code, errOut)
		}
		var rep agent.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%s: report: %v\n%q", args[0], err, out)
		}
		if rep.Command != args[0] || len(rep.Switches) != 2 || rep.Summary.Skipped != 2 {
			t.Fatalf("%s: report %+v", args[0], rep)
		}
		for _, r := range rep.Switches {
			if r.Status != agent.StatusSkipped || !strings.Contains(r.Reason, bad) {
				t.Errorf("%s: %s %s %q", args[0], r.Name, r.Status, r.Reason)
			}
		}
	}
	if requests(l) != 0 {
		t.Error("a switch was contacted")
	}
}

// TestKilledCLIApplyDuringSave kills a real apply while a CLI switch is
// saving (its save takes 8 s): the switch runs its target config but
// would boot with the old one; audit says so (the device's boot config and
// the open intent), and the next apply saves it.
func TestKilledCLIApplyDuringSave(t *testing.T) {
	bin := builtQosagent(t)
	l, err := lab.Start(context.Background(), lab.Config{CLI: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	inv := filepath.Join(t.TempDir(), "lab.yaml")
	if err := l.WriteInventory(inv); err != nil {
		t.Fatal(err)
	}
	s := l.CLISwitches[0]
	db := filepath.Join(t.TempDir(), "history.db")
	s.SetFaults(clisim.Faults{SaveTakes: 8 * time.Second})
	cmd := exec.Command(bin, "apply", "-i", inv, "--all", "--history", db, "--format", "json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Config lines written, then the read-back and the save command: the
	// save holds for 8 s, so two seconds after the write it is on.
	for deadline := time.Now().Add(20 * time.Second); s.ConfigLines() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("apply never wrote\n%s", stderr.String())
		}
	}
	time.Sleep(2 * time.Second)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	s.SetFaults(clisim.Faults{})
	if s.Saved() || s.SaveCount() != 0 {
		t.Fatalf("saved before the kill (saves %d): the point was missed\n%s", s.SaveCount(), stderr.String())
	}
	code, out, errOut := qosagent(t, nil, "audit", "-i", inv, "--history", db, "--format", "json")
	var rep agent.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("audit: %v\n%s", err, errOut)
	}
	saved := false
	for _, f := range rep.Switches[0].Findings {
		saved = saved || f.Rule == agent.RuleSaved
	}
	if code != agent.ExitDrift || !saved {
		t.Fatalf("audit after the kill: exit %d, findings %+v", code, rep.Switches[0].Findings)
	}
	code, out, errOut = qosagent(t, nil, "apply", "-i", inv, "--all", "--history", db, "--format", "json")
	if code != agent.ExitOK || !s.Saved() {
		t.Fatalf("apply after the kill: exit %d, saved %v\n%s\n%s", code, s.Saved(), out, errOut)
	}
	if code, out, _ := qosagent(t, nil, "audit", "-i", inv, "--history", db, "--format", "json"); code != agent.ExitOK {
		t.Fatalf("audit after the settling apply: exit %d\n%s", code, out)
	}
	killRow(t, "saving", "cisco-ios", "target, unsaved", "drift, saved rule: the startup config differs")
}

// killRow adds a row to the SIGKILL table of the fault matrix when
// QOSAGENT_FAULT_MATRIX names it (bench/faults.sh): where the killed run
// left the switch, what the next audit said, and that the next apply left
// it at its target and saved (the test fails otherwise).
func killRow(t *testing.T, point, vendor, left, audit string) {
	t.Helper()
	path := os.Getenv("QOSAGENT_FAULT_MATRIX")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("fault matrix: %v", err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "| while %s | %s | %s | %s ✓ | target+saved ✓ |\n", point, vendor, left, audit); err != nil {
		t.Fatalf("fault matrix: %v", err)
	}
}

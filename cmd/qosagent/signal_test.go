package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/history"
	"github.com/qosagent/qosagent/internal/sim"
)

// TestSignalStopsNewSwitches signals a real qosagent process during apply:
// the switch in flight finishes, no other is started, the run is recorded
// as interrupted and the exit code is 2.
func TestSignalStopsNewSwitches(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			bin := builtQosagent(t)
			l, inv := startLab(t, 4)
			// The first switch does not answer, so the run is still on it
			// (1 s timeout, 1 retry) when the signal arrives.
			l.Switches[0].SetFaults(sim.Faults{Silent: true})
			db := filepath.Join(t.TempDir(), "history.db")
			cmd := exec.Command(bin, "apply", "-i", inv, "--all", "--concurrency", "1", "--history", db, "--format", "json")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(700 * time.Millisecond)
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			code := cmd.ProcessState.ExitCode()
			if code != agent.ExitError {
				t.Fatalf("exit %d (%v)\n%s", code, err, stderr.String())
			}
			var rep agent.Report
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("report: %v\n%s", err, stdout.String())
			}
			if !rep.Interrupted || rep.Switches[0].Status != agent.StatusError || !strings.Contains(rep.Switches[0].Error, "no answer") {
				t.Fatalf("report: interrupted=%v first=%+v", rep.Interrupted, rep.Switches[0])
			}
			for i, s := range l.Switches[1:] {
				if s.Stats().Get+s.Stats().GetBulk+s.Stats().Set != 0 {
					t.Errorf("switch %d was contacted after the signal", i+2)
				}
				if r := rep.Switches[i+1]; r.Status != agent.StatusSkipped || !strings.Contains(r.Reason, "not started: run interrupted") {
					t.Errorf("switch %d: %+v", i+2, r)
				}
			}
			store, err := history.Open(context.Background(), db, history.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			runs, err := store.Runs(context.Background(), history.Filter{})
			if err != nil || len(runs) != 1 || !runs[0].Interrupted || runs[0].ExitCode == nil || *runs[0].ExitCode != agent.ExitError {
				t.Fatalf("history: %v %+v", err, runs)
			}
		})
	}
}

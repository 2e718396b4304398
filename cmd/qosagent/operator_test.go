package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/qosagent/qosagent/agent"
)

// TestHistoryRecordsTheProcessExitCode: a metrics file that cannot be
// written makes the run exit 2, and the history says 2, not the report's 1.
func TestHistoryRecordsTheProcessExitCode(t *testing.T) {
	_, inv := startLab(t, 1)
	prom := filepath.Join(t.TempDir(), "missing-dir", "qosagent.prom")
	code, _, errOut := qosagent(t, nil, "audit", "-i", inv, "--format", "json", "--prom-textfile", prom)
	if code != agent.ExitError {
		t.Fatalf("audit with an unwritable metrics file: exit %d, want 2\n%s", code, errOut)
	}
	code, out, errOut := qosagent(t, nil, "history", "--format", "json")
	if code != 0 {
		t.Fatalf("history: exit %d %s", code, errOut)
	}
	var runs []struct {
		ExitCode *int `json:"exit_code"`
	}
	if err := json.Unmarshal([]byte(out), &runs); err != nil || len(runs) != 1 || runs[0].ExitCode == nil {
		t.Fatalf("history: %v\n%s", err, out)
	}
	if *runs[0].ExitCode != agent.ExitError {
		t.Fatalf("history says exit %d, the process returned %d", *runs[0].ExitCode, code)
	}
}

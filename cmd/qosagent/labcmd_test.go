package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qosagent/qosagent/agent"
)

// TestLabPastOneProcessOpenFiles: `qosagent lab` with more GS110TPs than
// one process may hold sockets for runs itself as several processes, and
// its inventory audits cleanly. The limit is lowered (sh's ulimit) so that
// 1,000 switches need three processes, as 100,000 need six under the
// 20,000 open files of a CI machine.
func TestLabPastOneProcessOpenFiles(t *testing.T) {
	bin := builtQosagent(t)
	inv := filepath.Join(t.TempDir(), "lab.yaml")
	cmd := exec.Command("sh", "-c", `ulimit -n 600 && exec "$0" lab --switches 1000 --cli-switches 1 --rtt 1ms --inventory-out "$1"`, bin, inv)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("lab ended with %v", err)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Error("lab did not stop on SIGINT")
		}
	}()
	rd := bufio.NewReader(stdout)
	first, err := rd.ReadString('\n')
	if err != nil {
		t.Fatalf("lab: %v", err)
	}
	if !strings.Contains(first, "1000 simulated GS110TP") || !strings.Contains(first, "in 3 process(es)") {
		t.Fatalf("lab says %q; want 1000 GS110TPs in 3 processes", first)
	}
	go rd.WriteTo(io.Discard)
	code, out, errOut := qosagent(t, nil, "audit", "-i", inv, "--history", "none", "--format", "json", "--log-level", "warn")
	var rep struct{ Summary agent.Summary }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d: %v; stderr %s", code, err, errOut)
	}
	if code != agent.ExitDrift || rep.Summary.Switches != 1001 || rep.Summary.Drift != 1001 || rep.Summary.Error != 0 {
		t.Fatalf("exit %d, summary %+v, stderr %s", code, rep.Summary, errOut)
	}
}

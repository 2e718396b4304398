package main

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/agent"
)

// TestFleetPastTheOpenFileLimitFailsFast: a concurrency whose sockets would
// not fit RLIMIT_NOFILE fails before any switch is contacted, naming the
// limit and the setting to change. The command runs as a real process under
// a lowered limit (sh's ulimit sets soft and hard).
func TestFleetPastTheOpenFileLimitFailsFast(t *testing.T) {
	bin := builtQosagent(t)
	l, inv := startLab(t, 300)
	for _, args := range [][]string{
		{"audit", "-i", inv, "--concurrency", "256", "--history", "none"},
		{"apply", "-i", inv, "--all", "--dry-run", "--concurrency", "256", "--history", "none"},
	} {
		cmd := exec.Command("sh", append([]string{"-c", `ulimit -n 200 && exec "$0" "$@"`, bin}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != agent.ExitInvalid {
			t.Fatalf("%v: %v, stderr %s; want exit 3", args, err, stderr.String())
		}
		for _, want := range []string{"--concurrency 256", "RLIMIT_NOFILE", "may open 200", "at most 136", "ulimit -n"} {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("%v: stderr %q lacks %q", args, stderr.String(), want)
			}
		}
	}
	if n := requests(l); n != 0 {
		t.Fatalf("%d requests reached the switches before the limit was checked", n)
	}
}

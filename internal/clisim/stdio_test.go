package clisim

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStdioProgram builds cmd/clisim and checks that a config change and
// a save in one session are there in the next one.
func TestStdioProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "clisim")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/clisim").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	state := filepath.Join(dir, "state.json")
	session := func(input string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"-dialect", "cisco-ios", "-hostname", "sw1", "-state", state}, args...)...)
		cmd.Stdin = strings.NewReader(input)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("clisim: %v\n%s", err, out)
		}
		return strings.ReplaceAll(string(out), "\r\n", "\n")
	}

	out := session("enable\nsecret\nconfigure terminal\nmls qos\nmls qos srr-queue output dscp-map queue 1 threshold 3 34\nend\nwrite memory\n"+
		"configure terminal\ninterface gi0/1\nmls qos trust dscp\nend\nexit\n", "-enable-secret", "secret")
	if !strings.Contains(out, "[OK]") || strings.Contains(out, "Invalid") {
		t.Fatalf("first session:\n%s", out)
	}
	fi, err := os.Stat(state)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
	var st State
	b, _ := os.ReadFile(state)
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if st.SaveCount != 1 || st.Running.Map[34].Queue != 1 || st.Startup.Ports[0].Trust != "" || st.Running.Ports[0].Trust != "dscp" {
		t.Errorf("state after the first session: %+v", st)
	}

	// The hostname flag only names a new switch; the state keeps its own.
	out = session("enable\nterminal length 0\nshow mls qos\nshow mls qos maps dscp-output-q\nshow mls qos interface gi0/1\nexit\n", "-hostname", "other")
	for _, want := range []string{"sw1#", "QoS is enabled", "      3 :    03-01 03-01 04-01 04-01 01-03", "trust state: trust dscp"} {
		if !strings.Contains(out, want) {
			t.Errorf("second session lacks %q:\n%s", want, out)
		}
	}

	// A state file of another dialect is refused.
	cmd := exec.Command(bin, "-dialect", "cisco-sb", "-state", state)
	cmd.Stdin = strings.NewReader("exit\n")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("cisco-sb session on a cisco-ios state:\n%s", out)
	}

	// A variant keeps its variant: a 7-class FASTPATH takes class 6, and
	// its state refuses the default variant.
	fp := filepath.Join(dir, "fastpath.json")
	run := func(input string, args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"-dialect", "netgear-fastpath", "-state", fp}, args...)...)
		cmd.Stdin = strings.NewReader(input)
		out, err := cmd.CombinedOutput()
		return strings.ReplaceAll(string(out), "\r\n", "\n"), err
	}
	out, err = run("enable\nconfigure\nclassofservice ip-dscp-mapping 46 6\nexit\nwrite memory confirm\nexit\n", "-queues", "7")
	if err != nil || strings.Contains(out, "Invalid") || !strings.Contains(out, "created successfully") {
		t.Errorf("7-class session: %v\n%s", err, out)
	}
	if out, err := run("exit\n"); err == nil {
		t.Errorf("default FASTPATH session on a 7-class state:\n%s", out)
	}
}

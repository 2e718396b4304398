package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The capture fixtures are built and pinned by the capture package's
// TestGolden.
const (
	callPcap = "../../capture/testdata/call.pcap"
	okPcapng = "../../capture/testdata/ok.pcapng"
)

// capturePolicy is the policy those fixtures were checked against.
const capturePolicy = `classes:
  - { name: audio,     dscp: [46] }
  - { name: video,     dscp: [34] }
  - { name: signaling, dscp: [24] }
  - { name: default,   dscp: [0] }
endpoints:
  modalities:
    - { name: audio,     class: audio,     protocol: udp, source_ports: 6000-6019 }
    - { name: video,     class: video,     protocol: udp, source_ports: 6020-6039 }
    - { name: signaling, class: signaling, protocol: tcp, destination_ports: "5061" }
`

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCaptureCheck(t *testing.T) {
	pol := writeFile(t, "policy.yaml", capturePolicy)
	code, out, stderr := qosagent(t, nil, "capture", "check", callPcap, "--policy", pol, "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (mismarked flows); stderr %s", code, stderr)
	}
	var rep struct {
		Command string `json:"command"`
		File    string `json:"file"`
		Policy  struct {
			Endpoints struct {
				Modalities []struct{ Name string } `json:"modalities"`
			} `json:"endpoints"`
		} `json:"policy"`
		Summary map[string]int `json:"summary"`
		Flows   []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := map[string]int{"packets": 35, "flows": 8, "ok": 2, "mismarked": 4, "out_of_range": 1, "other": 1}
	for k, v := range want {
		if rep.Summary[k] != v {
			t.Errorf("summary %s = %d, want %d", k, rep.Summary[k], v)
		}
	}
	if rep.Command != "capture check" || rep.File != callPcap || len(rep.Policy.Endpoints.Modalities) != 3 || len(rep.Flows) != 8 {
		t.Errorf("command %q, file %q, policy %+v, %d flows", rep.Command, rep.File, rep.Policy, len(rep.Flows))
	}

	code, out, _ = qosagent(t, nil, "capture", "check", callPcap, "--policy", pol, "--format", "table")
	if code != 1 || !strings.Contains(out, "What to fix:") || !strings.Contains(out, "configure the sender's (phone's or client's) media port range to 6000-6019") {
		t.Errorf("table: exit %d\n%s", code, out)
	}

	code, out, stderr = qosagent(t, nil, "capture", "check", okPcapng, "--policy", pol, "--format", "json")
	if code != 0 || !strings.Contains(out, `"ok":2`) {
		t.Errorf("ok capture: exit %d, stderr %s\n%s", code, stderr, out)
	}

	// --modality: only signaling (and media outside every range).
	code, out, _ = qosagent(t, nil, "capture", "check", callPcap, "--policy", pol, "--modality", "signaling", "--format", "json")
	if code != 1 || strings.Count(out, `"protocol":"tcp","src"`) != 2 || strings.Count(out, `"status":"out-of-range"`) != 1 || strings.Contains(out, `"modality":"audio"`) {
		t.Errorf("--modality signaling: exit %d\n%s", code, out)
	}
}

func TestCapturePreset(t *testing.T) {
	code, out, stderr := qosagent(t, nil, "capture", "check", okPcapng, "--preset", "lync-2014", "--format", "json")
	// lync-2014 puts 6021 in audio (6000-6024), which the fixture marks AF41.
	if code != 1 || !strings.Contains(out, `"applications":["lync.exe"]`) || !strings.Contains(out, `"src":"[2001:db8::9]:6021","dst":"[2001:db8::5]:6022","modality":"audio"`) {
		t.Errorf("exit %d, stderr %s\n%s", code, stderr, out)
	}
}

func TestCaptureBadInput(t *testing.T) {
	pol := writeFile(t, "policy.yaml", capturePolicy)
	noEndpoints := writeFile(t, "switches.yaml", "classes:\n  - { name: audio, dscp: [46] }\n  - { name: default, dscp: [0] }\n")
	notCapture := writeFile(t, "notes.txt", "this is not a capture\n")
	b, err := os.ReadFile(callPcap)
	if err != nil {
		t.Fatal(err)
	}
	cutHeader := writeFile(t, "cut.pcap", string(b[:24+8]))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no policy", []string{callPcap}, "no policy with an endpoints: section given"},
		{"policy without endpoints", []string{callPcap, "--policy", noEndpoints}, "switches.yaml: the policy has no endpoints section"},
		{"not a capture", []string{notCapture, "--policy", pol}, "not a capture file"},
		{"cut in a record header", []string{cutHeader, "--policy", pol}, "at byte 24: the file ends in the middle of the record header of packet 1"},
		{"missing file", []string{"/nonexistent.pcap", "--policy", pol}, "no such file"},
		{"unknown modality", []string{callPcap, "--policy", pol, "--modality", "fax"}, `--modality "fax": not a modality of the policy; expected one of audio, video, signaling`},
		{"file and live", []string{callPcap, "--live", "lo", "--policy", pol}, "a capture FILE or --live IFACE"},
		{"neither", []string{"--policy", pol}, "a capture FILE or --live IFACE"},
		{"bad duration", []string{"--live", "lo", "--duration", "0s", "--policy", pol}, "--duration 0s"},
		{"unknown interface", []string{"--live", "nosuch0", "--policy", pol}, "no such interface"},
		{"preset and policy", []string{callPcap, "--policy", pol, "--preset", "teams"}, "--preset and --policy both given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := qosagent(t, nil, append([]string{"capture", "check", "--format", "json"}, tc.args...)...)
			if code != 3 || !strings.Contains(stderr, tc.want) || out != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want 3 and %q", code, stderr, out, tc.want)
			}
		})
	}
}

// TestCaptureLiveNeedsPrivilege: without root or CAP_NET_RAW a live capture
// says what it needs and exits 3. As root the binary runs as nobody.
func TestCaptureLiveNeedsPrivilege(t *testing.T) {
	bin := builtQosagent(t)
	dir, err := os.MkdirTemp("", "qosagent-live-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	pol := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(pol, []byte(capturePolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "capture", "check", "--live", "lo", "--duration", "1s", "--policy", pol)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+dir, "XDG_STATE_HOME="+dir, "HOME="+dir)
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 3 || !strings.Contains(stderr.String(), "needs root or the CAP_NET_RAW capability") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

// TestCaptureLive: as root, a short live capture on lo reports and exits 0
// or 1 (other tests' traffic may be there), never 3.
func TestCaptureLive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root")
	}
	pol := writeFile(t, "policy.yaml", capturePolicy)
	code, out, stderr := qosagent(t, nil, "capture", "check", "--live", "lo", "--duration", "300ms", "--policy", pol, "--format", "json")
	if code > 1 || !strings.Contains(out, `"interface":"lo"`) {
		t.Errorf("exit %d, stderr %s\n%s", code, stderr, out)
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/agent"
)

const testClasses = `classes:
  - { name: audio,     dscp: [46] }
  - { name: video,     dscp: [34] }
  - { name: signaling, dscp: [24] }
  - { name: default,   dscp: [0] }
`

func writePolicy(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(p, []byte(testClasses+body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEndpointsCheckExitCodes(t *testing.T) {
	clean := writePolicy(t, "endpoints:\n  applications: [lync.exe]\n  modalities:\n    - {name: audio, class: audio, protocol: both, source_ports: 6000-6024}\n")
	warn := writePolicy(t, "endpoints:\n  applications: []\n  modalities:\n    - {name: audio, class: audio, protocol: both, source_ports: 6000-6024}\n")
	lintErr := writePolicy(t, "endpoints:\n  modalities:\n    - {name: audio, class: audio, protocol: both, source_ports: 6000-6010}\n")
	badInput := writePolicy(t, "endpoints:\n  modalities:\n    - {name: audio, class: audio, protocol: both, source_ports: 6024-6000}\n")
	noEndpoints := writePolicy(t, "")
	for _, tt := range []struct {
		name string
		args []string
		code int
		out  string // in stdout, or stderr for exit 3 without a report
	}{
		{"clean", []string{"endpoints", "check", "--policy", clean, "--format", "table"}, agent.ExitOK, "0 errors, 0 warnings"},
		{"preset", []string{"endpoints", "check", "--preset", "lync-2014", "--format", "table"}, agent.ExitOK, "open UDP 6000-6049"},
		{"warnings", []string{"endpoints", "check", "--policy", warn, "--format", "table"}, agent.ExitDrift, "warning: all-applications"},
		{"lint error", []string{"endpoints", "check", "--policy", lintErr, "--format", "table"}, agent.ExitInvalid, "error: short-range"},
		{"target rules", []string{"endpoints", "check", "--preset", "teams", "--target", "polycom", "--format", "json"}, agent.ExitInvalid, `"rule": "polycom-range"`},
		{"bad input", []string{"endpoints", "check", "--policy", badInput}, agent.ExitInvalid, "policy.yaml:8: endpoints.modalities[0] (audio): source_ports: 6024-6000: the first port is above the last"},
		{"no endpoints", []string{"endpoints", "check", "--policy", noEndpoints}, agent.ExitInvalid, "has no endpoints: section"},
		{"no policy", []string{"endpoints", "check"}, agent.ExitInvalid, "expected --policy FILE, --preset NAME"},
		{"unknown preset", []string{"endpoints", "check", "--preset", "team"}, agent.ExitInvalid, `--preset "team" is unknown (did you mean "teams"?)`},
		{"preset and policy", []string{"endpoints", "check", "--preset", "teams", "--policy", clean}, agent.ExitInvalid, "--preset and --policy both given"},
		{"unknown target", []string{"endpoints", "render", "sip", "--preset", "teams"}, agent.ExitInvalid, `target "sip" is unknown`},
		{"no-nla on skype", []string{"endpoints", "render", "skype", "--preset", "teams", "--no-nla"}, agent.ExitInvalid, "--no-nla applies to"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := qosagent(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.out) {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q; want %q", code, tt.code, out, errOut, tt.out)
			}
		})
	}
}

// A render the linter refuses writes nothing: an earlier --out file stays
// as it was, and no temporary file is left beside it.
func TestEndpointsRenderWithLintErrorWritesNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "Registry.pol")
	if err := os.WriteFile(out, []byte("earlier"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := writePolicy(t, "endpoints:\n  applications: [lync.exe]\n  modalities:\n    - {name: audio, class: audio, protocol: both, source_ports: 6000-6024}\n    - {name: video, class: video, protocol: both, source_ports: 6020-6049}\n")
	for _, target := range []string{"gpo", "reg", "powershell", "skype", "teams", "polycom"} {
		code, stdout, errOut := qosagent(t, nil, "endpoints", "render", target, "--policy", bad, "--out", out)
		if code != agent.ExitInvalid || !strings.Contains(errOut, "nothing written") || !strings.Contains(errOut, "overlap") {
			t.Fatalf("%s: exit %d, stderr %q", target, code, errOut)
		}
		if stdout != "" {
			t.Fatalf("%s: wrote %q to stdout", target, stdout)
		}
		if code, stdout, _ := qosagent(t, nil, "endpoints", "render", target, "--policy", bad); code != agent.ExitInvalid || stdout != "" {
			t.Fatalf("%s without --out: exit %d, stdout %q", target, code, stdout)
		}
	}
	if got, _ := os.ReadFile(out); string(got) != "earlier" {
		t.Fatalf("--out file changed to %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("files left: %v", entries)
	}
}

func TestEndpointsRenderOut(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "Registry.pol")
	if err := os.WriteFile(out, []byte("earlier"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, errOut := qosagent(t, nil, "endpoints", "render", "gpo", "--preset", "lync-2014", "--out", out)
	if code != agent.ExitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	pol, _ := os.ReadFile(out)
	golden, _ := os.ReadFile(filepath.Join("..", "..", "endpoints", "testdata", "lync-2014", "gpo.pol"))
	if !bytes.Equal(pol, golden) || len(pol) == 0 {
		t.Fatalf("--out holds %d bytes, not the golden Registry.pol", len(pol))
	}
	companion, err := os.ReadFile(out + ".txt")
	if err != nil || !strings.Contains(string(companion), "from policy preset lync-2014, sha256 ") {
		t.Fatalf("companion: %v %q", err, companion)
	}
	if !strings.Contains(errOut, "Registry.pol from policy preset lync-2014, sha256 ") {
		t.Errorf("stderr lacks the provenance: %q", errOut)
	}
	// A text target to stdout, with its notes on stderr.
	code, stdout, errOut = qosagent(t, nil, "endpoints", "render", "skype", "--preset", "lync-2014")
	if code != agent.ExitOK || !strings.Contains(stdout, "-ClientAudioPort 6000 -ClientAudioPortRange 25 -ClientVideoPort 6025 -ClientVideoPortRange 25 -ClientAppSharingPort 6050 -ClientAppSharingPortRange 25 -ClientFileTransferPort 6075 -ClientFileTransferPortRange 25") || !strings.Contains(errOut, "note: firewall") {
		t.Fatalf("skype: exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
}

func TestPolicyShow(t *testing.T) {
	for _, preset := range agent.PresetNames() {
		code, out, errOut := qosagent(t, nil, "policy", "show", "--preset", preset)
		want, _ := agent.Preset(preset)
		if code != agent.ExitOK || out != string(want) {
			t.Fatalf("%s: exit %d, stderr %q", preset, code, errOut)
		}
		// What it prints is a policy the other commands take.
		p := filepath.Join(t.TempDir(), preset+".yaml")
		os.WriteFile(p, []byte(out), 0o600)
		if code, _, errOut := qosagent(t, nil, "endpoints", "check", "--policy", p); code == agent.ExitInvalid {
			t.Fatalf("%s: check of the printed policy: %s", preset, errOut)
		}
	}
	code, out, _ := qosagent(t, nil, "policy", "show")
	if code != agent.ExitOK || !strings.Contains(out, "built-in default policy") {
		t.Fatalf("default: exit %d, %q", code, out)
	}
	if _, err := agent.ParsePolicy("shown.yaml", []byte(out)); err != nil {
		t.Fatalf("the default policy as shown does not parse: %v", err)
	}
	bad := writePolicy(t, "endpoints:\n  modalities:\n    - {name: voice, class: audio, protocol: both, source_ports: 6000-6024}\n")
	if code, _, errOut := qosagent(t, nil, "policy", "show", "--policy", bad); code != agent.ExitInvalid || !strings.Contains(errOut, `policy.yaml:8: endpoints.modalities[0]: name "voice" is not a modality`) {
		t.Fatalf("bad policy: exit %d, %q", code, errOut)
	}
}

func TestEndpointsExplain(t *testing.T) {
	_, inv := startLab(t, 1)
	code, out, errOut := qosagent(t, nil, "endpoints", "explain", "-i", inv, "--preset", "lync-2014", "--format", "table")
	if code != agent.ExitOK || !strings.Contains(out, "netgear-gs110tp") || !strings.Contains(out, "EF 46") || !strings.Contains(out, "source ports 6000-6024") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// The teams preset against a fleet on the built-in policy: AF21 18 is unclassified there.
	code, out, _ = qosagent(t, nil, "endpoints", "explain", "-i", inv, "--preset", "teams", "--format", "json")
	if code != agent.ExitOK || !strings.Contains(out, `"rank": "unclassified"`) {
		t.Fatalf("teams: exit %d, %s", code, out)
	}
	code, out, _ = qosagent(t, nil, "endpoints", "check", "-i", inv, "--preset", "teams", "--format", "table")
	if code != agent.ExitInvalid || !strings.Contains(out, "unqueued-mark") {
		t.Fatalf("check against the inventory's switches: exit %d, %s", code, out)
	}
}

// --preset works wherever --policy does.
func TestPresetForFleetCommands(t *testing.T) {
	_, inv := startLab(t, 1)
	code, out, errOut := qosagent(t, nil, "inventory", "validate", "-i", inv, "--preset", "rfc4594")
	if code != agent.ExitOK || !strings.Contains(out, "policy with 4 classes") {
		t.Fatalf("exit %d, %q %q", code, out, errOut)
	}
	if code, _, errOut := qosagent(t, nil, "audit", "-i", inv, "--preset", "nope"); code != agent.ExitInvalid || !strings.Contains(errOut, `--preset "nope" is unknown; known: lync-2014, rfc4594, teams`) {
		t.Fatalf("unknown preset: exit %d, %q", code, errOut)
	}
}

package agent

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/qosagent/qosagent/vendors"
)

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"design example", `
classes:
  - { name: audio,     dscp: [46] }
  - { name: video,     dscp: [34] }
  - { name: signaling, dscp: [24] }
  - { name: default,   dscp: [0] }
ef_exclusive: false
trust: dscp
trust_ports: all
`, ""},
		{"port list", "classes: [{name: a, dscp: [46]}, {name: b, dscp: [0]}]\ntrust_ports: [\"1\", \"2\"]\n", ""},
		{"dscp 64", "classes: [{name: a, dscp: [46]}, {name: b, dscp: [64]}]\n", "policy.yaml:1: classes[1] (b): dscp 64 is out of range; expected 0..63"},
		{"dscp 64 block", "classes:\n  - name: a\n    dscp: [46]\n  - name: b\n    dscp:\n      - 0\n      - 64\n", "policy.yaml:7: classes[1] (b): dscp 64 is out of range"},
		{"negative dscp", "classes: [{name: a, dscp: [46]}, {name: b, dscp: [-1]}]\n", "dscp -1 is out of range"},
		{"dscp twice", "classes: [{name: a, dscp: [46, 34]}, {name: b, dscp: [34]}]\n", "dscp 34 is already listed in class a"},
		{"EF not on top", "classes: [{name: video, dscp: [34]}, {name: audio, dscp: [46]}]\n", "policy.yaml:1: classes[0] (video): must hold EF (dscp 46)"},
		{"one class", "classes: [{name: a, dscp: [46]}]\n", "expected at least 2"},
		{"empty class", "classes: [{name: a, dscp: [46]}, {name: b, dscp: []}]\n", "classes[1] (b): dscp: empty"},
		{"duplicate name", "classes: [{name: a, dscp: [46]}, {name: a, dscp: [0]}]\n", `name "a" is used twice`},
		{"unknown key", "classes: [{name: a, dscp: [46]}, {name: b, dscp: [0]}]\nef_exclusiv: true\n", `policy.yaml:2: ef_exclusiv: unknown key (did you mean "ef_exclusive"?); known: classes, ef_exclusive,`},
		{"unknown class key", "classes: [{name: a, dscp: [46], dcsp: [1]}, {name: b, dscp: [0]}]\n", `policy.yaml:1: classes[0].dcsp: unknown key (did you mean "dscp"?); known: name, dscp`},
		{"empty file", "", "the policy is empty; expected classes:"},
		{"trust dot1p", "classes: [{name: a, dscp: [46]}, {name: b, dscp: [0]}]\ntrust: dot1p\n", `policy.yaml:2: trust: "dot1p"; only "dscp"`},
		{"trust_ports word", "classes: [{name: a, dscp: [46]}, {name: b, dscp: [0]}]\ntrust_ports: some\n", `policy.yaml:2: trust_ports: "some"; expected "all"`},
		{"wrong type", "classes: [{name: a, dscp: [EF]}, {name: b, dscp: [0]}]\n", `policy.yaml:1: classes[0].dscp[0]: expected a DSCP value 0..63, got a string "EF"`},
		{"classes not a list", "classes: audio\n", "policy.yaml:1: classes: expected a list of classes"},
		{"ef_exclusive word", "classes: [{name: a, dscp: [46]}, {name: b, dscp: [0]}]\nef_exclusive: yes please\n", `policy.yaml:2: ef_exclusive: expected true or false, got a string "yes please"`},
		{"weighted_shares order", "classes: [{name: a, dscp: [46]}, {name: b, dscp: [0]}]\nweighted_shares:\n  - 20\n  - 10\n", "policy.yaml:4: weighted_shares[1]: 10 is not above 20"},
		{"weighted_shares word", "classes: [{name: a, dscp: [46]}, {name: b, dscp: [0]}]\nweighted_shares: [x]\n", `policy.yaml:2: weighted_shares[0]: expected an integer 1..255, got a string "x"`},
		{"trust_ports empty name", "classes: [{name: a, dscp: [46]}, {name: b, dscp: [0]}]\ntrust_ports:\n  - g1\n  - \" \"\n", "policy.yaml:4: trust_ports[1]: empty port name"},
		{"key twice", "classes: [{name: a, dscp: [46]}, {name: b, dscp: [0]}]\ntrust: dscp\ntrust: dscp\n", "policy.yaml:3: trust: set twice; first at line 2"},
		{"two documents", "classes: [{name: a, dscp: [46]}, {name: b, dscp: [0]}]\n---\ntrust: dscp\n", "policy.yaml:2: a second YAML document"},
		{"not yaml", "classes: [\n", "policy.yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy("policy.yaml", []byte(tt.yaml))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "policy.yaml") {
				t.Fatalf("err = %v; want it to name policy.yaml and contain %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte("classes: [{name: a, dscp: [46]}, {name: b, dscp: [0]}]\n"))
	f.Add([]byte("classes:\n  - {name: audio, dscp: [46]}\n  - {name: video, dscp: [34]}\n  - {name: signaling, dscp: [24]}\n  - {name: default, dscp: [0]}\nef_exclusive: true\ntrust: dscp\ntrust_ports: all\n"))
	f.Add([]byte("classes: [{name: a, dscp: [46]}, {name: b, dscp: [64]}]\ntrust_ports: [1, 2]\n"))
	f.Add([]byte("{}"))
	f.Add([]byte(seedEndpoints))
	f.Add([]byte(seedClasses + "endpoints:\n  polycom: true\n  applications: []\n  modalities:\n    - {name: audio, class: audio, protocol: udp, source_ports: \"6024-6000\"}\n    - {name: signaling, class: nope, protocol: tcp, destination_ports: 5061, source_ports: 1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy("fuzz.yaml", data)
		if err != nil {
			// Every problem names the file, and stays on one line.
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml") {
					t.Fatalf("problem %q does not name the file", line)
				}
			}
			return
		}
		// What policy show prints for it reads back as the same policy.
		if back, err := ParsePolicy("formatted.yaml", FormatPolicy(p)); err != nil || !reflect.DeepEqual(back, p) {
			t.Fatalf("FormatPolicy round trip: %v\n%+v\n%+v", err, back, p)
		}
		if e := p.Endpoints; e != nil {
			// Whatever endpoints parse are usable as they are by renderers
			// and the capture check.
			for _, m := range e.Modalities {
				r, _ := m.Ports()
				if (m.SourcePorts == nil) == (m.DestinationPorts == nil) || r.First < 1 || r.Last > 65535 || r.First > r.Last {
					t.Fatalf("accepted modality ports %+v", m)
				}
				if _, ok := p.ClassDSCP(m.Class); !ok {
					t.Fatalf("accepted modality %s with class %q", m.Name, m.Class)
				}
				if !slices.Contains(ModalityNames(), m.Name) || !slices.Contains(Protocols(), m.Protocol) {
					t.Fatalf("accepted modality %+v", m)
				}
			}
		}
		// Whatever parses must satisfy the invariants the planner relies on.
		if len(p.Classes) < 2 || !contains(p.Classes[0].DSCP, DSCPEF) {
			t.Fatalf("accepted a policy without EF on top: %+v", p)
		}
		seen := map[int]bool{}
		for _, c := range p.Classes {
			if len(c.DSCP) == 0 {
				t.Fatalf("accepted an empty class: %+v", p)
			}
			for _, d := range c.DSCP {
				if d < 0 || d > 63 || seen[d] {
					t.Fatalf("accepted dscp %d: %+v", d, p)
				}
				seen[d] = true
			}
		}
		st := gs110tpStateForFuzz()
		if len(p.Classes) <= len(st.Queues) {
			if _, _, err := plan(p, st); err != nil {
				t.Fatalf("plan failed on a valid policy that fits: %v", err)
			}
		}
	})
}

func gs110tpStateForFuzz() vendors.State { return gs110tpFactory() }

// TestLoadPolicyRefusesNonRegularFiles: a FIFO or a device named by
// --policy is an input error, not a hang or an out-of-memory crash.
func TestLoadPolicyRefusesNonRegularFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "policy.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero"} {
		if _, err := LoadPolicy(p); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("LoadPolicy(%s) = %v; want not a regular file", p, err)
		}
	}
}

// TestPHBName: the names of RFC 2474 (class selectors), RFC 2597 (AF),
// RFC 3246 (EF) and RFC 5865 (VOICE-ADMIT), and no name for the rest.
func TestPHBName(t *testing.T) {
	want := map[int]string{0: "BE", 8: "CS1", 16: "CS2", 24: "CS3", 32: "CS4", 40: "CS5", 48: "CS6", 56: "CS7",
		10: "AF11", 12: "AF12", 14: "AF13", 18: "AF21", 20: "AF22", 22: "AF23",
		26: "AF31", 28: "AF32", 30: "AF33", 34: "AF41", 36: "AF42", 38: "AF43", 44: "VA", 46: "EF"}
	for d := -1; d <= 64; d++ {
		if got := PHBName(d); got != want[d] {
			t.Errorf("PHBName(%d) = %q, want %q", d, got, want[d])
		}
	}
	if dscpLabel(44) != "VA (dscp 44)" || dscpLabel(13) != "dscp 13" {
		t.Errorf("labels %q %q", dscpLabel(44), dscpLabel(13))
	}
}

// TestParsePolicyReportsAllAtOnce: the rules run on what decoded, so a file
// with a typo and a broken rule gets both in one run; a rule about a field
// that did not decode is left out (its value is a placeholder), and the
// placeholder collides with no real value elsewhere.
func TestParsePolicyReportsAllAtOnce(t *testing.T) {
	src := `classes:
  - { name: audio, dscp: [46, 4x] }
  - { name: default, dscp: [0] }
  - { name: extra, dscp: [34, 34] }
trust: dot1p
weighted_shares: [a, 5, 3]
endpoints:
  modalities:
    - { name: audio, class: audio, protocol: udp, source_ports: 6024-6000, x: 1 }
    - { name: video, class: audio, protocol: udp, source_ports: "1-" }
`
	_, err := ParsePolicy("policy.yaml", []byte(src))
	if err == nil {
		t.Fatal("accepted")
	}
	want := []string{
		`policy.yaml:2: classes[0].dscp[1]: expected a DSCP value 0..63, got a string "4x"`,
		`policy.yaml:4: classes[2] (extra): dscp 34 is already listed in class extra`,
		`policy.yaml:5: trust: "dot1p"; only "dscp" is supported`,
		`policy.yaml:6: weighted_shares[0]: expected an integer 1..255, got a string "a"`,
		`policy.yaml:6: weighted_shares[2]: 3 is not above 5`,
		`policy.yaml:9: endpoints.modalities[0].x: unknown key`,
		`policy.yaml:9: endpoints.modalities[0] (audio): source_ports: 6024-6000: the first port is above the last`,
		`policy.yaml:10: endpoints.modalities[1].source_ports: "1-" is not a port or a range`,
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(lines), len(want), err)
	}
	for _, w := range want {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, w) }) {
			t.Errorf("missing %q in:\n%v", w, err)
		}
	}
}

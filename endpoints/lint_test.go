package endpoints

import (
	"slices"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/agent"
)

const classes = `classes:
  - { name: audio,     dscp: [46] }
  - { name: video,     dscp: [34] }
  - { name: signaling, dscp: [24] }
  - { name: default,   dscp: [0] }
`

// policy parses classes plus an endpoints section made of the lines given.
func policy(t *testing.T, endpoints string) Input {
	t.Helper()
	src := classes + "endpoints:\n" + endpoints
	p, err := agent.ParsePolicy("policy.yaml", []byte(src))
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	return Input{Policy: p, Source: Source{Name: "policy.yaml", Data: []byte(src)}}
}

const (
	apps  = "  applications: [lync.exe]\n"
	audio = "    - { name: audio, class: audio, protocol: both, source_ports: 6000-6024 }\n"
	video = "    - { name: video, class: video, protocol: both, source_ports: 6026-6050 }\n"
	sig   = "    - { name: signaling, class: signaling, protocol: tcp, destination_ports: 5061 }\n"
)

func mods(lines ...string) string { return apps + "  modalities:\n" + strings.Join(lines, "") }

func rules(r *Report, sev Severity) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity == sev {
			out = append(out, f.Rule)
		}
	}
	return out
}

// TestLintRules: every rule with a case that triggers it and one that does not.
func TestLintRules(t *testing.T) {
	clean := mods(audio, video, sig)
	tests := []struct {
		rule     string
		sev      Severity
		targets  []string
		triggers string
		passes   string
		message  string
	}{
		{RuleOverlap, SevError, nil,
			mods(audio, "    - { name: video, class: video, protocol: udp, source_ports: 6020-6049 }\n"), clean,
			"source ports 6020-6049 overlaps audio's 6000-6024 (udp)"},
		{RuleOverlap + " (source vs destination)", SevWarning, nil,
			mods(audio, "    - { name: video, class: video, protocol: udp, destination_ports: 6020-6049 }\n"), clean,
			"destination ports 6020-6049 overlaps audio's source ports 6000-6024 (udp)"},
		{RuleOverlap + " (tcp vs udp do not meet)", "", nil, "",
			mods("    - { name: audio, class: audio, protocol: udp, source_ports: 6000-6024 }\n", "    - { name: app-sharing, class: default, protocol: tcp, source_ports: 6000-6024 }\n"), ""},
		{RuleSignalingPort, SevError, nil,
			mods("    - { name: audio, class: audio, protocol: both, source_ports: 5050-5074 }\n", video, sig), clean,
			"5050-5074 includes the signaling port 5061"},
		{RuleShortRange, SevError, nil,
			mods("    - { name: audio, class: audio, protocol: both, source_ports: 6000-6018 }\n", video), mods("    - { name: audio, class: audio, protocol: both, source_ports: 6000-6019 }\n", video),
			"6000-6018 has 19 ports; Lync/Skype need at least 20 for audio"},
		{RuleUnqueued, SevError, nil, "", clean, ""}, // triggered below, against another switch policy
		{RulePolycomRange, SevError, []string{TargetPolycom},
			mods("    - { name: audio, class: audio, protocol: both, source_ports: 6000-6022 }\n", video), mods("    - { name: audio, class: audio, protocol: both, source_ports: 6000-6023 }\n", video),
			"6000-6022 has 23 ports; VVX phones use a fixed block of 24 audio ports"},
		{RulePolycomRange + " (polycom: true)", SevError, nil,
			"  polycom: true\n" + mods("    - { name: audio, class: audio, protocol: both, source_ports: 6000-6022 }\n"), mods("    - { name: audio, class: audio, protocol: both, source_ports: 6000-6022 }\n"),
			"VVX phones"},
		{RulePolycomStart + " (odd)", SevError, []string{TargetPolycom},
			mods("    - { name: audio, class: audio, protocol: both, source_ports: 6001-6025 }\n"), mods(audio),
			"start port 6001 is odd"},
		{RulePolycomStart + " (low)", SevError, []string{TargetPolycom},
			mods("    - { name: audio, class: audio, protocol: both, source_ports: 1000-1024 }\n"), mods("    - { name: audio, class: audio, protocol: both, source_ports: 1024-1048 }\n"),
			"start port 1000 is outside 1024..65440"},
		{RulePolycomStart + " (high)", SevError, []string{TargetPolycom},
			mods("    - { name: audio, class: audio, protocol: both, source_ports: 65442-65470 }\n"), mods("    - { name: audio, class: audio, protocol: both, source_ports: 65440-65470 }\n"),
			"start port 65442 is outside 1024..65440"},
		{RulePolycomStart + " (odd video)", SevWarning, []string{TargetPolycom},
			mods(audio, "    - { name: video, class: video, protocol: both, source_ports: 6025-6049 }\n"), mods(audio, video),
			"start port 6025 is odd"},
		{RulePolycomAudio, SevError, []string{TargetPolycom},
			mods(video), mods(audio, video), "Polycom phones need an audio modality"},
		{RuleApplications, SevWarning, nil,
			"  applications: []\n  modalities:\n" + audio, clean, "every application on the PC"},
		{RuleClientPorts, SevError, []string{TargetSkype},
			mods("    - { name: audio, class: audio, protocol: both, destination_ports: 6000-6024 }\n"), mods(audio),
			"use source_ports"},
		{RuleClientPorts + " (skype sets file-transfer)", SevError, []string{TargetSkype},
			mods(audio, "    - { name: file-transfer, class: default, protocol: tcp, destination_ports: 6100-6124 }\n"), mods(audio),
			"endpoints.modalities[1] (file-transfer): destination_ports cannot be set on the server"},
		{RuleClientPorts + " (teams sets no file-transfer range)", "", []string{TargetTeams}, "",
			mods(audio, video, "    - { name: app-sharing, class: default, protocol: tcp, source_ports: 6051-6075 }\n", "    - { name: file-transfer, class: default, protocol: tcp, destination_ports: 6100-6124 }\n"), ""},
		{RuleClientPorts + " (low)", SevError, []string{TargetTeams},
			mods("    - { name: audio, class: audio, protocol: both, source_ports: 1000-1024 }\n"), mods(audio),
			"starts below 1024"},
		{RuleServerDefault, SevWarning, []string{TargetSkype},
			mods(audio, video), mods(audio, video, "    - { name: app-sharing, class: default, protocol: tcp, source_ports: 6051-6075 }\n", "    - { name: file-transfer, class: default, protocol: tcp, source_ports: 6076-6100 }\n"),
			"no app-sharing modality"},
		{RuleServerDefault + " (none)", SevError, []string{TargetTeams},
			mods(sig), mods(audio, video, "    - { name: app-sharing, class: default, protocol: tcp, source_ports: 6051-6075 }\n"), "none of audio, video, app-sharing: Set-CsTeamsMeetingConfiguration would enable client port ranges with nothing to set"},
		{RuleUnmarked, SevNote, []string{TargetGPO},
			mods(audio, "    - { name: app-sharing, class: default, protocol: tcp, source_ports: 6051-6075 }\n"), clean, "no Windows policy is written for it"},
		{RuleFirewall, SevNote, nil, clean, mods(sig), "open UDP 6000-6024, 6026-6050 between clients"},
		{RuleFirewall + " (merged)", SevNote, nil, mods(audio, "    - { name: video, class: video, protocol: udp, source_ports: 6025-6049 }\n", "    - { name: app-sharing, class: default, protocol: tcp, source_ports: 6050-6074 }\n"), mods(sig), "open UDP 6000-6049 between clients"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			rule := strings.Fields(tt.rule)[0]
			if tt.triggers != "" {
				r, err := Check(policy(t, tt.triggers), tt.targets...)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Contains(rules(r, tt.sev), rule) {
					t.Fatalf("%s not reported as %s: %+v", rule, tt.sev, r.Findings)
				}
				var text strings.Builder
				r.WriteText(&text)
				if !strings.Contains(text.String(), tt.message) {
					t.Errorf("report lacks %q:\n%s", tt.message, text.String())
				}
			}
			r, err := Check(policy(t, tt.passes), tt.targets...)
			if err != nil {
				t.Fatal(err)
			}
			for _, sev := range []Severity{SevError, SevWarning, SevNote} {
				if slices.Contains(rules(r, sev), rule) {
					t.Fatalf("%s reported on a section without the problem: %+v", rule, r.Findings)
				}
			}
		})
	}
}

// TestLintUnqueuedMark: the teams preset's app sharing marks AF21 18; a
// fleet on the built-in policy queues 18 as unclassified.
func TestLintUnqueuedMark(t *testing.T) {
	p, data, err := agent.LoadPreset("teams")
	if err != nil {
		t.Fatal(err)
	}
	def := agent.DefaultPolicy()
	in := Input{Policy: p, Source: Source{Name: "preset teams", Data: data}, Switches: &def, SwitchesFrom: "the built-in default policy"}
	r, err := Check(in, TargetTeams)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	r.WriteText(&text)
	if !slices.Contains(rules(r, SevError), RuleUnqueued) || !strings.Contains(text.String(), "endpoints.modalities[2] (app-sharing): marks AF21 18, which no class of the switch policy (the built-in default policy) lists") {
		t.Fatalf("no unqueued-mark error:\n%s", text.String())
	}
	if r.ExitCode() != agent.ExitInvalid {
		t.Errorf("exit %d", r.ExitCode())
	}
	// The same endpoints against their own classes are fine.
	in.Switches = nil
	if r, _ := Check(in, TargetTeams); slices.Contains(rules(r, SevError), RuleUnqueued) {
		t.Fatalf("unqueued-mark against its own classes: %+v", r.Findings)
	}
}

// TestLintTeamsMacFixed: Teams on macOS marks EF and AF41 whatever the policy says.
func TestLintTeamsMacFixed(t *testing.T) {
	p, err := agent.ParsePolicy("p.yaml", []byte("classes: [{name: audio, dscp: [46]}, {name: default, dscp: [0]}]\nendpoints:\n  applications: [ms-teams.exe]\n  modalities: [{name: audio, class: audio, protocol: both, source_ports: 50000-50019}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := Check(Input{Policy: p, Source: Source{Name: "p.yaml"}}, TargetTeams)
	if !slices.Contains(rules(r, SevWarning), RuleTeamsMacFixed) {
		t.Fatalf("no teams-macos warning: %+v", r.Findings)
	}
	if r, _ := Check(policy(t, mods(audio)), TargetTeams); slices.Contains(rules(r, SevWarning), RuleTeamsMacFixed) {
		t.Fatalf("teams-macos with AF41 queued: %+v", r.Findings)
	}
}

// TestLintClassRule: ParsePolicy refuses an unknown class, so only a policy
// built in code gets to the linter with one.
func TestLintClassRule(t *testing.T) {
	in := policy(t, mods(audio))
	in.Policy.Endpoints.Modalities[0].Class = "voice"
	r, err := Check(in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rules(r, SevError), RuleClass) {
		t.Fatalf("no class error: %+v", r.Findings)
	}
	if r, _ := Check(policy(t, mods(audio))); slices.Contains(rules(r, SevError), RuleClass) {
		t.Fatalf("class error on a known class: %+v", r.Findings)
	}
}

func TestLintExitCodes(t *testing.T) {
	for _, tt := range []struct {
		section string
		want    int
	}{
		{mods(audio, video, sig), agent.ExitOK},
		{"  applications: []\n  modalities:\n" + audio, agent.ExitDrift},
		{mods("    - { name: audio, class: audio, protocol: both, source_ports: 6000-6010 }\n"), agent.ExitInvalid},
	} {
		r, err := Check(policy(t, tt.section))
		if err != nil {
			t.Fatal(err)
		}
		if r.ExitCode() != tt.want {
			t.Errorf("exit %d, want %d: %+v", r.ExitCode(), tt.want, r.Findings)
		}
	}
	if _, err := Check(Input{Policy: agent.DefaultPolicy(), Source: Source{Name: "x.yaml"}}); err == nil || !strings.Contains(err.Error(), "x.yaml: the policy has no endpoints: section") {
		t.Errorf("no endpoints: %v", err)
	}
	if _, err := Check(policy(t, mods(audio)), "sip"); err == nil || !strings.Contains(err.Error(), `target "sip" is unknown`) {
		t.Errorf("unknown target: %v", err)
	}
}

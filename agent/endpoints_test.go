package agent

import (
	"reflect"
	"strings"
	"testing"
)

const seedClasses = `classes:
  - { name: audio,     dscp: [46] }
  - { name: video,     dscp: [34] }
  - { name: signaling, dscp: [24] }
  - { name: default,   dscp: [0] }
`

// seedEndpoints is the table of the Lync deployment this project started from.
const seedEndpoints = seedClasses + `endpoints:
  applications: [lync.exe]
  modalities:
    - { name: audio,         class: audio,     protocol: both, source_ports: 6000-6024 }
    - { name: video,         class: video,     protocol: both, source_ports: 6025-6049 }
    - { name: signaling,     class: signaling, protocol: tcp,  destination_ports: "5061" }
    - { name: app-sharing,   class: default,   protocol: tcp,  source_ports: 6050-6074 }
    - { name: file-transfer, class: default,   protocol: tcp,  source_ports: 6075-6099 }
`

func TestParseEndpoints(t *testing.T) {
	p, err := ParsePolicy("policy.yaml", []byte(seedEndpoints))
	if err != nil {
		t.Fatal(err)
	}
	want := &Endpoints{
		Applications: []string{"lync.exe"},
		Modalities: []Modality{
			{Name: "audio", Class: "audio", Protocol: "both", SourcePorts: &PortRange{6000, 6024}},
			{Name: "video", Class: "video", Protocol: "both", SourcePorts: &PortRange{6025, 6049}},
			{Name: "signaling", Class: "signaling", Protocol: "tcp", DestinationPorts: &PortRange{5061, 5061}},
			{Name: "app-sharing", Class: "default", Protocol: "tcp", SourcePorts: &PortRange{6050, 6074}},
			{Name: "file-transfer", Class: "default", Protocol: "tcp", SourcePorts: &PortRange{6075, 6099}},
		},
	}
	if !reflect.DeepEqual(p.Endpoints, want) {
		t.Fatalf("endpoints = %+v\nwant %+v", p.Endpoints, want)
	}
	if d, ok := p.ClassDSCP(p.Endpoints.Modalities[1].Class); !ok || d != 34 {
		t.Fatalf("ClassDSCP(video) = %d, %v", d, ok)
	}
}

func TestParseEndpointsForms(t *testing.T) {
	for _, tt := range []struct {
		ports string
		want  PortRange
	}{
		{"5061", PortRange{5061, 5061}},
		{`"5061"`, PortRange{5061, 5061}},
		{"6000-6024", PortRange{6000, 6024}},
		{`"6000 - 6024"`, PortRange{6000, 6024}},
		{"1-65535", PortRange{1, 65535}},
	} {
		src := seedClasses + "endpoints:\n  modalities:\n    - {name: audio, class: audio, protocol: udp, source_ports: " + tt.ports + "}\n"
		p, err := ParsePolicy("policy.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", tt.ports, err)
		}
		if got := *p.Endpoints.Modalities[0].SourcePorts; got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.ports, got, tt.want)
		}
	}
	// applications absent and polycom set.
	p, err := ParsePolicy("policy.yaml", []byte(seedClasses+"endpoints:\n  polycom: true\n  modalities: [{name: audio, class: audio, protocol: udp, source_ports: 6000-6023}]\n"))
	if err != nil || !p.Endpoints.Polycom || p.Endpoints.Applications != nil {
		t.Fatalf("polycom: %+v, %v", p.Endpoints, err)
	}
}

// TestParseEndpointsErrors: each mistake names file, line and field.
func TestParseEndpointsErrors(t *testing.T) {
	mod := func(m string) string {
		return seedClasses + "endpoints:\n  applications: [lync.exe]\n  modalities:\n    - {name: video, class: video, protocol: both, source_ports: 6025-6049}\n    - " + m + "\n"
	}
	tests := []struct{ name, yaml, want string }{
		{"unknown key", mod("{name: audio, class: audio, protocol: both, source_port: 6000-6024}"),
			`policy.yaml:10: endpoints.modalities[1].source_port: unknown key (did you mean "source_ports"?); known: name, class, protocol, source_ports, destination_ports`},
		{"unknown endpoints key", seedClasses + "endpoints:\n  aplications: [lync.exe]\n",
			`policy.yaml:7: endpoints.aplications: unknown key (did you mean "applications"?)`},
		{"unknown modality", mod("{name: voice, class: audio, protocol: both, source_ports: 6000-6024}"),
			`policy.yaml:10: endpoints.modalities[1]: name "voice" is not a modality; expected one of audio, video, signaling, app-sharing, file-transfer`},
		{"modality typo", mod("{name: app-shareing, class: audio, protocol: both, source_ports: 6000-6024}"),
			`name "app-shareing" is not a modality (did you mean "app-sharing"?)`},
		{"reversed range", mod("{name: audio, class: audio, protocol: both, source_ports: 6024-6000}"),
			"policy.yaml:10: endpoints.modalities[1] (audio): source_ports: 6024-6000: the first port is above the last; expected FIRST-LAST with FIRST <= LAST"},
		{"port 0", mod("{name: audio, class: audio, protocol: both, source_ports: 0}"),
			"policy.yaml:10: endpoints.modalities[1] (audio): source_ports: port 0 is out of range; expected 1..65535"},
		{"port 65536", mod("{name: signaling, class: signaling, protocol: tcp, destination_ports: \"65536\"}"),
			"policy.yaml:10: endpoints.modalities[1] (signaling): destination_ports: port 65536 is out of range; expected 1..65535"},
		{"not a port", mod("{name: audio, class: audio, protocol: both, source_ports: six}"),
			`policy.yaml:10: endpoints.modalities[1].source_ports: "six" is not a port or a range`},
		{"port list", mod("{name: audio, class: audio, protocol: both, source_ports: [6000, 6001]}"),
			`policy.yaml:10: endpoints.modalities[1].source_ports: expected a port or an inclusive range`},
		{"unknown class", mod("{name: audio, class: voice, protocol: both, source_ports: 6000-6024}"),
			`policy.yaml:10: endpoints.modalities[1] (audio): class "voice" is unknown; expected one of the policy's classes: audio, video, signaling, default`},
		{"no class", mod("{name: audio, protocol: both, source_ports: 6000-6024}"),
			`policy.yaml:10: endpoints.modalities[1] (audio): class: is required`},
		{"both port fields", mod("{name: audio, class: audio, protocol: both, source_ports: 6000-6024, destination_ports: 6000-6024}"),
			"policy.yaml:10: endpoints.modalities[1] (audio): source_ports and destination_ports are both set; expected one of them"},
		{"no port field", mod("{name: audio, class: audio, protocol: both}"),
			"policy.yaml:10: endpoints.modalities[1] (audio): neither source_ports nor destination_ports is set"},
		{"bad protocol", mod("{name: audio, class: audio, protocol: sctp, source_ports: 6000-6024}"),
			`policy.yaml:10: endpoints.modalities[1] (audio): protocol "sctp" is unknown; expected tcp, udp or both`},
		{"no protocol", mod("{name: audio, class: audio, source_ports: 6000-6024}"),
			`endpoints.modalities[1] (audio): protocol: is required`},
		{"modality twice", mod("{name: video, class: video, protocol: both, source_ports: 7000-7024}"),
			`policy.yaml:10: endpoints.modalities[1] (video): name "video" is used twice`},
		{"no modalities", seedClasses + "endpoints:\n  applications: [lync.exe]\n",
			"policy.yaml:6: endpoints.modalities: none given"},
		{"empty application", seedClasses + "endpoints:\n  applications: [\"\"]\n  modalities: [{name: audio, class: audio, protocol: udp, source_ports: 6000-6024}]\n",
			"policy.yaml:7: endpoints.applications[0]: empty name"},
		{"polycom word", seedClasses + "endpoints:\n  polycom: vvx\n  modalities: [{name: audio, class: audio, protocol: udp, source_ports: 6000-6024}]\n",
			`policy.yaml:7: endpoints.polycom: expected true or false, got a string "vvx"`},
		{"endpoints a list", seedClasses + "endpoints: [lync.exe]\n",
			"policy.yaml:6: endpoints: expected a mapping with keys applications, modalities, polycom, got a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy("policy.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestValidateEndpoints: a policy built in code meets the same rules.
func TestValidateEndpoints(t *testing.T) {
	p := DefaultPolicy()
	p.Endpoints = &Endpoints{Modalities: []Modality{{Name: "audio", Class: "audio", Protocol: "udp", SourcePorts: &PortRange{70000, 70000}}}}
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "port 70000 is out of range") {
		t.Fatalf("Validate = %v", err)
	}
}

// FuzzParseEndpoints fuzzes the endpoints section under fixed classes, so
// that the fuzzer spends its time there.
func FuzzParseEndpoints(f *testing.F) {
	f.Add([]byte(strings.TrimPrefix(seedEndpoints, seedClasses)))
	f.Add([]byte("endpoints:\n  polycom: true\n  applications: []\n  modalities:\n    - {name: video, class: video, protocol: udp, destination_ports: \"70000\"}\n"))
	f.Add([]byte("endpoints:\n  modalities:\n    - {name: audio, class: audio, protocol: both, source_ports: 6000-6024, destination_ports: 1}\n    - {name: audio}\n"))
	f.Fuzz(func(t *testing.T, section []byte) {
		p, err := ParsePolicy("fuzz.yaml", append([]byte(seedClasses), section...))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without the file: %v", err)
			}
			return
		}
		if p.Endpoints == nil {
			return
		}
		seen := map[string]bool{}
		for _, m := range p.Endpoints.Modalities {
			r, _ := m.Ports()
			if seen[m.Name] || (m.SourcePorts == nil) == (m.DestinationPorts == nil) || r.First < 1 || r.Last > 65535 || r.First > r.Last {
				t.Fatalf("accepted %+v", m)
			}
			seen[m.Name] = true
			if _, ok := p.ClassDSCP(m.Class); !ok {
				t.Fatalf("accepted class %q", m.Class)
			}
		}
	})
}

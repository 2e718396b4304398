package agent

import (
	"reflect"
	"strings"
	"testing"
)

func TestPresets(t *testing.T) {
	if got := strings.Join(PresetNames(), ","); got != "lync-2014,rfc4594,teams" {
		t.Fatalf("PresetNames = %s", got)
	}
	for _, name := range PresetNames() {
		p, data, err := LoadPreset(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Endpoints == nil || len(data) == 0 {
			t.Fatalf("%s: no endpoints section", name)
		}
		// Four classes: every platform we know has at least four queues.
		if len(p.Classes) != 4 {
			t.Errorf("%s: %d classes", name, len(p.Classes))
		}
	}
	// lync-2014 is the seed's table, and its classes are the default policy's.
	lync, _, _ := LoadPreset("lync-2014")
	seed, err := ParsePolicy("seed.yaml", []byte(seedEndpoints))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lync.Endpoints, seed.Endpoints) || !reflect.DeepEqual(lync.Classes, DefaultPolicy().Classes) {
		t.Errorf("lync-2014 = %+v\nwant the seed's table %+v", lync, seed)
	}
	teams, _, _ := LoadPreset("teams")
	for _, want := range []struct {
		name        string
		first, last int
		dscp        int
	}{{"audio", 50000, 50019, 46}, {"video", 50020, 50039, 34}, {"app-sharing", 50040, 50059, 18}} {
		m, ok := teams.Endpoints.Modality(want.name)
		d, _ := teams.ClassDSCP(m.Class)
		if !ok || *m.SourcePorts != (PortRange{want.first, want.last}) || d != want.dscp {
			t.Errorf("teams %s = %+v dscp %d; want %d-%d dscp %d", want.name, m, d, want.first, want.last, want.dscp)
		}
	}
	rfc, _, _ := LoadPreset("rfc4594")
	for mod, dscp := range map[string]int{"audio": 46, "video": 34, "signaling": 40} {
		m, _ := rfc.Endpoints.Modality(mod)
		if d, _ := rfc.ClassDSCP(m.Class); d != dscp {
			t.Errorf("rfc4594 %s marks %d; want %d", mod, d, dscp)
		}
	}
	if _, err := Preset("team"); err == nil || !strings.Contains(err.Error(), `did you mean "teams"`) {
		t.Errorf("Preset(team) = %v", err)
	}
}

func TestFormatPolicyRoundTrip(t *testing.T) {
	policies := []Policy{DefaultPolicy()}
	for _, name := range PresetNames() {
		p, _, _ := LoadPreset(name)
		policies = append(policies, p)
	}
	odd := DefaultPolicy()
	odd.TrustPorts = []string{"g1", `Gi0/1 "uplink"`}
	odd.WeightedShares = []int{10, 20, 40}
	odd.Endpoints = &Endpoints{Applications: []string{}, Polycom: true, Modalities: []Modality{{Name: "audio", Class: "audio", Protocol: "udp", DestinationPorts: &PortRange{5004, 5004}}}}
	policies = append(policies, odd)
	for _, p := range policies {
		back, err := ParsePolicy("formatted.yaml", FormatPolicy(p))
		if err != nil {
			t.Fatalf("%v\n%s", err, FormatPolicy(p))
		}
		if !reflect.DeepEqual(back, p) {
			t.Errorf("round trip:\n got %+v\nwant %+v", back, p)
		}
	}
}

package endpoints

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/cli"
	"github.com/qosagent/qosagent/vendors/netgear"
)

// platforms are the registered platforms, factory descriptions and all.
func platforms(t *testing.T) map[string]vendors.Platform {
	t.Helper()
	ps, err := cli.Platforms(cli.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]vendors.Platform{}
	for _, p := range append(ps, netgear.Platform()) {
		m[p.Name] = p
	}
	return m
}

func TestExplain(t *testing.T) {
	in := presetInput(t, "lync-2014")
	ps := platforms(t)
	uses := []PlatformUse{
		{Platform: ps["netgear-gs110tp"], Switches: 3},
		{Platform: vendors.Platform{Name: "unknown-platform"}, Switches: 1},
		{Platform: ps["cisco-ios"], Switches: 2},
		{Platform: ps["cisco-sb"], Switches: 1},
		{Platform: ps["netgear-fastpath"], Switches: 1},
	}
	x, err := Explain(in, uses)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Paths) != 10 {
		t.Fatalf("%d paths, want 2 per modality", len(x.Paths))
	}
	audio := x.Paths[0]
	if audio.Modality != "audio" || audio.Direction != "sent" || audio.Match != "source ports 6000-6024" || audio.Mark != "EF 46" || audio.Class != "audio" {
		t.Fatalf("audio path %+v", audio)
	}
	if recv := x.Paths[1]; recv.Direction != "received" || recv.Match != "destination ports 6000-6024" {
		t.Fatalf("received path %+v", recv)
	}
	// With a factory description the planner names the native queue.
	if l := audio.Landings[0]; l.Queue != "queue 3 (strict)" || l.Rank != "4 of 4 (top)" || l.Switches != 3 {
		t.Errorf("gs110tp landing %+v", l)
	}
	// Without one, only the class rank is known, and the row says so.
	if l := audio.Landings[1]; l.Queue != "" || l.Rank != "class 1 of 4 (top)" || !strings.Contains(l.Note, "read from the device") {
		t.Errorf("landing without a factory description %+v", l)
	}
	sig := x.Paths[4]
	if sig.Modality != "signaling" || sig.Match != "destination ports 5061" || sig.Landings[1].Rank != "class 3 of 4" {
		t.Errorf("signaling %+v", sig)
	}
	if q := sig.Landings[0].Queue; q != "queue 1" {
		t.Errorf("signaling on gs110tp: %q, want queue 1 (below video's 2, above default's)", q)
	}

	// Each platform's own queue names, from its factory description: the
	// Catalyst expedite queue Q1 (strict once apply sets priority-queue
	// out), the small business top queue 4, strict from the factory.
	for i, want := range map[int]string{2: "Q1 (strict)", 3: "queue 4 (strict)", 4: "queue 3 (strict)"} {
		if l := audio.Landings[i]; l.Queue != want || l.Rank != "4 of 4 (top)" {
			t.Errorf("%s landing %+v, want %s", l.Platform, l, want)
		}
	}
	// Where models differ in queue count, the row says which model it is
	// for; a platform with one model does not.
	for i, word := range map[int]string{3: "have 8 queues", 4: "have 7 (0-6)"} {
		if l := audio.Landings[i]; !strings.Contains(l.Note, word) {
			t.Errorf("%s: note %q does not say other models differ (%q)", l.Platform, l.Note, word)
		}
	}
	if n := audio.Landings[0].Note; strings.Contains(n, "models") || strings.Contains(n, ";") {
		t.Errorf("gs110tp note %q", n)
	}

	var table strings.Builder
	if err := x.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/explain-lync-2014.txt", []byte(table.String()))
	for _, want := range []string{"sha256 " + in.Source.SHA256(), "MODALITY", "audio", "netgear-gs110tp", "queue 3 (strict)", "class 1 of 4 (top)"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	var js strings.Builder
	if err := x.WriteJSON(&js); err != nil || !json.Valid([]byte(js.String())) {
		t.Fatalf("json: %v", err)
	}
}

// A mark the switch policy does not place is said to be unclassified.
func TestExplainUnclassified(t *testing.T) {
	in := presetInput(t, "teams")
	def := agent.DefaultPolicy()
	in.Switches, in.SwitchesFrom = &def, "built-in"
	x, err := Explain(in, []PlatformUse{{Platform: vendors.Platform{Name: "cisco-sb"}, Switches: 1}})
	if err != nil {
		t.Fatal(err)
	}
	share := x.Paths[4]
	if share.Modality != "app-sharing" || share.Class != "" || share.Landings[0].Rank != "unclassified" {
		t.Fatalf("app sharing %+v", share)
	}
	if _, err := Explain(Input{Policy: def, Source: Source{Name: "p.yaml"}}, nil); err == nil {
		t.Fatal("explained a policy without endpoints")
	}
}

package endpoints

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/vendors"
)

// gs110tpFactory is the factory state of a 4-queue FASTPATH smart switch as
// the NETGEAR-QOS-COS-MIB description and the GS110TP manual give it: queues
// 0..3, 3 the highest, all weighted, and the DSCP map derived from IP
// precedence: {0:1, 1:0, 2:0, 3:1, 4:2, 5:2, 6:3, 7:3}[dscp>>3].
func gs110tpFactory() *vendors.FactoryModel {
	g := vendors.Scope{Name: vendors.GlobalPort, DSCP: make([]int, vendors.NumDSCP), Trust: vendors.TrustDot1p, Sched: make([]vendors.Sched, 4)}
	prec := [8]int{1, 0, 0, 1, 2, 2, 3, 3}
	for d := range g.DSCP {
		g.DSCP[d] = prec[d>>3]
	}
	return &vendors.FactoryModel{State: vendors.State{Queues: []int{0, 1, 2, 3}, Scopes: []vendors.Scope{g}}}
}

func TestExplain(t *testing.T) {
	in := presetInput(t, "lync-2014")
	platforms := []PlatformUse{
		{Platform: vendors.Platform{Name: "netgear-gs110tp", Factory: gs110tpFactory()}, Switches: 3},
		{Platform: vendors.Platform{Name: "cisco-ios"}, Switches: 1},
	}
	x, err := Explain(in, platforms)
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
		t.Errorf("cisco-ios landing %+v", l)
	}
	sig := x.Paths[4]
	if sig.Modality != "signaling" || sig.Match != "destination ports 5061" || sig.Landings[1].Rank != "class 3 of 4" {
		t.Errorf("signaling %+v", sig)
	}
	if q := sig.Landings[0].Queue; q != "queue 1" {
		t.Errorf("signaling on gs110tp: %q, want queue 1 (below video's 2, above default's)", q)
	}

	var table strings.Builder
	if err := x.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
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

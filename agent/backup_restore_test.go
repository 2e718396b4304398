package agent_test

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/mibs"
	"github.com/qosagent/qosagent/vendors"
)

// TestBackupV1Restores: a backup written before states had scopes (schema 1,
// testdata/backup-v1-*) decodes into today's model and restores a switch.
func TestBackupV1Restores(t *testing.T) {
	data, err := os.ReadFile("testdata/backup-v1-netgear-gs110tp.json")
	if err != nil {
		t.Fatal(err)
	}
	var b agent.Backup
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	g := b.State.Global()
	if g == nil || g.Trust != vendors.TrustDot1p || len(g.Sched) != 4 || !g.Sched[3].Strict || g.DSCP[46] != 2 {
		t.Fatalf("global scope %+v", g)
	}
	if sc := b.State.Scope("5"); sc == nil || sc.Trust != vendors.TrustUntrusted {
		t.Fatalf("port 5: %+v", sc)
	}
	// Today's encoding carries the schema and reads back the same.
	again, _ := json.Marshal(b.State)
	var st vendors.State
	if err := json.Unmarshal(again, &st); err != nil || !reflect.DeepEqual(st.Scopes, b.State.Scopes) || st.Schema != vendors.StateSchema {
		t.Fatalf("round trip: %v %+v", err, st)
	}

	l, sws := startLab(t, 1)
	e := newEngine(t)
	rep := e.Restore(context.Background(), sws[0], b.State, false)
	if r := rep.Switches[0]; r.Status != agent.StatusChanged {
		t.Fatalf("restore: %s %s", r.Status, r.Error)
	}
	s := l.Switches[0]
	if s.Trust(5) != mibs.TrustModeUntrusted || s.Trust(0) != mibs.TrustModeTrustDot1p || s.Trust(1) != mibs.TrustModeTrustDot1p || s.Scheduler(3) != mibs.SchedulerStrict {
		t.Errorf("after restore: trust 0=%d 1=%d 5=%d, queue 3 scheduler %d", s.Trust(0), s.Trust(1), s.Trust(5), s.Scheduler(3))
	}

	// The Catalyst backup: per-port scheduling by native queue becomes
	// scheduling by rank (Q1, the expedite queue, is the top rank).
	data, err = os.ReadFile("testdata/backup-v1-cisco-ios.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b.State.Queues, []int{2, 3, 4, 1}) || b.State.Global().Sched != nil || !b.State.QoSDisabled {
		t.Fatalf("catalyst %+v", b.State)
	}
	want := []vendors.Sched{{Weight: 25}, {Weight: 25}, {Weight: 25}, {Strict: true, Weight: 25}}
	if sc := b.State.Scope("Gi1/0/2"); sc == nil || sc.Trust != vendors.TrustDSCP || !reflect.DeepEqual(sc.Sched, want) {
		t.Fatalf("Gi1/0/2: %+v", sc)
	}
}

// TestStateFromANewerReleaseIsRefused: a schema this release does not know
// is an error, not a half-read state.
func TestStateFromANewerReleaseIsRefused(t *testing.T) {
	var st vendors.State
	if err := json.Unmarshal([]byte(`{"schema":99,"queues":[0,1]}`), &st); err == nil {
		t.Fatal("schema 99 accepted")
	}
}

package history

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func countRows(t *testing.T, s Store, table string) int {
	t.Helper()
	var n int
	if err := s.(*sqlStore).db.QueryRowContext(ctxT(t), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// testResultsStoredOnce: the same result recorded in many runs is stored
// once and read back whole from each record.
func testResultsStoredOnce(t *testing.T, s Store) {
	res := json.RawMessage(`{"name":"sw1","status":"compliant","dscp_map":{"0":1}}`)
	for i := range 5 {
		id := mustStart(t, s, Run{Command: "audit", StartedAt: at(i)})
		mustRecord(t, s, SwitchRecord{RunID: id, Site: "lab", Switch: "sw1", Status: StatusCompliant, At: at(i), Result: res})
		mustRecord(t, s, SwitchRecord{RunID: id, Site: "lab", Switch: "sw2", Status: StatusDrift, At: at(i),
			Result: json.RawMessage(fmt.Sprintf(`{"name":"sw2","run":%d}`, i))})
	}
	if n := countRows(t, s, "results"); n != 6 {
		t.Errorf("%d results stored for 1 unchanged and 5 distinct ones", n)
	}
	recs, err := s.Timeline(ctxT(t), Filter{Switch: "sw1"})
	if err != nil || len(recs) != 5 {
		t.Fatalf("timeline: %d records, %v", len(recs), err)
	}
	for _, r := range recs {
		if string(r.Result) != string(res) {
			t.Errorf("run %d: result %s", r.RunID, r.Result)
		}
	}
}

// testInvalidResultRefused: a result that is not JSON fails its whole
// batch, and nothing of the batch is stored; a valid result stored
// before is still accepted again. (PostgreSQL's json column refuses the
// body itself; SQLite stores text, so there the store's own check does.)
func testInvalidResultRefused(t *testing.T, s Store) {
	ctx := ctxT(t)
	id := mustStart(t, s, Run{Command: "audit", StartedAt: at(0)})
	good := json.RawMessage(`{"name":"sw1"}`)
	mustRecord(t, s, SwitchRecord{RunID: id, Site: "lab", Switch: "sw1", Status: StatusCompliant, At: at(1), Result: good})
	err := s.RecordSwitch(ctx,
		SwitchRecord{RunID: id, Site: "lab", Switch: "sw1", Status: StatusCompliant, At: at(2), Result: good},
		SwitchRecord{RunID: id, Site: "lab", Switch: "sw2", Status: StatusDrift, At: at(2), Result: json.RawMessage(`{"name":`)})
	if err == nil {
		t.Fatal("a batch with an invalid result was accepted")
	}
	if n := countRows(t, s, "switch_records"); n != 1 {
		t.Errorf("%d records after the refused batch, want the 1 before it", n)
	}
	if n := countRows(t, s, "results"); n != 1 {
		t.Errorf("%d results after the refused batch, want 1", n)
	}
	mustRecord(t, s, SwitchRecord{RunID: id, Site: "lab", Switch: "sw1", Status: StatusCompliant, At: at(3), Result: good})
}

// testPrune: old runs go with their records, backups and results, except
// the run holding the newest backup of a switch.
func testPrune(t *testing.T, s Store) {
	ctx := ctxT(t)
	old := func(days int) time.Time { return base.Add(-time.Duration(days) * 24 * time.Hour) }
	// Run 1 (200 days ago) backs up sw1 and sw2; run 2 (150 days) sw1
	// again; run 3 (100 days) only audits; run 4 (now) audits.
	var ids []int64
	for i, d := range []int{200, 150, 100, 0} {
		id := mustStart(t, s, Run{Command: "apply", StartedAt: old(d)})
		ids = append(ids, id)
		mustRecord(t, s, SwitchRecord{RunID: id, Site: "lab", Switch: "sw1", Status: StatusChanged, At: old(d),
			Result: json.RawMessage(fmt.Sprintf(`{"run":%d}`, i))})
		if err := s.FinishRun(ctx, id, old(d), 0, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	backup := func(run int64, sw string) {
		if err := s.SaveBackup(ctx, Backup{RunID: run, Site: "lab", Switch: sw, TakenAt: time.Now(), State: json.RawMessage(`{"queues":[0]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	backup(ids[0], "sw1")
	backup(ids[0], "sw2")
	backup(ids[1], "sw1")
	p, err := s.Prune(ctx, base.Add(-90*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// Run 1 holds sw2's newest backup and run 2 sw1's: both are kept.
	want := Pruned{Runs: 1, Records: 1, Backups: 0, Results: 1, Kept: 2}
	if p != want {
		t.Errorf("pruned %+v, want %+v", p, want)
	}
	runs, err := s.Runs(ctx, Filter{Limit: -1})
	if err != nil || len(runs) != 3 {
		t.Fatalf("%d runs left, %v", len(runs), err)
	}
	for _, r := range runs {
		if r.ID == ids[2] {
			t.Errorf("run %d (100 days old, no backup) kept", r.ID)
		}
	}
	if _, err := s.Backup(ctx, "lab", "sw2", 0); err != nil {
		t.Errorf("sw2's only backup pruned: %v", err)
	}
	if n := countRows(t, s, "results"); n != 3 {
		t.Errorf("%d results left, want 3", n)
	}
	// Once sw1 and sw2 have newer backups, the old runs go too.
	backup(ids[3], "sw1")
	backup(ids[3], "sw2")
	if p, err = s.Prune(ctx, base.Add(-90*24*time.Hour)); err != nil || p.Runs != 2 || p.Backups != 3 || p.Kept != 0 {
		t.Errorf("second prune: %+v %v", p, err)
	}
}

// testRunRecords: Runs and Timeline by run id, and which records have a
// backup.
func testRunRecords(t *testing.T, s Store) {
	ctx := ctxT(t)
	a := mustStart(t, s, Run{Command: "audit", StartedAt: at(0)})
	b := mustStart(t, s, Run{Command: "apply", StartedAt: at(1)})
	for _, id := range []int64{a, b} {
		for _, sw := range []string{"sw1", "sw2"} {
			mustRecord(t, s, SwitchRecord{RunID: id, Site: "lab", Switch: sw, Status: StatusCompliant, At: at(int(id))})
		}
	}
	if err := s.SaveBackup(ctx, Backup{RunID: b, Site: "lab", Switch: "sw2", State: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	runs, err := s.Runs(ctx, Filter{RunID: b})
	if err != nil || len(runs) != 1 || runs[0].ID != b {
		t.Fatalf("run %d: %+v %v", b, runs, err)
	}
	if runs, err := s.Runs(ctx, Filter{RunID: 999}); err != nil || len(runs) != 0 {
		t.Fatalf("run 999: %+v %v", runs, err)
	}
	recs, err := s.Timeline(ctx, Filter{RunID: b})
	if err != nil || len(recs) != 2 {
		t.Fatalf("records of run %d: %+v %v", b, recs, err)
	}
	for _, r := range recs {
		if r.RunID != b || r.Backup != (r.Switch == "sw2") {
			t.Errorf("%+v: backup flag wrong", r)
		}
	}
	tl, err := s.Timeline(ctx, Filter{Switch: "sw2"})
	if err != nil || len(tl) != 2 || !tl[0].Backup || tl[1].Backup {
		t.Fatalf("timeline of sw2: %+v %v", tl, err)
	}
}

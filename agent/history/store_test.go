package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// base is a time with nanoseconds, which both stores cut to microseconds.
var base = time.Date(2026, 11, 24, 10, 0, 0, 123456789, time.UTC)

func at(minutes int) time.Time { return base.Add(time.Duration(minutes) * time.Minute) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// testStore is the conformance suite every Store passes; open returns a
// fresh, empty store.
func testStore(t *testing.T, open func(t *testing.T) Store) {
	t.Run("RunLifecycle", func(t *testing.T) { testRunLifecycle(t, open(t)) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, open(t)) })
	t.Run("Backups", func(t *testing.T) { testBackups(t, open(t)) })
	t.Run("RunsFilter", func(t *testing.T) { testRunsFilter(t, open(t)) })
	t.Run("Timeline", func(t *testing.T) { testTimeline(t, open(t)) })
	t.Run("Drifted", func(t *testing.T) { testDrifted(t, open(t)) })
	t.Run("ConcurrentWriters", func(t *testing.T) { testConcurrentWriters(t, open(t)) })
	t.Run("ManyRecordsAtOnce", func(t *testing.T) { testManyRecords(t, open(t)) })
	t.Run("Lock", func(t *testing.T) { testLock(t, open(t)) })
	t.Run("ResultsStoredOnce", func(t *testing.T) { testResultsStoredOnce(t, open(t)) })
	t.Run("InvalidResultRefused", func(t *testing.T) { testInvalidResultRefused(t, open(t)) })
	t.Run("Prune", func(t *testing.T) { testPrune(t, open(t)) })
	t.Run("RunRecordsAndBackups", func(t *testing.T) { testRunRecords(t, open(t)) })
	t.Run("Intents", func(t *testing.T) { testIntents(t, open(t)) })
	t.Run("PruneKeepsSettlingIntent", func(t *testing.T) { testPruneKeepsSettlingIntent(t, open(t)) })
	t.Run("SchemaCurrent", func(t *testing.T) {
		s := open(t).(*sqlStore)
		v, err := schemaVersion(ctxT(t), s.db)
		if err != nil {
			t.Fatal(err)
		}
		if v != len(s.d.migrations) {
			t.Errorf("schema version %d, want %d", v, len(s.d.migrations))
		}
	})
}

func mustStart(t *testing.T, s Store, r Run) int64 {
	t.Helper()
	id, err := s.StartRun(ctxT(t), r)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustRecord(t *testing.T, s Store, rec SwitchRecord) {
	t.Helper()
	if err := s.RecordSwitch(ctxT(t), rec); err != nil {
		t.Fatal(err)
	}
}

func testRunLifecycle(t *testing.T, s Store) {
	ctx := ctxT(t)
	id := mustStart(t, s, Run{Command: "apply", Scope: "site=lab", Inventory: "/etc/qosagent/inventory.yaml", StartedAt: base})
	runs, err := s.Runs(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Fatalf("Runs = %d runs, want 1", len(runs))
	}
	r := runs[0]
	host, _ := os.Hostname()
	if r.ID != id || r.Command != "apply" || r.Scope != "site=lab" || r.Inventory != "/etc/qosagent/inventory.yaml" ||
		r.Host != host || r.PID != os.Getpid() || r.FinishedAt != nil || r.ExitCode != nil || r.Summary != nil || r.DryRun {
		t.Errorf("running run = %+v", r)
	}
	if want := base.Truncate(time.Microsecond); !r.StartedAt.Equal(want) || r.StartedAt.Location() != time.UTC {
		t.Errorf("StartedAt = %v, want %v UTC", r.StartedAt, want)
	}

	summary := json.RawMessage(`{"switches":2,"compliant":1,"drift":1}`)
	if err := s.FinishRun(ctx, id, at(1), 1, true, summary); err != nil {
		t.Fatal(err)
	}
	runs, err = s.Runs(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	r = runs[0]
	if r.FinishedAt == nil || !r.FinishedAt.Equal(at(1).Truncate(time.Microsecond)) {
		t.Errorf("FinishedAt = %v, want %v", r.FinishedAt, at(1))
	}
	if r.ExitCode == nil || *r.ExitCode != 1 || !r.Interrupted || string(r.Summary) != string(summary) {
		t.Errorf("finished run = %+v", r)
	}

	dry := mustStart(t, s, Run{Command: "apply", DryRun: true, Host: "agent-7", PID: 42, StartedAt: at(2)})
	runs, err = s.Runs(ctx, Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r := runs[0]; r.ID != dry || !r.DryRun || r.Host != "agent-7" || r.PID != 42 {
		t.Errorf("dry run = %+v", r)
	}

	if _, err := s.StartRun(ctx, Run{}); err == nil {
		t.Error("StartRun without a command succeeded")
	}
	if _, err := s.StartRun(ctx, Run{Command: "audit", Summary: json.RawMessage(`{`)}); err == nil {
		t.Error("StartRun with invalid JSON succeeded")
	}
}

func testNotFound(t *testing.T, s Store) {
	ctx := ctxT(t)
	if err := s.FinishRun(ctx, 999, base, 0, false, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishRun(999) = %v, want ErrNotFound", err)
	}
	if err := s.RecordSwitch(ctx, SwitchRecord{RunID: 999, Switch: "sw1", Status: StatusDrift}); !errors.Is(err, ErrNotFound) {
		t.Errorf("RecordSwitch(run 999) = %v, want ErrNotFound", err)
	}
	if err := s.SaveBackup(ctx, Backup{RunID: 999, Switch: "sw1", State: json.RawMessage(`{}`)}); !errors.Is(err, ErrNotFound) {
		t.Errorf("SaveBackup(run 999) = %v, want ErrNotFound", err)
	}
	if _, err := s.Backup(ctx, "", "sw1", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("Backup(sw1) = %v, want ErrNotFound", err)
	}
	if _, err := s.Timeline(ctx, Filter{}); err == nil {
		t.Error("Timeline without a switch succeeded")
	}
	recs, err := s.Timeline(ctx, Filter{Switch: "nope"})
	if err != nil || len(recs) != 0 {
		t.Errorf("Timeline(nope) = %v, %v; want nothing", recs, err)
	}
}

func testBackups(t *testing.T, s Store) {
	ctx := ctxT(t)
	state1 := json.RawMessage(`{"queues": [0, 1, 2, 3], "dscp_map": {"0": 1, "46": 2}, "trust": {"0": "dot1p"}}`)
	state2 := json.RawMessage(`{"queues":[0,1,2,3],"dscp_map":{"0":1,"46":3}}`)
	r1 := mustStart(t, s, Run{Command: "apply", StartedAt: at(0)})
	r2 := mustStart(t, s, Run{Command: "apply", StartedAt: at(10)})
	for _, b := range []Backup{
		{RunID: r1, Site: "lab", Switch: "sw1", TakenAt: at(1), State: state1},
		{RunID: r1, Site: "lab", Switch: "sw1", TakenAt: at(2), State: state2}, // a retry: the first is kept
		{RunID: r2, Site: "lab", Switch: "sw1", TakenAt: at(11), State: state2},
		{RunID: r1, Site: "lab", Switch: "sw2", TakenAt: at(1), State: state2},
	} {
		if err := s.SaveBackup(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	b, err := s.Backup(ctx, "lab", "sw1", r1)
	if err != nil {
		t.Fatal(err)
	}
	// Byte for byte: a restore must see exactly what was read.
	if b.RunID != r1 || b.Site != "lab" || b.Switch != "sw1" || string(b.State) != string(state1) ||
		!b.TakenAt.Equal(at(1).Truncate(time.Microsecond)) {
		t.Errorf("Backup(sw1, run %d) = %+v %s", r1, b, b.State)
	}
	b, err = s.Backup(ctx, "", "sw1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if b.RunID != r2 || string(b.State) != string(state2) {
		t.Errorf("latest Backup(sw1) = run %d %s, want run %d", b.RunID, b.State, r2)
	}
	if _, err := s.Backup(ctx, "lab", "sw2", r2); !errors.Is(err, ErrNotFound) {
		t.Errorf("Backup(sw2, run %d) = %v, want ErrNotFound", r2, err)
	}
	if err := s.SaveBackup(ctx, Backup{RunID: r1, Switch: "sw3"}); err == nil {
		t.Error("SaveBackup without state succeeded")
	}
}

func testRunsFilter(t *testing.T, s Store) {
	ctx := ctxT(t)
	// 55 audits, one switch each, drifted every fifth; then an apply.
	var ids []int64
	for i := range 55 {
		id := mustStart(t, s, Run{Command: "audit", StartedAt: at(i)})
		ids = append(ids, id)
		status := StatusCompliant
		if i%5 == 0 {
			status = StatusDrift
		}
		mustRecord(t, s, SwitchRecord{RunID: id, Site: "lab", Switch: fmt.Sprintf("sw%d", i%3), Status: status, At: at(i)})
	}
	apply := mustStart(t, s, Run{Command: "apply", StartedAt: at(100)})
	mustRecord(t, s, SwitchRecord{RunID: apply, Site: "hq", Switch: "sw0", Status: StatusChanged, At: at(100)})

	for _, tc := range []struct {
		name  string
		f     Filter
		n     int
		first int64
	}{
		{"default limit", Filter{}, DefaultLimit, apply},
		{"no limit", Filter{Limit: -1}, 56, apply},
		{"limit", Filter{Limit: 3}, 3, apply},
		{"since", Filter{Since: at(50)}, 6, apply},
		{"command", Filter{Command: "audit", Limit: -1}, 55, ids[54]},
		{"switch", Filter{Switch: "sw1", Limit: -1}, 18, ids[52]},
		{"site", Filter{Site: "hq"}, 1, apply},
		{"switch and site", Filter{Switch: "sw0", Site: "lab", Limit: -1}, 19, ids[54]},
		{"drifted", Filter{Drifted: true, Limit: -1}, 11, ids[50]},
		{"drifted switch", Filter{Drifted: true, Switch: "sw2", Limit: -1}, 4, ids[50]},
	} {
		runs, err := s.Runs(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(runs) != tc.n || runs[0].ID != tc.first {
			t.Errorf("%s: %d runs, first %d; want %d, first %d", tc.name, len(runs), runs[0].ID, tc.n, tc.first)
		}
		for i := 1; i < len(runs); i++ {
			if runs[i].StartedAt.After(runs[i-1].StartedAt) {
				t.Errorf("%s: runs not newest first at %d", tc.name, i)
				break
			}
		}
	}
}

func testTimeline(t *testing.T, s Store) {
	ctx := ctxT(t)
	result := json.RawMessage(`{"status":"drift","dscp_map":{"0":1,"24":1,"34":2,"46":2},"findings":[{"rule":"ef-top"}]}`)
	audit := mustStart(t, s, Run{Command: "audit", StartedAt: at(0)})
	mustRecord(t, s, SwitchRecord{RunID: audit, Site: "lab", Switch: "sw1", Vendor: "netgear-gs110tp", Address: "192.0.2.10",
		Status: StatusDrift, At: at(1), Findings: 3, Result: result})
	mustRecord(t, s, SwitchRecord{RunID: audit, Site: "lab", Switch: "sw2", Status: StatusError, At: at(1), Error: "timeout"})
	apply := mustStart(t, s, Run{Command: "apply", StartedAt: at(10)})
	mustRecord(t, s, SwitchRecord{RunID: apply, Site: "lab", Switch: "sw1", Status: StatusChanged, At: at(11), Changes: 2})
	again := mustStart(t, s, Run{Command: "audit", StartedAt: at(20)})
	mustRecord(t, s, SwitchRecord{RunID: again, Site: "lab", Switch: "sw1", Status: StatusCompliant, At: at(21)})
	mustRecord(t, s, SwitchRecord{RunID: again, Site: "hq", Switch: "sw1", Status: StatusCompliant, At: at(22)})

	recs, err := s.Timeline(ctx, Filter{Switch: "sw1", Site: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("Timeline(lab/sw1) = %d records, want 3", len(recs))
	}
	wantRuns := []int64{again, apply, audit}
	wantCmds := []string{"audit", "apply", "audit"}
	for i, rec := range recs {
		if rec.RunID != wantRuns[i] || rec.Command != wantCmds[i] {
			t.Errorf("record %d: run %d %s, want run %d %s", i, rec.RunID, rec.Command, wantRuns[i], wantCmds[i])
		}
	}
	first := recs[2]
	if first.Vendor != "netgear-gs110tp" || first.Address != "192.0.2.10" || first.Findings != 3 ||
		string(first.Result) != string(result) || !first.At.Equal(at(1).Truncate(time.Microsecond)) {
		t.Errorf("drift record = %+v", first)
	}
	if recs[1].Changes != 2 || recs[0].Result != nil {
		t.Errorf("records = %+v", recs[:2])
	}

	for _, tc := range []struct {
		name string
		f    Filter
		n    int
	}{
		{"all sites", Filter{Switch: "sw1"}, 4},
		{"limit", Filter{Switch: "sw1", Limit: 2}, 2},
		{"since", Filter{Switch: "sw1", Since: at(11)}, 3},
		{"drifted", Filter{Switch: "sw1", Drifted: true}, 1},
		{"command", Filter{Switch: "sw1", Command: "apply"}, 1},
		{"error", Filter{Switch: "sw2"}, 1},
	} {
		recs, err := s.Timeline(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(recs) != tc.n {
			t.Errorf("%s: %d records, want %d", tc.name, len(recs), tc.n)
		}
	}
}

func testDrifted(t *testing.T, s Store) {
	ctx := ctxT(t)
	audit := mustStart(t, s, Run{Command: "audit", StartedAt: at(0)})
	apply := mustStart(t, s, Run{Command: "apply", StartedAt: at(0)})
	rec := func(run int64, sw, status string, minute int) {
		mustRecord(t, s, SwitchRecord{RunID: run, Site: "lab", Switch: sw, Status: status, At: at(minute)})
	}
	// fixed: drifted twice, then compliant.
	rec(audit, "fixed", StatusDrift, 1)
	rec(audit, "fixed", StatusDrift, 2)
	rec(audit, "fixed", StatusCompliant, 3)
	// still: planned, then an error that says nothing about the map.
	rec(apply, "still", StatusPlanned, 2)
	rec(audit, "still", StatusError, 3)
	// relapsed: fixed by an apply, drifted again.
	rec(audit, "relapsed", StatusDrift, 1)
	rec(apply, "relapsed", StatusChanged, 2)
	rec(audit, "relapsed", StatusDrift, 4)
	// fixed twice: the first fix counts.
	rec(audit, "twice", StatusDrift, 1)
	rec(apply, "twice", StatusChanged, 2)
	rec(audit, "twice", StatusCompliant, 3)
	// never drifted, or only before the window.
	rec(audit, "clean", StatusCompliant, 1)
	rec(audit, "old", StatusDrift, -10)
	rec(audit, "old", StatusCompliant, 1)
	// compliant before its drift: not a fix.
	rec(audit, "late", StatusCompliant, 1)
	rec(audit, "late", StatusDrift, 5)
	// the same name at another site is another switch.
	mustRecord(t, s, SwitchRecord{RunID: audit, Site: "hq", Switch: "fixed", Status: StatusCompliant, At: at(1)})

	ds, err := s.Drifted(ctx, Filter{Since: at(0)})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		sw          string
		first, last int
		fixed       int // minute, -1 = still drifted
		fixedBy     int64
	}
	wants := []want{
		{"fixed", 1, 2, 3, audit},
		{"late", 5, 5, -1, 0},
		{"relapsed", 1, 4, -1, 0},
		{"still", 2, 2, -1, 0},
		{"twice", 1, 1, 2, apply},
	}
	if len(ds) != len(wants) {
		t.Fatalf("Drifted = %d switches %+v, want %d", len(ds), ds, len(wants))
	}
	for i, w := range wants {
		d := ds[i]
		if d.Site != "lab" || d.Switch != w.sw {
			t.Errorf("drift %d: %s/%s, want lab/%s", i, d.Site, d.Switch, w.sw)
			continue
		}
		if !d.First.At.Equal(at(w.first).Truncate(time.Microsecond)) || !d.Last.At.Equal(at(w.last).Truncate(time.Microsecond)) {
			t.Errorf("%s: first %v last %v, want minutes %d and %d", w.sw, d.First.At, d.Last.At, w.first, w.last)
		}
		if d.First.RunID == 0 || d.First.Command == "" {
			t.Errorf("%s: first record lacks its run: %+v", w.sw, d.First)
		}
		switch {
		case w.fixed < 0 && d.Fixed != nil:
			t.Errorf("%s: fixed at %v, want still drifted", w.sw, d.Fixed.At)
		case w.fixed >= 0 && d.Fixed == nil:
			t.Errorf("%s: still drifted, want fixed at minute %d", w.sw, w.fixed)
		case w.fixed >= 0 && (!d.Fixed.At.Equal(at(w.fixed).Truncate(time.Microsecond)) || d.Fixed.RunID != w.fixedBy):
			t.Errorf("%s: fixed at %v by run %d, want minute %d by run %d", w.sw, d.Fixed.At, d.Fixed.RunID, w.fixed, w.fixedBy)
		}
	}
	ds, err = s.Drifted(ctx, Filter{Since: at(5)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Switch != "late" {
		t.Errorf("Drifted(since minute 5) = %+v, want late only", ds)
	}
	// --switch, --site and --limit narrow it like the other listings.
	ds, err = s.Drifted(ctx, Filter{Since: at(0), Switch: "relapsed"})
	if err != nil || len(ds) != 1 || ds[0].Switch != "relapsed" || ds[0].First.Status == "" {
		t.Errorf("Drifted(switch relapsed) = %+v, %v; want relapsed only", ds, err)
	}
	ds, err = s.Drifted(ctx, Filter{Since: at(0), Site: "hq"})
	if err != nil || len(ds) != 0 {
		t.Errorf("Drifted(site hq) = %+v, %v; want none", ds, err)
	}
	ds, err = s.Drifted(ctx, Filter{Since: at(0), Limit: 2})
	if err != nil || len(ds) != 2 || ds[0].Switch != "fixed" || ds[1].Switch != "late" {
		t.Errorf("Drifted(limit 2) = %+v, %v; want fixed and late", ds, err)
	}
}

// testManyRecords: a batch larger than one INSERT statement is stored
// whole, each row with its own values.
func testManyRecords(t *testing.T, s Store) {
	ctx := ctxT(t)
	run := mustStart(t, s, Run{Command: "audit", StartedAt: at(0)})
	n := 2*recordsPerInsert + 3
	recs := make([]SwitchRecord, n)
	for i := range recs {
		recs[i] = SwitchRecord{RunID: run, Site: "lab", Switch: fmt.Sprintf("sw%d", i), Status: StatusCompliant,
			At: at(1), Findings: i, Result: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}
	}
	if err := s.RecordSwitch(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, recordsPerInsert - 1, recordsPerInsert, 2 * recordsPerInsert, n - 1} {
		got, err := s.Timeline(ctx, Filter{Switch: fmt.Sprintf("sw%d", i)})
		if err != nil || len(got) != 1 || got[0].Findings != i || string(got[0].Result) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("sw%d: %+v, %v", i, got, err)
		}
	}
	bad := append(recs[:1:1], SwitchRecord{RunID: 999, Site: "lab", Switch: "orphan", Status: StatusDrift})
	if err := s.RecordSwitch(ctx, bad...); !errors.Is(err, ErrNotFound) {
		t.Errorf("a record of run 999 in a batch: %v, want ErrNotFound", err)
	}
}

func testConcurrentWriters(t *testing.T, s Store) {
	writeConcurrently(t, []Store{s}, 8, 4)
}

// writeConcurrently has writers goroutines, spread over stores, each
// record runs runs of three switches, then checks nothing was lost.
func writeConcurrently(t *testing.T, stores []Store, writers, runs int) {
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%len(stores)]
			for r := range runs {
				id, err := s.StartRun(ctx, Run{Command: "audit", Scope: fmt.Sprintf("writer=%d", w)})
				if err != nil {
					errs <- err
					return
				}
				for sw := range 3 {
					if err := s.RecordSwitch(ctx, SwitchRecord{RunID: id, Site: "lab", Switch: fmt.Sprintf("w%d-sw%d", w, sw),
						Status: StatusCompliant, Result: json.RawMessage(`{}`)}); err != nil {
						errs <- err
						return
					}
				}
				if err := s.SaveBackup(ctx, Backup{RunID: id, Site: "lab", Switch: fmt.Sprintf("w%d-sw0", w), State: json.RawMessage(`{}`)}); err != nil {
					errs <- err
					return
				}
				if err := s.FinishRun(ctx, id, time.Time{}, r%2, false, nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	all, err := stores[0].Runs(ctx, Filter{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*runs {
		t.Errorf("%d runs, want %d", len(all), writers*runs)
	}
	for _, r := range all {
		if r.FinishedAt == nil {
			t.Errorf("run %d not finished", r.ID)
		}
	}
	recs, err := stores[0].Timeline(ctx, Filter{Switch: "w0-sw2", Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != runs {
		t.Errorf("w0-sw2 has %d records, want %d", len(recs), runs)
	}
}

func testLock(t *testing.T, s Store) {
	ctx := ctxT(t)
	const key = "apply:/etc/qosagent/inventory.yaml:lab"
	unlock, err := s.Lock(ctx, key, 0)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()

	// Held: a second taker is told who holds it.
	_, err = s.Lock(ctx, key, 0)
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second Lock = %v, want *LockedError", err)
	}
	if locked.Key != key || locked.HolderPID != os.Getpid() || locked.Host != host || locked.Since.IsZero() {
		t.Errorf("LockedError = %+v, want pid %d on %s", locked, os.Getpid(), host)
	}
	start := time.Now()
	if _, err := s.Lock(ctx, key, 200*time.Millisecond); !errors.As(err, &locked) {
		t.Errorf("Lock waiting 200ms = %v, want *LockedError", err)
	} else if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("Lock gave up after %v, want 200ms", d)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = s.Lock(short, key, -1)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Lock waiting forever with a 100ms context = %v, want deadline exceeded", err)
	}

	// Another key is another lock.
	other, err := s.Lock(ctx, "apply:/etc/qosagent/inventory.yaml:hq", 0)
	if err != nil {
		t.Fatalf("Lock(other key) = %v", err)
	}
	if err := other(); err != nil {
		t.Error(err)
	}

	// A waiter gets the lock once it is released.
	got := make(chan error, 1)
	go func() {
		unlock2, err := s.Lock(ctx, key, 30*time.Second)
		if err == nil {
			err = unlock2()
		}
		got <- err
	}()
	time.Sleep(150 * time.Millisecond)
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Errorf("waiting Lock = %v", err)
	}
	if err := unlock(); err != nil {
		t.Errorf("second unlock = %v", err)
	}
	// Released for good: taken again at once.
	unlock, err = s.Lock(ctx, key, 0)
	if err != nil {
		t.Fatalf("Lock after release = %v", err)
	}
	if err := unlock(); err != nil {
		t.Error(err)
	}
}

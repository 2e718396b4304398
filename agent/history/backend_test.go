package history

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qosagent/qosagent/internal/pgtest"
)

// backend is what the store-independent tests need to know about a
// database kind besides Open.
type backend struct {
	// newDSN returns an empty database of this kind.
	newDSN func(t *testing.T) string
	// raw opens dsn without Open, for setting up old schemas.
	raw func(t *testing.T, dsn string) *sql.DB
	d   *dialect
}

func openDSN(t *testing.T, dsn string) Store {
	t.Helper()
	s, err := Open(ctxT(t), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testBackend runs the conformance suite and the tests that need to set
// up databases by hand.
func testBackend(t *testing.T, b backend) {
	testStore(t, func(t *testing.T) Store { return openDSN(t, b.newDSN(t)) })
	t.Run("MigrateFromV1", func(t *testing.T) { testMigrateFromV1(t, b) })
	t.Run("MigrateResultsFromV4", func(t *testing.T) { testMigrateResultsFromV4(t, b) })
	t.Run("ConcurrentOpen", func(t *testing.T) { testConcurrentOpen(t, b) })
	t.Run("NewerSchemaRefused", func(t *testing.T) { testNewerSchema(t, b) })
	t.Run("LockOtherProcess", func(t *testing.T) { testLockOtherProcess(t, b.newDSN(t)) })
	t.Run("PruneWhileRecording", func(t *testing.T) { testPruneWhileRecording(t, b) })
}

// testPruneWhileRecording: a prune that runs while another process
// records a switch whose result is stored already (by a run being pruned)
// must not delete that result under the new record. The writer's
// statements are RecordSwitch's, in a transaction held open by hand.
func testPruneWhileRecording(t *testing.T, b backend) {
	ctx := ctxT(t)
	dsn := b.newDSN(t)
	s := openDSN(t, dsn)
	body := []byte(`{"name":"sw1","status":"compliant"}`)
	old := mustStart(t, s, Run{Command: "audit", StartedAt: base.Add(-200 * 24 * time.Hour)})
	mustRecord(t, s, SwitchRecord{RunID: old, Site: "lab", Switch: "sw1", Status: StatusCompliant, At: base.Add(-200 * 24 * time.Hour), Result: body})
	now := mustStart(t, s, Run{Command: "audit", StartedAt: base})

	raw := b.raw(t, dsn)
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	h := resultHash(body)
	if _, err := tx.ExecContext(ctx, b.d.q(`INSERT INTO results (hash, body) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`), h, string(body)); err != nil {
		t.Fatal(err)
	}
	pruned := make(chan error, 1)
	go func() {
		_, err := s.Prune(ctx, base.Add(-90*24*time.Hour))
		pruned <- err
	}()
	select { // a prune that does not wait for the writer is done by now
	case err := <-pruned:
		pruned <- err
	case <-time.After(500 * time.Millisecond):
	}
	if _, err := tx.ExecContext(ctx, b.d.q(`INSERT INTO switch_records (run_id, site, switch, vendor, address, status, at, error, findings, changes, result_hash)
	VALUES (?, 'lab', 'sw1', '', '', ?, ?, '', 0, 0, ?)`), now, StatusCompliant, b.d.timeArg(base), h); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-pruned; err != nil {
		t.Fatal(err)
	}
	recs, err := s.Timeline(ctx, Filter{RunID: now})
	if err != nil || len(recs) != 1 {
		t.Fatalf("timeline: %d records, %v", len(recs), err)
	}
	if string(recs[0].Result) != string(body) {
		t.Errorf("the new record's result is %q: the prune deleted it under the writer", recs[0].Result)
	}
}

// testMigrateFromV1 opens a database left by the first release, rows
// included, with the current code.
func testMigrateFromV1(t *testing.T, b backend) {
	ctx := ctxT(t)
	dsn := b.newDSN(t)
	db := b.raw(t, dsn)
	if err := migrate(ctx, db, b.d, b.d.migrations[:1], base, discardLogger()); err != nil {
		t.Fatal(err)
	}
	q := b.d.q
	var run int64
	if err := db.QueryRowContext(ctx, q(`INSERT INTO runs (command, scope, host, pid, started_at) VALUES (?, ?, ?, ?, ?) RETURNING id`),
		"audit", "all", "old-agent", 7, b.d.timeArg(at(0))).Scan(&run); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, q(`INSERT INTO switch_records (run_id, site, switch, status, at, findings, result) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		run, "lab", "sw1", StatusDrift, b.d.timeArg(at(1)), 2, `{"status":"drift"}`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, q(`INSERT INTO backups (run_id, site, switch, taken_at, state) VALUES (?, ?, ?, ?, ?)`),
		run, "lab", "sw1", b.d.timeArg(at(1)), `{"dscp_map":{}}`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s := openDSN(t, dsn)
	v, err := schemaVersion(ctx, s.(*sqlStore).db)
	if err != nil {
		t.Fatal(err)
	}
	if v != len(b.d.migrations) {
		t.Errorf("schema version %d after Open, want %d", v, len(b.d.migrations))
	}
	runs, err := s.Runs(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != run || runs[0].Host != "old-agent" || runs[0].PID != 7 {
		t.Errorf("runs after migration = %+v", runs)
	}
	recs, err := s.Timeline(ctx, Filter{Switch: "sw1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Findings != 2 || recs[0].Changes != 0 || string(recs[0].Result) != `{"status":"drift"}` {
		t.Errorf("records after migration = %+v", recs)
	}
	if bk, err := s.Backup(ctx, "lab", "sw1", run); err != nil || string(bk.State) != `{"dscp_map":{}}` {
		t.Errorf("backup after migration = %+v, %v", bk, err)
	}
	// The new column is written and read.
	mustRecord(t, s, SwitchRecord{RunID: run, Site: "lab", Switch: "sw1", Status: StatusPlanned, At: at(2), Changes: 3})
	recs, err = s.Timeline(ctx, Filter{Switch: "sw1", Limit: 1})
	if err != nil || len(recs) != 1 || recs[0].Changes != 3 {
		t.Errorf("new record = %+v, %v", recs, err)
	}
	// Opening again migrates nothing.
	openDSN(t, dsn)
}

// testMigrateResultsFromV4: results and the records referring to them,
// written by a version-4 agent, read the same after the later migrations
// (SQLite moves results into a rowid table), and deduplication still holds.
func testMigrateResultsFromV4(t *testing.T, b backend) {
	ctx := ctxT(t)
	dsn := b.newDSN(t)
	db := b.raw(t, dsn)
	if err := migrate(ctx, db, b.d, b.d.migrations[:min(4, len(b.d.migrations))], base, discardLogger()); err != nil {
		t.Fatal(err)
	}
	// The records go in through the store's own statements, on the
	// version-4 tables.
	v4 := &sqlStore{d: b.d, db: db, now: time.Now, log: discardLogger()}
	res := json.RawMessage(`{"name":"sw1","status":"compliant"}`)
	for i := range 3 {
		id := mustStart(t, v4, Run{Command: "audit", StartedAt: at(i)})
		mustRecord(t, v4, SwitchRecord{RunID: id, Site: "lab", Switch: "sw1", Status: StatusCompliant, At: at(i), Result: res})
	}
	db.Close()

	s := openDSN(t, dsn)
	if v, err := schemaVersion(ctx, s.(*sqlStore).db); err != nil || v != len(b.d.migrations) {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(b.d.migrations))
	}
	id := mustStart(t, s, Run{Command: "audit", StartedAt: at(5)})
	mustRecord(t, s, SwitchRecord{RunID: id, Site: "lab", Switch: "sw1", Status: StatusCompliant, At: at(5), Result: res})
	recs, err := s.Timeline(ctx, Filter{Switch: "sw1"})
	if err != nil || len(recs) != 4 {
		t.Fatalf("timeline: %d records, %v", len(recs), err)
	}
	for _, r := range recs {
		if string(r.Result) != string(res) {
			t.Errorf("run %d: result %s", r.RunID, r.Result)
		}
	}
	if n := countRows(t, s, "results"); n != 1 {
		t.Errorf("%d results for one unchanged switch", n)
	}
	if b.d.name == "sqlite" {
		var ddl string
		if err := s.(*sqlStore).db.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE name = 'results'`).Scan(&ddl); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(ddl, "WITHOUT ROWID") || !strings.Contains(ddl, "NOT NULL PRIMARY KEY") {
			t.Errorf("results table after migration: %s", ddl)
		}
	}
}

// testConcurrentOpen starts several agents at once on a fresh database:
// one creates the schema, the others wait for it and find it current.
func testConcurrentOpen(t *testing.T, b backend) {
	dsn := b.newDSN(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctxT(t), dsn, Options{})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			_, err = s.StartRun(ctxT(t), Run{Command: "audit"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	var rows int
	if err := b.raw(t, dsn).QueryRowContext(ctxT(t), "SELECT COUNT(*) FROM schema_migrations").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(b.d.migrations) {
		t.Errorf("schema_migrations has %d rows, want %d", rows, len(b.d.migrations))
	}
}

func testNewerSchema(t *testing.T, b backend) {
	dsn := b.newDSN(t)
	openDSN(t, dsn)
	db := b.raw(t, dsn)
	if _, err := db.ExecContext(ctxT(t), b.d.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		99, "from the future", b.d.timeArg(base)); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctxT(t), dsn, Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if !strings.Contains(err.Error(), "schema version 99") {
		t.Errorf("error %q does not name the version", err)
	}
}

// Lock helper: the test binary re-executed to hold a lock in another
// process (see TestMain).
const (
	helperEnv    = "QOSAGENT_HISTORY_LOCK_HELPER"
	helperDSNEnv = "QOSAGENT_HISTORY_LOCK_DSN"
	helperKey    = "apply:inventory.yaml:lab"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		os.Exit(lockHelper())
	}
	os.Exit(m.Run())
}

// lockHelper takes the lock, says so on stdout and holds it until stdin
// closes, then exits without unlocking: the lock must go with the process.
func lockHelper() int {
	ctx := context.Background()
	s, err := Open(ctx, os.Getenv(helperDSNEnv), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := s.Lock(ctx, helperKey, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

func testLockOtherProcess(t *testing.T, dsn string) {
	ctx := ctxT(t)
	s := openDSN(t, dsn)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", helperDSNEnv+"="+dsn)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}

	_, err = s.Lock(ctx, helperKey, 0)
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("Lock held by pid %d = %v, want *LockedError", cmd.Process.Pid, err)
	}
	if locked.HolderPID != cmd.Process.Pid {
		t.Errorf("LockedError names pid %d, want the helper's %d", locked.HolderPID, cmd.Process.Pid)
	}
	if !strings.Contains(locked.Error(), "pid "+strconv.Itoa(cmd.Process.Pid)) {
		t.Errorf("message %q does not name the pid", locked.Error())
	}

	// The helper exits without unlocking; the waiter gets the lock.
	got := make(chan error, 1)
	go func() {
		unlock, err := s.Lock(ctx, helperKey, 30*time.Second)
		if err == nil {
			err = unlock()
		}
		got <- err
	}()
	time.Sleep(100 * time.Millisecond)
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Errorf("helper: %v", err)
	}
	if err := <-got; err != nil {
		t.Errorf("Lock after the holder died = %v", err)
	}
}

func sqliteBackend() backend {
	return backend{
		newDSN: func(t *testing.T) string { return filepath.Join(t.TempDir(), "history.db") },
		raw: func(t *testing.T, dsn string) *sql.DB {
			if err := createPrivate(dsn); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite", sqliteDSN(dsn))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		d: sqliteDialect,
	}
}

func TestSQLite(t *testing.T) {
	testBackend(t, sqliteBackend())
}

func TestPostgres(t *testing.T) {
	server := pgtest.Start(t)
	testBackend(t, backend{
		newDSN: func(t *testing.T) string { return pgtest.NewDatabase(t, server) },
		raw: func(t *testing.T, dsn string) *sql.DB {
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		d: postgresDialect,
	})
}

package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
)

// sqlStore is the Store of both databases; d holds what differs.
type sqlStore struct {
	db   *sql.DB
	d    *dialect
	now  func() time.Time
	log  *slog.Logger
	lock func(ctx context.Context, key string, wait time.Duration) (func() error, error)
}

// holder names this process in lock files and rows.
type holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

func (s *sqlStore) self() holder {
	host, _ := os.Hostname()
	return holder{PID: os.Getpid(), Host: host, Since: stamp(s.now())}
}

func (s *sqlStore) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("history: close: %w", err)
	}
	return nil
}

func (s *sqlStore) Lock(ctx context.Context, key string, wait time.Duration) (func() error, error) {
	if key == "" {
		return nil, errors.New("history: lock: empty key")
	}
	return s.lock(ctx, key, wait)
}

// timeOr is t, or now when t is zero.
func (s *sqlStore) timeOr(t time.Time) time.Time {
	if t.IsZero() {
		return stamp(s.now())
	}
	return stamp(t)
}

func checkJSON(what string, raw json.RawMessage) error {
	if len(raw) > 0 && !json.Valid(raw) {
		return fmt.Errorf("history: %s is not valid JSON", what)
	}
	return nil
}

func (s *sqlStore) StartRun(ctx context.Context, r Run) (int64, error) {
	if r.Command == "" {
		return 0, errors.New("history: start run: empty command")
	}
	if err := checkJSON("run summary", r.Summary); err != nil {
		return 0, err
	}
	if r.Host == "" {
		r.Host, _ = os.Hostname()
	}
	if r.PID == 0 {
		r.PID = os.Getpid()
	}
	var finished any
	if r.FinishedAt != nil {
		finished = s.d.timeArg(stamp(*r.FinishedAt))
	}
	var id int64
	err := s.db.QueryRowContext(ctx, s.d.q(`INSERT INTO runs
	(command, dry_run, scope, inventory, host, pid, started_at, finished_at, interrupted, exit_code, summary)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		r.Command, r.DryRun, r.Scope, r.Inventory, r.Host, r.PID, s.d.timeArg(s.timeOr(r.StartedAt)),
		finished, r.Interrupted, r.ExitCode, jsonArg(r.Summary)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("history: start %s run: %w", r.Command, err)
	}
	return id, nil
}

func (s *sqlStore) FinishRun(ctx context.Context, id int64, finished time.Time, exitCode int, interrupted bool, summary json.RawMessage) error {
	if err := checkJSON("run summary", summary); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.d.q(`UPDATE runs SET finished_at = ?, exit_code = ?, interrupted = ?, summary = ? WHERE id = ?`),
		s.d.timeArg(s.timeOr(finished)), exitCode, interrupted, jsonArg(summary), id)
	if err != nil {
		return fmt.Errorf("history: finish run %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("history: finish run %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("history: finish run %d: %w", id, ErrNotFound)
	}
	return nil
}

// RecordSwitch stores the records in one transaction: a batch of hundreds
// of switches then costs one commit, not one per switch.
func (s *sqlStore) RecordSwitch(ctx context.Context, recs ...SwitchRecord) error {
	for _, rec := range recs {
		if rec.Switch == "" || rec.Status == "" {
			return errors.New("history: record switch: switch and status are required")
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: record switches: %w", err)
	}
	defer tx.Rollback()
	// Results go first, each distinct one once; the records refer to them.
	hashes := make([][]byte, len(recs))
	var bodies []resultBody
	seen := map[string]bool{}
	for i, rec := range recs {
		if len(rec.Result) == 0 {
			continue
		}
		h := resultHash(rec.Result)
		hashes[i] = h
		if !seen[string(h)] {
			seen[string(h)] = true
			bodies = append(bodies, resultBody{h, rec.Result})
		}
	}
	for start := 0; start < len(bodies); start += resultsPerInsert {
		chunk := bodies[start:min(start+resultsPerInsert, len(bodies))]
		var q strings.Builder
		q.WriteString(`INSERT INTO results (hash, body) VALUES `)
		args := make([]any, 0, 2*len(chunk))
		for i, b := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?)")
			args = append(args, b.hash, string(b.body))
		}
		// A body already stored passed this check when it was first
		// written, so only those this INSERT added (RETURNING names them)
		// are checked; an invalid one rolls the whole batch back. Hourly
		// audits of an unchanged fleet then check almost nothing.
		q.WriteString(` ON CONFLICT (hash) DO NOTHING RETURNING hash`)
		added, err := s.insertedHashes(ctx, tx, q.String(), args)
		if err != nil {
			return fmt.Errorf("history: record switch results: %w", err)
		}
		for _, b := range chunk {
			if _, ok := added[string(b.hash)]; ok {
				if err := checkJSON("switch result", b.body); err != nil {
					return err
				}
			}
		}
	}
	// Many rows per INSERT: against a PostgreSQL server across a WAN a row
	// per statement would cost a round trip per switch.
	for start := 0; start < len(recs); start += recordsPerInsert {
		chunk := recs[start:min(start+recordsPerInsert, len(recs))]
		var q strings.Builder
		q.WriteString(`INSERT INTO switch_records
	(run_id, site, switch, vendor, address, status, at, error, findings, changes, result_hash) VALUES `)
		args := make([]any, 0, len(chunk)*11)
		for i, rec := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			var h any
			if hb := hashes[start+i]; hb != nil {
				h = hb
			}
			args = append(args, rec.RunID, rec.Site, rec.Switch, rec.Vendor, rec.Address, rec.Status, s.d.timeArg(s.timeOr(rec.At)),
				rec.Error, rec.Findings, rec.Changes, h)
		}
		if _, err := tx.ExecContext(ctx, s.d.q(q.String()), args...); err != nil {
			if s.d.isForeignKeyViolation(err) {
				err = fmt.Errorf("run %d: %w", chunk[0].RunID, ErrNotFound)
			}
			return fmt.Errorf("history: record switches: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: record switches: %w", err)
	}
	return nil
}

// insertedHashes runs an INSERT ... RETURNING hash and collects the hashes.
func (s *sqlStore) insertedHashes(ctx context.Context, tx *sql.Tx, query string, args []any) (map[string]struct{}, error) {
	rows, err := tx.QueryContext(ctx, s.d.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	added := map[string]struct{}{}
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		added[string(h)] = struct{}{}
	}
	return added, rows.Err()
}

// resultsPerInsert keeps an INSERT of results at 1,000 parameters.
const resultsPerInsert = 500

type resultBody struct {
	hash []byte
	body json.RawMessage
}

// resultHash names a result by its content: the first 16 bytes of its
// SHA-256, so that equal results share one row and a collision would
// take about 2^64 distinct results.
func resultHash(body []byte) []byte {
	sum := sha256.Sum256(body)
	return sum[:16]
}

// recordsPerInsert keeps an INSERT at 5,500 parameters, well under the
// limits of SQLite (32,766) and PostgreSQL (65,535).
const recordsPerInsert = 500

func (s *sqlStore) SaveBackup(ctx context.Context, b Backup) error {
	if b.Switch == "" || len(b.State) == 0 {
		return errors.New("history: save backup: switch and state are required")
	}
	if err := checkJSON("backup state", b.State); err != nil {
		return err
	}
	// ON CONFLICT keeps the first backup of the run: see Store.SaveBackup.
	_, err := s.db.ExecContext(ctx, s.d.q(`INSERT INTO backups (run_id, site, switch, taken_at, state)
	VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, site, switch) DO NOTHING`),
		b.RunID, b.Site, b.Switch, s.d.timeArg(s.timeOr(b.TakenAt)), string(b.State))
	if err != nil {
		if s.d.isForeignKeyViolation(err) {
			err = fmt.Errorf("run %d: %w", b.RunID, ErrNotFound)
		}
		return fmt.Errorf("history: save backup of %s: %w", b.Switch, err)
	}
	return nil
}

func (s *sqlStore) Backup(ctx context.Context, site, switchName string, runID int64) (Backup, error) {
	query := `SELECT run_id, site, switch, taken_at, state FROM backups WHERE switch = ?`
	args := []any{switchName}
	if site != "" {
		query += ` AND site = ?`
		args = append(args, site)
	}
	if runID != 0 {
		query += ` AND run_id = ?`
		args = append(args, runID)
	}
	query += ` ORDER BY taken_at DESC, id DESC LIMIT 1`
	var b Backup
	var taken dbTime
	var state []byte
	err := s.db.QueryRowContext(ctx, s.d.q(query), args...).Scan(&b.RunID, &b.Site, &b.Switch, &taken, &state)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return Backup{}, fmt.Errorf("history: backup of %s %s (run %d): %w", site, switchName, runID, err)
	}
	b.TakenAt, b.State = taken.Time, rawJSON(state)
	return b, nil
}

// where collects the conditions and arguments of a query.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// limitOf is how many rows a Filter.Limit allows; negative means all.
func limitOf(n int) int {
	if n == 0 {
		return DefaultLimit
	}
	return n
}

// limit appends the LIMIT of f to query.
func limit(query string, w *where, n int) string {
	n = limitOf(n)
	if n < 0 {
		return query
	}
	w.args = append(w.args, n)
	return query + " LIMIT ?"
}

const driftedStatuses = "('" + StatusDrift + "', '" + StatusPlanned + "')"

func (s *sqlStore) Runs(ctx context.Context, f Filter) ([]Run, error) {
	var w where
	if f.RunID != 0 {
		w.add("r.id = ?", f.RunID)
	}
	if !f.Since.IsZero() {
		w.add("r.started_at >= ?", s.d.timeArg(stamp(f.Since)))
	}
	if f.Command != "" {
		w.add("r.command = ?", f.Command)
	}
	if f.Site != "" || f.Switch != "" || f.Drifted {
		var sub where
		sub.add("sr.run_id = r.id")
		if f.Site != "" {
			sub.add("sr.site = ?", f.Site)
		}
		if f.Switch != "" {
			sub.add("sr.switch = ?", f.Switch)
		}
		if f.Drifted {
			sub.add("sr.status IN " + driftedStatuses)
		}
		w.add("EXISTS (SELECT 1 FROM switch_records sr"+sub.String()+")", sub.args...)
	}
	query := `SELECT r.id, r.command, r.dry_run, r.scope, r.inventory, r.host, r.pid,
	r.started_at, r.finished_at, r.interrupted, r.exit_code, r.summary FROM runs r` + w.String() +
		` ORDER BY r.started_at DESC, r.id DESC`
	query = limit(query, &w, f.Limit)
	rows, err := s.db.QueryContext(ctx, s.d.q(query), w.args...)
	if err != nil {
		return nil, fmt.Errorf("history: list runs: %w", err)
	}
	defer rows.Close()
	runs := []Run{} // empty, not nil: JSON shows [], not null
	for rows.Next() {
		var r Run
		var started, finished dbTime
		var exit sql.NullInt64
		var summary []byte
		if err := rows.Scan(&r.ID, &r.Command, &r.DryRun, &r.Scope, &r.Inventory, &r.Host, &r.PID,
			&started, &finished, &r.Interrupted, &exit, &summary); err != nil {
			return nil, fmt.Errorf("history: list runs: %w", err)
		}
		r.StartedAt = started.Time
		if finished.Valid {
			t := finished.Time
			r.FinishedAt = &t
		}
		if exit.Valid {
			c := int(exit.Int64)
			r.ExitCode = &c
		}
		r.Summary = rawJSON(summary)
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: list runs: %w", err)
	}
	return runs, nil
}

// recordColumns are scanned by scanRecord, with or without the result.
const recordColumns = `sr.run_id, r.command, sr.site, sr.switch, sr.vendor, sr.address, sr.status, sr.at,
	sr.error, sr.findings, sr.changes`

func scanRecord(rows *sql.Rows, withResult bool) (SwitchRecord, error) {
	var rec SwitchRecord
	var at dbTime
	var result []byte
	dest := []any{&rec.RunID, &rec.Command, &rec.Site, &rec.Switch, &rec.Vendor, &rec.Address, &rec.Status, &at,
		&rec.Error, &rec.Findings, &rec.Changes}
	if withResult {
		dest = append(dest, &rec.Backup, &result)
	}
	if err := rows.Scan(dest...); err != nil {
		return SwitchRecord{}, err
	}
	rec.At, rec.Result = at.Time, rawJSON(result)
	return rec, nil
}

func (s *sqlStore) Timeline(ctx context.Context, f Filter) ([]SwitchRecord, error) {
	if f.Switch == "" && f.RunID == 0 {
		return nil, errors.New("history: timeline: a switch or a run is required")
	}
	var w where
	if f.Switch != "" {
		w.add("sr.switch = ?", f.Switch)
	}
	if f.RunID != 0 {
		w.add("sr.run_id = ?", f.RunID)
	}
	if f.Site != "" {
		w.add("sr.site = ?", f.Site)
	}
	if f.Command != "" {
		w.add("r.command = ?", f.Command)
	}
	if !f.Since.IsZero() {
		w.add("sr.at >= ?", s.d.timeArg(stamp(f.Since)))
	}
	if f.Drifted {
		w.add("sr.status IN " + driftedStatuses)
	}
	query := `SELECT ` + recordColumns + `, b.run_id IS NOT NULL, COALESCE(res.body, sr.result) FROM switch_records sr
	JOIN runs r ON r.id = sr.run_id
	LEFT JOIN results res ON res.hash = sr.result_hash
	LEFT JOIN backups b ON b.run_id = sr.run_id AND b.site = sr.site AND b.switch = sr.switch` +
		w.String() + ` ORDER BY sr.at DESC, sr.id DESC`
	query = limit(query, &w, f.Limit)
	rows, err := s.db.QueryContext(ctx, s.d.q(query), w.args...)
	if err != nil {
		return nil, fmt.Errorf("history: timeline of %s: %w", f.Switch, err)
	}
	defer rows.Close()
	recs := []SwitchRecord{}
	for rows.Next() {
		rec, err := scanRecord(rows, true)
		if err != nil {
			return nil, fmt.Errorf("history: timeline of %s: %w", f.Switch, err)
		}
		recs = append(recs, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: timeline of %s: %w", f.Switch, err)
	}
	return recs, nil
}

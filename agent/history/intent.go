package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Intent outcomes: how the transaction that opened an intent ended.
const (
	OutcomeSaved    = "saved"    // at target and saved: settles every earlier intent on the switch
	OutcomeRestored = "restored" // at the backup; an earlier intent still stands
	OutcomeUnsaved  = "unsaved"  // written, but the save did not complete
	OutcomeInDoubt  = "in-doubt" // the switch could not be read to learn what it holds
)

// Intent is a write-ahead record: before its first write to a switch, an
// apply or restore records what it is about to write; when the
// transaction ends it records how. An intent still open (Outcome "") was
// left by a run that died between the two.
type Intent struct {
	ID      int64           `json:"id"`
	RunID   int64           `json:"run_id"`
	Site    string          `json:"site"`
	Switch  string          `json:"switch"`
	Vendor  string          `json:"vendor"`
	Address string          `json:"address"`
	Started time.Time       `json:"started_at"` // OpenIntent uses Options.Now when zero
	Backup  json.RawMessage `json:"backup"`     // vendors.State before the write; required
	Plan    json.RawMessage `json:"plan"`       // vendors.Change to write; required
	Outcome string          `json:"outcome,omitempty"`
	Detail  string          `json:"detail,omitempty"`
	// Finished is when the outcome was recorded; nil while open.
	Finished *time.Time `json:"finished_at,omitempty"`
}

// IntentStore is the part of a Store that keeps intents.
type IntentStore interface {
	// OpenIntent records an intent and returns its id. ErrNotFound when
	// the run does not exist.
	OpenIntent(ctx context.Context, in Intent) (int64, error)
	// CloseIntent records the outcome of an intent (one of the Outcome
	// constants). ErrNotFound when it does not exist.
	CloseIntent(ctx context.Context, id int64, outcome, detail string, finished time.Time) error
	// PendingIntents returns, per switch (of f.Site and f.Switch when
	// set), the latest intent that still stands: open, unsaved or in
	// doubt, and not followed by a saved one on the same switch. Ordered
	// by site and switch.
	PendingIntents(ctx context.Context, f Filter) ([]Intent, error)
}

func (s *sqlStore) OpenIntent(ctx context.Context, in Intent) (int64, error) {
	if in.Switch == "" || len(in.Backup) == 0 || len(in.Plan) == 0 {
		return 0, errors.New("history: open intent: switch, backup and plan are required")
	}
	if err := checkJSON("intent backup", in.Backup); err != nil {
		return 0, err
	}
	if err := checkJSON("intent plan", in.Plan); err != nil {
		return 0, err
	}
	var id int64
	err := s.db.QueryRowContext(ctx, s.d.q(`INSERT INTO intents
	(run_id, site, switch, vendor, address, started_at, backup, plan) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		in.RunID, in.Site, in.Switch, in.Vendor, in.Address, s.d.timeArg(s.timeOr(in.Started)), string(in.Backup), string(in.Plan)).Scan(&id)
	if err != nil {
		if s.d.isForeignKeyViolation(err) {
			err = fmt.Errorf("run %d: %w", in.RunID, ErrNotFound)
		}
		return 0, fmt.Errorf("history: open intent for %s: %w", in.Switch, err)
	}
	return id, nil
}

func (s *sqlStore) CloseIntent(ctx context.Context, id int64, outcome, detail string, finished time.Time) error {
	switch outcome {
	case OutcomeSaved, OutcomeRestored, OutcomeUnsaved, OutcomeInDoubt:
	default:
		return fmt.Errorf("history: close intent %d: outcome %q is not one of saved, restored, unsaved, in-doubt", id, outcome)
	}
	res, err := s.db.ExecContext(ctx, s.d.q(`UPDATE intents SET outcome = ?, detail = ?, finished_at = ? WHERE id = ?`),
		outcome, detail, s.d.timeArg(s.timeOr(finished)), id)
	if err != nil {
		return fmt.Errorf("history: close intent %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("history: close intent %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("history: close intent %d: %w", id, ErrNotFound)
	}
	return nil
}

// standingIntent selects, over intents i, those that still stand: open,
// unsaved or in doubt, and not followed by a saved one on the switch.
const standingIntent = `(i.outcome IS NULL OR i.outcome IN ('` + OutcomeUnsaved + `', '` + OutcomeInDoubt + `'))` +
	` AND NOT EXISTS (SELECT 1 FROM intents j WHERE j.site = i.site AND j.switch = i.switch AND j.id > i.id AND j.outcome = '` + OutcomeSaved + `')`

func (s *sqlStore) PendingIntents(ctx context.Context, f Filter) ([]Intent, error) {
	var w where
	w.add(standingIntent)
	if f.Site != "" {
		w.add("i.site = ?", f.Site)
	}
	if f.Switch != "" {
		w.add("i.switch = ?", f.Switch)
	}
	query := `SELECT i.id, i.run_id, i.site, i.switch, i.vendor, i.address, i.started_at, i.backup, i.plan,
	i.outcome, i.detail, i.finished_at FROM intents i` + w.String() + ` ORDER BY i.site, i.switch, i.id DESC`
	rows, err := s.db.QueryContext(ctx, s.d.q(query), w.args...)
	if err != nil {
		return nil, fmt.Errorf("history: pending intents: %w", err)
	}
	defer rows.Close()
	out := []Intent{}
	for rows.Next() {
		var in Intent
		var started, finished dbTime
		var backup, plan []byte
		var outcome sql.NullString
		if err := rows.Scan(&in.ID, &in.RunID, &in.Site, &in.Switch, &in.Vendor, &in.Address, &started, &backup, &plan,
			&outcome, &in.Detail, &finished); err != nil {
			return nil, fmt.Errorf("history: pending intents: %w", err)
		}
		if n := len(out); n > 0 && out[n-1].Site == in.Site && out[n-1].Switch == in.Switch {
			continue // an older one: the latest per switch stands for it
		}
		in.Started, in.Backup, in.Plan, in.Outcome = started.Time, rawJSON(backup), rawJSON(plan), outcome.String
		if finished.Valid {
			t := finished.Time
			in.Finished = &t
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: pending intents: %w", err)
	}
	return out, nil
}

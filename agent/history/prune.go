package history

import (
	"context"
	"fmt"
	"time"
)

// keptRuns are the runs holding the newest backup of some switch, those
// whose write-ahead intent still stands (a switch they left unsaved or in
// doubt): pruning them would forget it, and those holding the newest saved
// intent of a switch: it settles every earlier one, which would stand
// again without it.
const keptRuns = `SELECT b.run_id FROM backups b WHERE b.id IN (SELECT MAX(id) FROM backups GROUP BY site, switch)` +
	` UNION SELECT i.run_id FROM intents i WHERE ` + standingIntent +
	` UNION SELECT i.run_id FROM intents i WHERE i.id IN (SELECT MAX(id) FROM intents WHERE outcome = '` + OutcomeSaved + `' GROUP BY site, switch)`

func (s *sqlStore) Prune(ctx context.Context, before time.Time) (Pruned, error) {
	var p Pruned
	cutoff := s.d.timeArg(stamp(before))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return p, fmt.Errorf("history: prune: %w", err)
	}
	defer tx.Rollback()
	if s.d.lockResults != "" {
		if _, err := tx.ExecContext(ctx, s.d.lockResults); err != nil {
			return p, fmt.Errorf("history: prune: lock results: %w", err)
		}
	}
	old := `FROM runs WHERE started_at < ? AND id NOT IN (` + keptRuns + `)`
	if err := tx.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM runs WHERE started_at < ? AND id IN (`+keptRuns+`)`), cutoff).Scan(&p.Kept); err != nil {
		return p, fmt.Errorf("history: prune: count: %w", err)
	}
	// Records and backups go with their runs (ON DELETE CASCADE); they
	// are deleted first all the same, so a store without cascading
	// foreign keys cannot keep them, and the deletes count them.
	for _, d := range []struct {
		n     *int64
		query string
	}{
		{&p.Records, `DELETE FROM switch_records WHERE run_id IN (SELECT id ` + old + `)`},
		{&p.Backups, `DELETE FROM backups WHERE run_id IN (SELECT id ` + old + `)`},
	} {
		res, err := tx.ExecContext(ctx, s.d.q(d.query), cutoff)
		if err == nil {
			*d.n, err = res.RowsAffected()
		}
		if err != nil {
			return p, fmt.Errorf("history: prune: %w", err)
		}
	}
	res, err := tx.ExecContext(ctx, s.d.q(`DELETE `+old), cutoff)
	if err != nil {
		return p, fmt.Errorf("history: prune runs: %w", err)
	}
	if p.Runs, err = res.RowsAffected(); err != nil {
		return p, fmt.Errorf("history: prune runs: %w", err)
	}
	res, err = tx.ExecContext(ctx, `DELETE FROM results WHERE hash NOT IN (SELECT result_hash FROM switch_records WHERE result_hash IS NOT NULL)`)
	if err != nil {
		return p, fmt.Errorf("history: prune results: %w", err)
	}
	if p.Results, err = res.RowsAffected(); err != nil {
		return p, fmt.Errorf("history: prune results: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return p, fmt.Errorf("history: prune: %w", err)
	}
	return p, nil
}

// ShowRun returns run id and every switch record it holds (with results
// and backup flags); ErrNotFound when there is no such run.
func ShowRun(ctx context.Context, s Store, id int64) (Run, []SwitchRecord, error) {
	runs, err := s.Runs(ctx, Filter{RunID: id, Limit: 1})
	if err != nil {
		return Run{}, nil, err
	}
	if len(runs) == 0 {
		return Run{}, nil, fmt.Errorf("history: run %d: %w", id, ErrNotFound)
	}
	recs, err := s.Timeline(ctx, Filter{RunID: id, Limit: -1})
	if err != nil {
		return Run{}, nil, err
	}
	return runs[0], recs, nil
}

package history

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

func (s *sqlStore) Drifted(ctx context.Context, f Filter) ([]Drift, error) {
	// Every record that can say drifted or fixed, of every switch found
	// drifted in the window, oldest first; the walk below decides.
	var w where
	t := s.d.timeArg(stamp(f.Since))
	w.add("sr.at >= ?", t)
	w.add("sr.status IN (?, ?, ?, ?)", StatusDrift, StatusPlanned, StatusCompliant, StatusChanged)
	if f.Site != "" {
		w.add("sr.site = ?", f.Site)
	}
	if f.Switch != "" {
		w.add("sr.switch = ?", f.Switch)
	}
	w.add(`EXISTS (SELECT 1 FROM switch_records d
		WHERE d.site = sr.site AND d.switch = sr.switch AND d.at >= ? AND d.status IN `+driftedStatuses+`)`, t)
	query := `SELECT ` + recordColumns + ` FROM switch_records sr JOIN runs r ON r.id = sr.run_id` + w.String() +
		` ORDER BY sr.site, sr.switch, sr.at, sr.id`
	rows, err := s.db.QueryContext(ctx, s.d.q(query), w.args...)
	if err != nil {
		return nil, fmt.Errorf("history: drifted switches: %w", err)
	}
	defer rows.Close()
	out := []Drift{}
	var cur *Drift
	for rows.Next() {
		rec, err := scanRecord(rows, false)
		if err != nil {
			return nil, fmt.Errorf("history: drifted switches: %w", err)
		}
		if cur == nil || cur.Site != rec.Site || cur.Switch != rec.Switch {
			out = append(out, Drift{Site: rec.Site, Switch: rec.Switch})
			cur = &out[len(out)-1]
		}
		switch rec.Status {
		case StatusDrift, StatusPlanned:
			if cur.First.Status == "" {
				cur.First = rec
			}
			cur.Last, cur.Fixed = rec, nil
		default: // compliant or changed
			if cur.First.Status != "" && cur.Fixed == nil {
				fixed := rec
				cur.Fixed = &fixed
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: drifted switches: %w", err)
	}
	// Sorted here, not by the database, so that both stores agree
	// whatever PostgreSQL's collation.
	slices.SortFunc(out, func(a, b Drift) int {
		if c := strings.Compare(a.Site, b.Site); c != 0 {
			return c
		}
		return strings.Compare(a.Switch, b.Switch)
	})
	if n := limitOf(f.Limit); n >= 0 && len(out) > n {
		out = out[:n]
	}
	return out, nil
}

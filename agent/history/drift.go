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
	// The switches drifted in the window come first, from the few drift
	// records (status, at index); then only their records are read (switch,
	// at index). A correlated EXISTS per record would instead read every
	// record of the window once per record of its switch.
	t := s.d.timeArg(stamp(f.Since))
	var d where
	d.add("status IN "+driftedStatuses+" AND at >= ?", t)
	var w where
	w.add("sr.at >= ?", t)
	w.add("sr.status IN (?, ?, ?, ?)", StatusDrift, StatusPlanned, StatusCompliant, StatusChanged)
	if f.Site != "" {
		d.add("site = ?", f.Site)
		w.add("sr.site = ?", f.Site)
	}
	if f.Switch != "" {
		d.add("switch = ?", f.Switch)
		w.add("sr.switch = ?", f.Switch)
	}
	query := `WITH drifted AS (SELECT DISTINCT site, switch FROM switch_records` + d.String() + `)
	SELECT ` + recordColumns + ` FROM drifted
	JOIN switch_records sr ON sr.switch = drifted.switch AND sr.site = drifted.site
	JOIN runs r ON r.id = sr.run_id` + w.String() + ` ORDER BY sr.site, sr.switch, sr.at, sr.id`
	w.args = append(d.args, w.args...)
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

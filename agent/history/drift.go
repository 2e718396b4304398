package history

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

func (s *sqlStore) Drifted(ctx context.Context, since time.Time) ([]Drift, error) {
	// Every record that can say drifted or fixed, of every switch found
	// drifted in the window, oldest first; the walk below decides.
	query := `SELECT ` + recordColumns + ` FROM switch_records sr JOIN runs r ON r.id = sr.run_id
	WHERE sr.at >= ? AND sr.status IN (?, ?, ?, ?)
	AND EXISTS (SELECT 1 FROM switch_records d
		WHERE d.site = sr.site AND d.switch = sr.switch AND d.at >= ? AND d.status IN ` + driftedStatuses + `)
	ORDER BY sr.site, sr.switch, sr.at, sr.id`
	t := s.d.timeArg(stamp(since))
	rows, err := s.db.QueryContext(ctx, s.d.q(query), t, StatusDrift, StatusPlanned, StatusCompliant, StatusChanged, t)
	if err != nil {
		return nil, fmt.Errorf("history: drifted switches: %w", err)
	}
	defer rows.Close()
	var out []Drift
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
	return out, nil
}

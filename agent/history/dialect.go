package history

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dialect is what differs between the SQLite and PostgreSQL stores; the
// queries themselves are shared and written with ? placeholders.
type dialect struct {
	name string
	// numbered placeholders ($1, $2, ...) instead of ?.
	numbered bool
	// timeArg turns a time into a query argument.
	timeArg func(time.Time) any
	// migrations, indexed by version-1.
	migrations []migration
	// lockSchema serializes migrations between processes inside tx;
	// SQLite does it with BEGIN IMMEDIATE and needs nothing more.
	lockSchema func(ctx context.Context, tx *sql.Tx) error
	// isForeignKeyViolation tells an insert into a missing run apart
	// from other failures.
	isForeignKeyViolation func(error) bool
	// lockResults, run first in a prune's transaction, keeps writers of
	// results out until it commits: a writer that found a result stored
	// already refers to it without writing it, and a prune that did not
	// wait for it would delete the result under the new record. "" where
	// transactions are serialized anyway.
	lockResults string
}

// q rewrites the ? placeholders of query for d.
func (d *dialect) q(query string) string {
	if !d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// sqliteTimeLayout is fixed width, so that times stored as text sort and
// compare as strings in SQL.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// stamp is how every time is stored: microseconds, UTC.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// dbTime scans a time stored as text (SQLite) or timestamptz (PostgreSQL).
type dbTime struct {
	Time  time.Time
	Valid bool
}

func (t *dbTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*t = dbTime{}
		return nil
	case time.Time:
		*t = dbTime{Time: stamp(v), Valid: true}
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	}
	return fmt.Errorf("history: cannot scan %T as a time", v)
}

func (t *dbTime) parse(s string) error {
	p, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("history: stored time %q: %w", s, err)
	}
	*t = dbTime{Time: stamp(p), Valid: true}
	return nil
}

// jsonArg stores raw JSON as text, NULL when empty.
func jsonArg(raw []byte) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

// rawJSON copies scanned JSON, nil for NULL.
func rawJSON(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

package history

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"
)

// migration is one schema version: statements run in order, in the same
// transaction as the bookkeeping, so a version is applied whole or not at
// all. Migrations are append-only: a released one is never edited.
type migration struct {
	version    int
	name       string
	statements []string
}

// migrate brings the schema of db to the last of ms. It runs in one
// transaction that first serializes against other processes opening the
// same database, so that two agents starting on a fresh database do not
// both create it. A database newer than ms is refused: this program would
// not know what the newer columns mean.
func migrate(ctx context.Context, db *sql.DB, d *dialect, ms []migration, now time.Time, log *slog.Logger) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: migrate: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := d.lockSchema(ctx, tx); err != nil {
		return fmt.Errorf("history: migrate: lock schema: %w", err)
	}
	if _, err := tx.ExecContext(ctx, createMigrationsTable[d.name]); err != nil {
		return fmt.Errorf("history: migrate: create schema_migrations: %w", err)
	}
	current, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	latest := len(ms)
	if current > latest {
		return fmt.Errorf("history: schema version %d is newer than this program knows (%d); upgrade qosagent", current, latest)
	}
	for _, m := range ms[current:] {
		for i, stmt := range m.statements {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("history: migrate to version %d (%s), statement %d: %w", m.version, m.name, i+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, d.q("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
			m.version, m.name, d.timeArg(now)); err != nil {
			return fmt.Errorf("history: migrate to version %d: record: %w", m.version, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: migrate: commit: %w", err)
	}
	if current < latest {
		log.Info("history: schema migrated", "store", d.name, "from", current, "to", latest)
	}
	return nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion is the highest migration applied, 0 for an empty database.
func schemaVersion(ctx context.Context, q queryer) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("history: read schema version: %w", err)
	}
	return int(v.Int64), nil
}

var createMigrationsTable = map[string]string{
	"sqlite": `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`,
	"postgres": `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL
)`,
}

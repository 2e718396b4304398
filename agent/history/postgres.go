package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// pgLockNamespace prefixes the keys hashed into advisory lock ids, so that
// ours stay apart from other programs' locks in a shared database.
const pgLockNamespace = "qosagent:"

var postgresDialect = &dialect{
	name:       "postgres",
	numbered:   true,
	timeArg:    func(t time.Time) any { return stamp(t) },
	migrations: postgresMigrations,
	lockSchema: func(ctx context.Context, tx *sql.Tx) error {
		// Held to the end of the transaction: agents starting together
		// on a fresh database migrate one after the other.
		_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, pgLockNamespace+"schema")
		return err
	},
	// EXCLUSIVE waits for the writers' ROW EXCLUSIVE and lets readers on.
	lockResults: `LOCK TABLE results IN EXCLUSIVE MODE`,
	isForeignKeyViolation: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23503"
	},
}

func openPostgres(ctx context.Context, dsn string, opts Options) (Store, error) {
	name := redact(dsn)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("history: open %s: %w", name, err)
	}
	// Connections to a remote database may be cut by firewalls; renewing
	// them bounds how long a dead one lingers in the pool.
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &sqlStore{db: db, d: postgresDialect, now: opts.Now, log: opts.Logger}
	s.lock = s.pgLock
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("history: open %s: %w", name, err)
	}
	if err := migrate(ctx, db, postgresDialect, postgresDialect.migrations, stamp(opts.Now()), opts.Logger); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w (%s)", err, name)
	}
	opts.Logger.Debug("history: opened", "store", "postgres", "url", name)
	return s, nil
}

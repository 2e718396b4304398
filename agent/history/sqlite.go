package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteBusyTimeout is how long a writer waits for another process's
// write transaction (milliseconds). Runs write a few rows per switch, so
// waits are short; a generous bound keeps overlapping cron jobs from
// failing on SQLITE_BUSY.
const sqliteBusyTimeout = "10000"

var sqliteDialect = &dialect{
	name:       "sqlite",
	timeArg:    func(t time.Time) any { return stamp(t).Format(sqliteTimeLayout) },
	migrations: sqliteMigrations,
	// The DSN makes every transaction BEGIN IMMEDIATE, which takes the
	// write lock (waiting up to the busy timeout) before reading the
	// schema version.
	lockSchema: func(context.Context, *sql.Tx) error { return nil },
	isForeignKeyViolation: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	},
}

func openSQLite(ctx context.Context, path string, opts Options) (Store, error) {
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if opts.MustExist {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("history: no history at %s (nothing recorded there yet, or a mistyped --history?): %w", path, err)
		}
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	// Switching a fresh file to WAL needs an exclusive lock, and SQLite
	// answers SQLITE_BUSY at once, without its busy handler, when another
	// process opens the same new file at that moment: retry the open.
	deadline := time.Now().Add(10 * time.Second)
	var db *sql.DB
	for {
		db, err = openSQLiteOnce(ctx, path, opts)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("history: open %s: %w", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err != nil {
		return nil, err
	}
	s := &sqlStore{db: db, d: sqliteDialect, now: opts.Now, log: opts.Logger}
	s.lock = func(ctx context.Context, key string, wait time.Duration) (func() error, error) {
		return s.fileLock(ctx, path+".locks", key, wait)
	}
	opts.Logger.Debug("history: opened", "store", "sqlite", "path", path)
	return s, nil
}

// openSQLiteOnce opens the database and brings its schema up to date.
func openSQLiteOnce(ctx context.Context, path string, opts Options) (*sql.DB, error) {
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("history: open %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("history: open %s: %w", path, err)
	}
	if err := migrate(ctx, db, sqliteDialect, sqliteDialect.migrations, stamp(opts.Now()), opts.Logger); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return db, nil
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()&0xff == sqlite3.SQLITE_BUSY
	}
	return strings.Contains(err.Error(), "SQLITE_BUSY")
}

// createPrivate makes the directories of path (0700) and the file (0600)
// before SQLite opens it, since SQLite would create the file with the
// umask's permissions (often world-readable) and its -wal and -shm files
// copy the file's mode.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("history: create directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("history: create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("history: create %s: %w", path, err)
	}
	return nil
}

// sqliteDSN is the driver's name for the file at path, with the settings
// every connection needs. WAL lets readers run beside the one writer;
// synchronous stays FULL (the default) because backups must survive a
// power cut to be of use for a restore. _txlock=immediate makes every
// transaction take the write lock up front, avoiding the deadlock of two
// transactions that both read and then want to write. A 16 MiB page cache
// (the default is 2 MiB) keeps the record indexes of a 100,000-switch run
// in memory while its batches are inserted (bench/RESULTS.md, "The history
// writer").
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+sqliteBusyTimeout+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "cache_size(-16384)")
	q.Set("_txlock", "immediate")
	return (&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String()
}

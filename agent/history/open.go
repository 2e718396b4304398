package history

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options tunes Open. The zero value logs nothing and uses the wall clock.
type Options struct {
	// Logger receives schema migrations and lock waits, never row contents.
	Logger *slog.Logger
	// Now stamps runs, records and backups whose time is zero, and locks.
	Now func() time.Time
	// MustExist refuses to create a SQLite history that is not there yet:
	// commands that only read it (history, restore) would otherwise hide
	// a mistyped path behind an empty new database.
	MustExist bool
}

// DefaultPath is where the history lives when neither --history nor
// QOSAGENT_HISTORY says otherwise: $XDG_STATE_HOME/qosagent/history.db, or
// ~/.local/state/qosagent/history.db when XDG_STATE_HOME is unset.
func DefaultPath() (string, error) {
	// The XDG base directory spec says relative values are invalid and
	// must be ignored.
	if dir := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "qosagent", "history.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("history: default path: %w", err)
	}
	return filepath.Join(home, ".local", "state", "qosagent", "history.db"), nil
}

// IsPostgres reports whether dsn names a PostgreSQL database rather than
// a SQLite file.
func IsPostgres(dsn string) bool {
	lower := strings.ToLower(dsn)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}

// Open opens the history named by dsn, creating and migrating its schema
// as needed: a postgres:// or postgresql:// URL for PostgreSQL, otherwise
// the path of a SQLite file ("" = DefaultPath). A SQLite file and its
// directories are created private (0600, 0700) since backups describe the
// network.
func Open(ctx context.Context, dsn string, opts Options) (Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn, opts)
	}
	if dsn == "" {
		p, err := DefaultPath()
		if err != nil {
			return nil, err
		}
		dsn = p
	}
	return openSQLite(ctx, dsn, opts)
}

// redact hides the password of a PostgreSQL URL so that it can go into
// errors and logs.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

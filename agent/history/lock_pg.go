package history

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"
)

// pgLock takes a session-level advisory lock on a connection kept out of
// the pool for the lock's life: the lock belongs to that session, and
// PostgreSQL drops it when the session ends, e.g. when the holder dies.
// The locks table names the holder for waiters; a row left by a holder
// that died is overwritten by the next one.
func (s *sqlStore) pgLock(ctx context.Context, key string, wait time.Duration) (func() error, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("history: lock %q: %w", key, err)
	}
	id := pgLockNamespace + key
	err = s.acquire(ctx, key, wait, func() (bool, error) {
		var got bool
		err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1, 0))`, id).Scan(&got)
		return got, err
	}, func() *LockedError { return s.pgHolder(ctx, conn, key) })
	if err != nil {
		conn.Close()
		return nil, err
	}
	me := s.self()
	_, err = conn.ExecContext(ctx, `INSERT INTO locks (key, pid, host, since) VALUES ($1, $2, $3, $4)
	ON CONFLICT (key) DO UPDATE SET pid = excluded.pid, host = excluded.host, since = excluded.since`,
		key, me.PID, me.Host, me.Since)
	if err != nil {
		discard(conn) // ending the session drops the lock
		return nil, fmt.Errorf("history: lock %q: name holder: %w", key, err)
	}
	unlock := unlockOnce(key, func() error {
		// A context of its own: unlock runs on the way out, often after
		// the run's context was cancelled.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// The row goes first, so that it cannot delete the row of the
		// next holder.
		_, derr := conn.ExecContext(ctx, `DELETE FROM locks WHERE key = $1 AND pid = $2 AND host = $3`, key, me.PID, me.Host)
		var released bool
		rerr := conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock(hashtextextended($1, 0))`, id).Scan(&released)
		if rerr == nil && !released {
			rerr = errors.New("lock was not held")
		}
		if err := errors.Join(derr, rerr); err != nil {
			discard(conn)
			return err
		}
		return conn.Close()
	})
	return unlock, nil
}

// pgHolder names the holder of key. The holder writes its row just after
// taking the lock, so a missing row is retried briefly.
func (s *sqlStore) pgHolder(ctx context.Context, conn *sql.Conn, key string) *LockedError {
	locked := &LockedError{Key: key}
	for range 10 {
		var since dbTime
		err := conn.QueryRowContext(ctx, `SELECT pid, host, since FROM locks WHERE key = $1`, key).
			Scan(&locked.HolderPID, &locked.Host, &since)
		if err == nil {
			locked.Since = since.Time
			return locked
		}
		if !errors.Is(err, sql.ErrNoRows) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return &LockedError{Key: key}
}

// discard closes conn's session instead of returning it to the pool, so
// that a lock it may still hold is released by the server.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

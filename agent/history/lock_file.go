package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// fileLock takes an flock(2) on dir/<key>.lock. flock conflicts between
// open files, not processes, so it also keeps two goroutines of one
// process apart; the kernel drops it when the holder dies, so there are
// no stale locks. The holder writes its pid, host and start time into
// the file so that a waiter can name it.
func (s *sqlStore) fileLock(ctx context.Context, dir, key string, wait time.Duration) (func() error, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("history: lock %q: %w", key, err)
	}
	path := filepath.Join(dir, lockFileName(key))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("history: lock %q: %w", key, err)
	}
	err = s.acquire(ctx, key, wait, func() (bool, error) {
		err := flock(f, unix.LOCK_EX|unix.LOCK_NB)
		if errors.Is(err, unix.EWOULDBLOCK) {
			return false, nil
		}
		return err == nil, err
	}, func() *LockedError {
		locked := &LockedError{Key: key}
		if h, ok := readHolder(f); ok {
			locked.HolderPID, locked.Host, locked.Since = h.PID, h.Host, h.Since
		}
		return locked
	})
	if err != nil {
		f.Close()
		return nil, err
	}
	if err := writeHolder(f, s.self()); err != nil {
		f.Close() // closing drops the flock
		return nil, fmt.Errorf("history: lock %q: %w", key, err)
	}
	unlock := unlockOnce(key, func() error {
		// Truncate first so that no waiter names a holder that left.
		terr := f.Truncate(0)
		return errors.Join(terr, f.Close())
	})
	return unlock, nil
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

func writeHolder(f *os.File, h holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err = f.WriteAt(append(b, '\n'), 0)
	return err
}

// readHolder reads who holds the lock on f. The holder writes its name
// just after taking the lock, so an empty file is retried briefly.
func readHolder(f *os.File) (holder, bool) {
	for range 10 {
		b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<16))
		var h holder
		if err == nil && json.Unmarshal(b, &h) == nil && h.PID != 0 {
			return h, true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return holder{}, false
}

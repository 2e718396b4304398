package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
)

// lockPoll is how often a waiting Lock tries again.
const lockPoll = 50 * time.Millisecond

// acquire calls try until it takes the lock, waiting up to wait (0: try
// once, negative: until ctx is done); when the wait is over the lock is
// still held elsewhere and holder names who has it.
func (s *sqlStore) acquire(ctx context.Context, key string, wait time.Duration, try func() (bool, error), holder func() *LockedError) error {
	start := time.Now()
	logged := false
	for {
		got, err := try()
		if err != nil {
			return fmt.Errorf("history: lock %q: %w", key, err)
		}
		if got {
			return nil
		}
		if !logged && wait != 0 {
			s.log.Info("history: waiting for lock", "key", key, "wait", wait)
			logged = true
		}
		again, err := waitTurn(ctx, start, wait)
		if err != nil {
			return fmt.Errorf("history: lock %q: %w", key, err)
		}
		if !again {
			return holder()
		}
	}
}

// unlockOnce makes release the unlock function Lock returns: it runs once,
// however often it is called, and its error names the key.
func unlockOnce(key string, release func() error) func() error {
	var once sync.Once
	var err error
	return func() error {
		once.Do(func() {
			if rerr := release(); rerr != nil {
				err = fmt.Errorf("history: unlock %q: %w", key, rerr)
			}
		})
		return err
	}
}

// waitTurn sleeps until the next try and reports whether there is one:
// false when wait has elapsed since start. wait < 0 waits until ctx is
// done, which is then the error.
func waitTurn(ctx context.Context, start time.Time, wait time.Duration) (bool, error) {
	d := lockPoll
	if wait >= 0 {
		left := wait - time.Since(start)
		if left <= 0 {
			return false, nil
		}
		d = min(d, left)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-t.C:
		return true, nil
	}
}

// lockFileName turns a key, which may hold an inventory path, into a file
// name: the key's safe characters for people listing the directory, and
// a hash so that keys differing only in unsafe characters stay apart.
func lockFileName(key string) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, key)
	safe = strings.TrimLeft(safe, ".")
	if len(safe) > 64 {
		safe = safe[len(safe)-64:] // the end of a key (site, file name) tells most
	}
	sum := sha256.Sum256([]byte(key))
	return fmt.Sprintf("%s-%s.lock", safe, hex.EncodeToString(sum[:6]))
}

package history

import (
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestSQLitePrivate checks that the history and its lock files are
// readable by their owner only: backups describe the network.
func TestSQLitePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "qosagent")
	path := filepath.Join(dir, "history.db")
	s := openDSN(t, path)
	id := mustStart(t, s, Run{Command: "audit"})
	mustRecord(t, s, SwitchRecord{RunID: id, Site: "lab", Switch: "sw1", Status: StatusCompliant})
	unlock, err := s.Lock(ctxT(t), "apply:inv:lab", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	want := map[string]fs.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + ".locks": 0o700}
	locks, _ := filepath.Glob(filepath.Join(path+".locks", "*.lock"))
	if len(locks) != 1 {
		t.Fatalf("lock files %v, want one", locks)
	}
	want[locks[0]] = 0o600
	for p, mode := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Error(err)
			continue
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %v, want %v", p, got, mode)
		}
	}
}

// TestSQLiteTwoHandles writes through two stores on one file, as two
// agents on one machine do.
func TestSQLiteTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	writeConcurrently(t, []Store{openDSN(t, path), openDSN(t, path)}, 8, 3)
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/var/state")
	if p, err := DefaultPath(); err != nil || p != "/var/state/qosagent/history.db" {
		t.Errorf("DefaultPath = %q, %v", p, err)
	}
	t.Setenv("XDG_STATE_HOME", "relative/ignored")
	t.Setenv("HOME", "/home/ops")
	if p, err := DefaultPath(); err != nil || p != "/home/ops/.local/state/qosagent/history.db" {
		t.Errorf("DefaultPath = %q, %v", p, err)
	}
}

func TestLockFileName(t *testing.T) {
	a := lockFileName("apply:/etc/qosagent/inventory.yaml:lab")
	b := lockFileName("apply_/etc/qosagent/inventory.yaml_lab")
	if a == b {
		t.Errorf("keys differing in unsafe characters share %q", a)
	}
	if strings.ContainsAny(a, "/:") || !strings.HasSuffix(a, ".lock") {
		t.Errorf("lock file name %q", a)
	}
	long := lockFileName(strings.Repeat("x", 500))
	if len(long) > 100 {
		t.Errorf("lock file name of a long key is %d bytes", len(long))
	}
	if n := lockFileName("../../etc/passwd"); strings.HasPrefix(n, ".") {
		t.Errorf("lock file name %q", n)
	}
}

func TestRedact(t *testing.T) {
	got := redact("postgres://qos:s3cret@db.example:5432/history")
	if strings.Contains(got, "s3cret") {
		t.Errorf("redact left the password: %q", got)
	}
}

// TestSQLiteOddPath opens a file whose name has characters that mean
// something in a URI, which is how the driver is given the path.
func TestSQLiteOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a?b#c %41", "history.db")
	s := openDSN(t, path)
	mustStart(t, s, Run{Command: "audit"})
	if _, err := os.Stat(path); err != nil {
		t.Error(err)
	}
}

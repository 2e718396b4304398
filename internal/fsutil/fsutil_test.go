package fsutil

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadRegularRefusesWhatCouldBlock(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero", dir} {
		if _, _, err := ReadRegular(p, 1<<20); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s: %v; want not a regular file", p, err)
		}
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, 2048), 0o600)
	if _, _, err := ReadRegular(big, 1024); err == nil || !strings.Contains(err.Error(), "larger than 1 KiB") {
		t.Errorf("big: %v", err)
	}
	if data, mode, err := ReadRegular(big, 4096); err != nil || len(data) != 2048 || mode.Perm() != 0o600 {
		t.Errorf("big within limit: %d bytes, %v, %v", len(data), mode, err)
	}
}

func TestWriteAtomicReplacesWithMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "metrics.prom")
	os.WriteFile(p, []byte("old, longer content\n"), 0o600)
	if err := WriteAtomic(p, []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	data, _ := os.ReadFile(p)
	if err != nil || fi.Mode().Perm() != 0o644 || string(data) != "new\n" {
		t.Fatalf("%v %v %q", fi.Mode(), err, data)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

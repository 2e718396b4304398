// Package fsutil reads user files safely and writes files atomically.
package fsutil

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// TooLargeError is ReadRegular's error for a file over its limit.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s; is this the right file?", e.Path, SizeString(e.Limit))
}

// ReadRegular reads a regular file of at most limit bytes and returns its
// mode too. Anything else (a FIFO, /dev/stdin, /dev/zero, a folder) is
// refused before it is opened, since opening or reading it could block
// forever or never end.
func ReadRegular(path string, limit int64) ([]byte, fs.FileMode, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if !info.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s is not a regular file", path)
	}
	tooLarge := &TooLargeError{Path: path, Limit: limit}
	if info.Size() > limit {
		return nil, 0, tooLarge
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, 0, tooLarge // it grew since Stat
	}
	return data, info.Mode(), nil
}

// SizeString writes a byte count the way people say it (5 MiB).
func SizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// WriteAtomic replaces path with data: written to a temporary file in the
// same folder with the given mode, synced, then renamed over path, so a
// reader (node_exporter, a restore, a crash) never sees half a file.
func WriteAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

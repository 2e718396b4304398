package agent

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/qosagent/qosagent/internal/fsutil"
	"github.com/qosagent/qosagent/vendors"
)

// Backup is the state of a switch taken just before a write.
type Backup struct {
	Site    string        `json:"site"`
	Switch  string        `json:"switch"`
	Vendor  string        `json:"vendor"`
	Address string        `json:"address"`
	TakenAt time.Time     `json:"taken_at"`
	State   vendors.State `json:"state"`
}

// BackupStore keeps backups; Save returns where the backup went.
type BackupStore interface {
	Save(b Backup) (string, error)
}

// FileBackups writes one JSON file per backup under Dir/<switch>/: a
// BackupStore without a database, for the demo and tests (runs of the CLI
// keep their backups in the history).
type FileBackups struct{ Dir string }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// Save writes the backup 0600 in a 0700 folder, via a temporary file so a
// crash never leaves a truncated backup behind.
func (f FileBackups) Save(b Backup) (string, error) {
	dir := filepath.Join(f.Dir, unsafeName.ReplaceAllString(b.Switch, "_"))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, b.TakenAt.UTC().Format("20060102T150405.000000000Z")+".json")
	if err := fsutil.WriteAtomic(path, append(data, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("store backup: %w", err)
	}
	return path, nil
}

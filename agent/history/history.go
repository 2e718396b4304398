// Package history keeps every audit and apply run: per switch its status,
// map, trust, findings, changes, errors and the backup taken before a write.
// SQLite (a file under the user's state directory) is the default store;
// PostgreSQL serves several agents reporting into one place.
package history

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Run is one invocation of audit, apply or restore.
type Run struct {
	ID          int64           `json:"id"`
	Command     string          `json:"command"` // audit, apply, restore
	DryRun      bool            `json:"dry_run,omitempty"`
	Scope       string          `json:"scope"` // e.g. "site=lab" or "switch=lab-sw1,lab-sw2" or "all"
	Inventory   string          `json:"inventory"`
	Host        string          `json:"host"` // the machine the agent ran on
	PID         int             `json:"pid"`
	StartedAt   time.Time       `json:"started_at"`
	FinishedAt  *time.Time      `json:"finished_at,omitempty"` // nil while running or when it died
	Interrupted bool            `json:"interrupted,omitempty"`
	ExitCode    *int            `json:"exit_code,omitempty"`
	Summary     json.RawMessage `json:"summary,omitempty"` // agent.Summary as JSON
}

// SwitchRecord is one switch's line in one run.
type SwitchRecord struct {
	RunID    int64     `json:"run_id"`
	Site     string    `json:"site"`
	Switch   string    `json:"switch"`
	Vendor   string    `json:"vendor"`
	Address  string    `json:"address"`
	Status   string    `json:"status"` // compliant, drift, error, changed, planned
	At       time.Time `json:"at"`
	Error    string    `json:"error,omitempty"`
	Findings int       `json:"findings"`
	// Result is the whole agent.SwitchResult as JSON (map, trust, findings,
	// changes); stored as is so the report format can grow without migrations.
	Result json.RawMessage `json:"result"`
}

// Backup is the state of a switch taken just before a write.
type Backup struct {
	RunID   int64           `json:"run_id"`
	Site    string          `json:"site"`
	Switch  string          `json:"switch"`
	TakenAt time.Time       `json:"taken_at"`
	State   json.RawMessage `json:"state"` // vendors.State as JSON
}

// Filter narrows queries; zero fields do not filter.
type Filter struct {
	Switch  string
	Since   time.Time
	Drifted bool // only records with status drift (or error?) -- see Store.Drifted
	Limit   int  // 0 = a sensible default (50)
}

// Store is where runs go. Implementations are safe for concurrent use by
// several processes (SQLite with WAL and busy timeout, PostgreSQL).
type Store interface {
	StartRun(ctx context.Context, r Run) (int64, error)
	SaveBackup(ctx context.Context, b Backup) error
	RecordSwitch(ctx context.Context, rec SwitchRecord) error
	FinishRun(ctx context.Context, id int64, finished time.Time, exitCode int, interrupted bool, summary json.RawMessage) error

	Runs(ctx context.Context, f Filter) ([]Run, error)                    // newest first
	Timeline(ctx context.Context, f Filter) ([]SwitchRecord, error)       // one switch (f.Switch required), newest first
	Drifted(ctx context.Context, since time.Time) ([]SwitchRecord, error) // latest drift/error record per switch since
	Backup(ctx context.Context, switchName string, runID int64) (Backup, error)

	// Lock takes the advisory lock named key (e.g. "apply:<inventory>:<site>")
	// for this process, waiting up to wait (0 = do not wait). When another
	// holder has it, the error is a *LockedError naming the holder.
	Lock(ctx context.Context, key string, wait time.Duration) (unlock func() error, err error)

	Close() error
}

// LockedError says who holds a lock.
type LockedError struct {
	Key       string
	HolderPID int
	Host      string
	Since     time.Time
}

func (e *LockedError) Error() string {
	return "locked: " + e.Key + " is held by pid " + itoa(e.HolderPID) + " on " + e.Host + " since " + e.Since.Format(time.RFC3339)
}

// ErrNotFound is returned when a run, switch or backup does not exist.
var ErrNotFound = errors.New("not found")

func itoa(i int) string { return jsonNumber(i) }

func jsonNumber(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

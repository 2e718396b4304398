// Package history keeps every audit and apply run: per switch its status,
// map, trust, findings, changes, errors and the backup taken before a write.
// SQLite (a file under the user's state directory) is the default store;
// PostgreSQL serves several agents reporting into one place. Both stores
// behave the same and pass the same tests.
//
// Times are stored to the microsecond (PostgreSQL's resolution) and read
// back in UTC, whichever store is used.
package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Switch statuses, as in the JSON report (README "Reports").
const (
	StatusCompliant = "compliant"
	StatusDrift     = "drift"
	StatusError     = "error"
	StatusChanged   = "changed" // apply wrote and verified the plan
	StatusPlanned   = "planned" // a dry run found changes to make
)

// Run is one invocation of audit, apply or restore.
type Run struct {
	ID        int64  `json:"id"`
	Command   string `json:"command"` // audit, apply, restore
	DryRun    bool   `json:"dry_run,omitempty"`
	Scope     string `json:"scope"` // e.g. "site=lab" or "switch=lab-sw1,lab-sw2" or "all"
	Inventory string `json:"inventory"`
	// Host and PID name the machine and process the agent ran as;
	// StartRun fills them in when they are empty.
	Host        string          `json:"host"`
	PID         int             `json:"pid"`
	StartedAt   time.Time       `json:"started_at"`            // StartRun uses Options.Now when zero
	FinishedAt  *time.Time      `json:"finished_at,omitempty"` // nil while running or when it died
	Interrupted bool            `json:"interrupted,omitempty"`
	ExitCode    *int            `json:"exit_code,omitempty"`
	Summary     json.RawMessage `json:"summary,omitempty"` // agent.Summary as JSON
}

// SwitchRecord is one switch's line in one run.
type SwitchRecord struct {
	RunID   int64  `json:"run_id"`
	Command string `json:"command,omitempty"` // the run's command; filled by queries, ignored by RecordSwitch
	Site    string `json:"site"`
	Switch  string `json:"switch"`
	Vendor  string `json:"vendor"`
	Address string `json:"address"`
	Status  string `json:"status"` // one of the Status constants
	// At is when the switch's result was known; RecordSwitch uses
	// Options.Now when zero.
	At       time.Time `json:"at"`
	Error    string    `json:"error,omitempty"`
	Findings int       `json:"findings"` // number of findings, for listings
	Changes  int       `json:"changes"`  // number of changes planned or made, for listings
	// Backup says that the run kept a backup of the switch (restore can
	// write it back); filled by Timeline, ignored by RecordSwitch.
	Backup bool `json:"backup,omitempty"`
	// Result is the whole agent.SwitchResult as JSON (map, trust, findings,
	// changes); stored as is so the report format can grow without
	// migrations. It must be valid JSON when set. Equal results (an
	// unchanged switch from run to run) are stored once.
	Result json.RawMessage `json:"result,omitempty"`
}

// Backup is the state of a switch taken just before a write.
type Backup struct {
	RunID   int64           `json:"run_id"`
	Site    string          `json:"site"`
	Switch  string          `json:"switch"`
	TakenAt time.Time       `json:"taken_at"` // SaveBackup uses Options.Now when zero
	State   json.RawMessage `json:"state"`    // vendors.State as JSON; required
}

// Drift is one switch found drifted in the window given to Store.Drifted.
//
// A switch is drifted when a record says drift (audit) or planned (a dry
// run found changes to make). It counts as fixed when, after its last such
// record, a record says compliant or changed; error records say nothing
// about the map and are ignored. Records carry the run id and command, so
// a listing can say "lab-sw1 drifted at T1 (run 12, audit), fixed at T2
// (run 13, apply)" or "still drifted (last seen T3, run 15)".
type Drift struct {
	Site   string `json:"site"`
	Switch string `json:"switch"`
	// First is the first drift or planned record in the window.
	First SwitchRecord `json:"first"`
	// Last is the latest drift or planned record in the window; the same
	// as First when the switch was seen drifted once.
	Last SwitchRecord `json:"last"`
	// Fixed is the first compliant or changed record after Last, or nil
	// when the switch is still drifted.
	Fixed *SwitchRecord `json:"fixed,omitempty"`
}

// Filter narrows Runs and Timeline; zero fields do not filter.
type Filter struct {
	RunID   int64 // Runs: only this run; Timeline: the records of this run
	Site    string
	Switch  string // Timeline requires it; Runs keeps runs with a record of this switch; Drifted keeps this switch
	Command string // Runs only: audit, apply, restore
	Since   time.Time
	// Drifted keeps records with status drift or planned (Timeline), or
	// runs with at least one such record (Runs).
	Drifted bool
	Limit   int // 0 = DefaultLimit, negative = no limit
}

// DefaultLimit is how many rows Runs and Timeline return when
// Filter.Limit is 0.
const DefaultLimit = 50

// Store is where runs go. Implementations are safe for concurrent use by
// several goroutines and several processes (SQLite with WAL and a busy
// timeout, PostgreSQL).
type Store interface {
	// StartRun records a run and returns its id.
	StartRun(ctx context.Context, r Run) (int64, error)
	// SaveBackup keeps the state of a switch before a write. Only the
	// first backup of a switch in a run is kept: it is the state before
	// the run touched the switch. ErrNotFound when the run does not exist.
	SaveBackup(ctx context.Context, b Backup) error
	// RecordSwitch adds switches' results to their run, in one
	// transaction. ErrNotFound when the run does not exist.
	RecordSwitch(ctx context.Context, recs ...SwitchRecord) error
	// FinishRun marks a run done. ErrNotFound when it does not exist.
	FinishRun(ctx context.Context, id int64, finished time.Time, exitCode int, interrupted bool, summary json.RawMessage) error

	// Runs lists runs, newest first.
	Runs(ctx context.Context, f Filter) ([]Run, error)
	// Timeline lists the records of one switch (f.Switch) or of one run
	// (f.RunID), one of which is required, newest first, each with its run
	// id and command and whether the run kept a backup of the switch.
	Timeline(ctx context.Context, f Filter) ([]SwitchRecord, error)
	// Drifted lists the switches found drifted at least once at or after
	// f.Since (of f.Site and f.Switch when set), ordered by site and
	// switch, at most f.Limit of them; see Drift. The records it returns
	// carry no Result, which Timeline has.
	Drifted(ctx context.Context, f Filter) ([]Drift, error)
	// Backup returns the backup of switch site/switchName taken in run
	// runID, or its latest backup when runID is 0. An empty site matches
	// any site (the latest wins). ErrNotFound when there is none. Restores
	// name the site: agents sharing a PostgreSQL history may each have a
	// switch of that name.
	Backup(ctx context.Context, site, switchName string, runID int64) (Backup, error)

	// Prune deletes the runs started before before, with their records
	// and backups, and the results no record refers to any more. The run
	// holding the newest backup of each switch is kept, however old: it
	// may be the only way back to the switch's state before qosagent.
	Prune(ctx context.Context, before time.Time) (Pruned, error)

	// Lock takes the advisory lock named key (e.g. "apply:site:<site>")
	// for this process, waiting up to wait (0 = do not wait, negative =
	// until ctx is done). When another holder keeps it, the error is a
	// *LockedError naming the holder. The lock is kept until unlock is
	// called or the process exits; Close does not release it.
	Lock(ctx context.Context, key string, wait time.Duration) (unlock func() error, err error)

	IntentStore

	Close() error
}

// Pruned counts what Prune deleted.
type Pruned struct {
	Runs    int64 `json:"runs"`
	Records int64 `json:"records"`
	Backups int64 `json:"backups"`
	Results int64 `json:"results"`
	// Kept counts the old runs kept for the newest backup of a switch.
	Kept int64 `json:"kept"`
}

// LockedError says who holds a lock. HolderPID is 0 and Host empty when
// the holder could not be named (it was just taking the lock).
type LockedError struct {
	Key       string
	HolderPID int
	Host      string
	Since     time.Time
}

func (e *LockedError) Error() string {
	if e.HolderPID == 0 {
		return fmt.Sprintf("history: lock %q is held by another process", e.Key)
	}
	return fmt.Sprintf("history: lock %q is held by pid %d on %s since %s",
		e.Key, e.HolderPID, e.Host, e.Since.Format(time.RFC3339))
}

// ErrNotFound is returned when a run, switch or backup does not exist.
var ErrNotFound = errors.New("history: not found")

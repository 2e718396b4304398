// Package record writes runs of the engine into the history: a background
// writer that stores switch results in batches while the run goes on, the
// backup store that keeps each switch's state before a write, and the
// site locks that keep two applies off the same site. Every front end (the
// CLI, a daemon, an HTTP API) records runs through it, so they all leave
// the same history.
package record

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/history"
	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
)

// Run describes the run to record.
type Run struct {
	Command   string // audit, apply, restore
	DryRun    bool
	Scope     string // e.g. "site=lab", "all"
	Inventory string // absolute path of the inventory file
	// Retention, when positive, prunes the history of runs older than
	// this once the run is recorded (history.Store.Prune).
	Retention time.Duration
	// Now stamps the run and its records; nil is time.Now.
	Now func() time.Time
}

// Recorder records one run in a history store. Switch results are stored
// while the run goes on, in batches by a background writer, so a fleet's
// history costs neither a commit per switch nor a pause after the last one,
// and a run killed half-way still leaves the switches it finished. A
// Recorder without a store (Start with a nil store) records nothing.
type Recorder struct {
	store   history.Store
	id      int64
	started time.Time
	log     *slog.Logger
	now     func() time.Time
	// retention prunes runs older than this after the run; 0 keeps all.
	retention time.Duration
	// intents holds, per "site/switch", the intent an earlier run left
	// standing there, loaded by LoadPending.
	intents map[string]history.Intent

	mu      sync.Mutex
	pending []finished
	wake    chan struct{} // a batch is full
	closing chan struct{} // the run is over: write the rest and stop
	done    chan struct{}
}

// finished is a switch result waiting for the history writer.
type finished struct {
	at     time.Time
	res    agent.SwitchResult
	stored []byte
}

const (
	// Batch is the number of results that wakes the writer early.
	Batch = 512
	every = 250 * time.Millisecond // longest a result waits
)

// Start records the start of a run in store (nil: record nothing) and
// starts the background writer. log takes the writer's failures: they
// never fail the run, whose report and exit code stand regardless.
func Start(ctx context.Context, store history.Store, run Run, log *slog.Logger) (*Recorder, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if run.Now == nil {
		run.Now = time.Now
	}
	r := &Recorder{store: store, started: run.Now(), now: run.Now, log: log, retention: run.Retention}
	if store == nil {
		return r, nil
	}
	id, err := store.StartRun(ctx, history.Run{Command: run.Command, DryRun: run.DryRun, Scope: run.Scope,
		Inventory: run.Inventory, StartedAt: r.started.UTC()}) // the store fills in host and pid
	if err != nil {
		return nil, fmt.Errorf("history: start run: %w", err)
	}
	r.id = id
	r.wake = make(chan struct{}, 1)
	r.closing = make(chan struct{})
	r.done = make(chan struct{})
	go r.writeLoop()
	return r, nil
}

// LoadPending reads the intents earlier runs left standing on the switches
// in scope, for Unsaved. Without a store there are none.
func (r *Recorder) LoadPending(ctx context.Context, sws []inventory.Switch) error {
	if r.store == nil {
		return nil
	}
	ins, err := r.store.PendingIntents(ctx, history.Filter{})
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	inScope := make(map[string]bool, len(sws))
	for _, sw := range sws {
		inScope[sw.Site+"/"+sw.Name] = true
	}
	r.intents = map[string]history.Intent{}
	for _, in := range ins {
		if k := in.Site + "/" + in.Switch; inScope[k] {
			r.intents[k] = in
		}
	}
	return nil
}

// Begin implements agent.Journal: the intent is stored before the write.
func (r *Recorder) Begin(ctx context.Context, in agent.Intent) (int64, error) {
	if r.store == nil {
		return 0, errors.New("history: no store to record the intent in")
	}
	backup, err := json.Marshal(in.Backup)
	if err != nil {
		return 0, err
	}
	plan, err := json.Marshal(in.Plan)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return r.store.OpenIntent(ctx, history.Intent{RunID: r.id, Site: in.Site, Switch: in.Switch, Vendor: in.Vendor,
		Address: in.Address, Started: r.now().UTC(), Backup: backup, Plan: plan})
}

// End implements agent.Journal.
func (r *Recorder) End(ctx context.Context, id int64, out agent.Outcome, detail string) error {
	if r.store == nil {
		return errors.New("history: no store to record the outcome in")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return r.store.CloseIntent(ctx, id, string(out), detail, r.now().UTC())
}

// Unsaved is agent.Engine.Unsaved: why an earlier run's intent, loaded by
// LoadPending, says the switch may not boot with what it runs; "" if none.
func (r *Recorder) Unsaved(site, name string) string {
	in, ok := r.intents[site+"/"+name]
	if !ok {
		return ""
	}
	return agent.Pending{RunID: in.RunID, Started: in.Started, Outcome: agent.Outcome(in.Outcome), Detail: in.Detail}.Reason()
}

// Records reports whether the recorder has a history to write to.
func (r *Recorder) Records() bool { return r.store != nil }

// ID is the run's id in the history; 0 without a store.
func (r *Recorder) ID() int64 { return r.id }

// Started is when the run started.
func (r *Recorder) Started() time.Time { return r.started }

// Save implements agent.BackupStore: backups live in the history.
func (r *Recorder) Save(b agent.Backup) (string, error) {
	if r.store == nil {
		return "", errors.New("history: no history to keep the backup in")
	}
	state, err := json.Marshal(b.State)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.store.SaveBackup(ctx, history.Backup{RunID: r.id, Site: b.Site, Switch: b.Switch, TakenAt: b.TakenAt, State: state}); err != nil {
		return "", fmt.Errorf("history: save backup: %w", err)
	}
	return fmt.Sprintf("history run %d", r.id), nil
}

// Record queues one switch's result and its JSON, which must be the stored
// form of agent.StoredJSON (EncodeResult's second value) (without the per-run timings, or
// unchanged switches would never deduplicate; nil: encoded here); it never waits for the store, so a
// slow database cannot slow the switches down. It fits agent.Engine.Result.
func (r *Recorder) Record(sw agent.SwitchResult, stored []byte) {
	if r.store == nil {
		return
	}
	r.mu.Lock()
	r.pending = append(r.pending, finished{r.now().UTC(), sw, stored})
	full := len(r.pending) >= Batch
	r.mu.Unlock()
	if full {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

func (r *Recorder) writeLoop() {
	defer close(r.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		last := false
		select {
		case <-r.wake:
		case <-tick.C:
		case <-r.closing:
			last = true
		}
		r.mu.Lock()
		batch := r.pending
		r.pending = nil
		r.mu.Unlock()
		// A writer that fell behind stores what piled up in Batch-sized
		// transactions: one multi-row INSERT stays within what a remote
		// database takes in one round trip and one timeout.
		for len(batch) > 0 {
			n := min(len(batch), Batch)
			r.write(batch[:n])
			batch = batch[n:]
		}
		if last {
			return
		}
	}
}

// write encodes and stores one batch in one transaction.
func (r *Recorder) write(batch []finished) {
	if len(batch) == 0 {
		return
	}
	recs := make([]history.SwitchRecord, 0, len(batch))
	for _, f := range batch {
		sw := &f.res
		// The history keeps what was found, not how long it took: without
		// the per-run timings an unchanged switch's result is the same
		// from run to run, and the store keeps it once.
		result := f.stored
		if result == nil {
			var err error
			if result, err = agent.StoredJSON(sw); err != nil {
				r.log.Warn("history: record switch", "switch", sw.Name, "err", err)
				continue
			}
		}
		recs = append(recs, history.SwitchRecord{RunID: r.id, Site: sw.Site, Switch: sw.Name, Vendor: sw.Vendor, Address: sw.Address,
			Status: string(sw.Status), At: f.at, Error: sw.Error, Findings: len(sw.Findings),
			Changes: sw.ChangeCount(), Result: result})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.store.RecordSwitch(ctx, recs...); err != nil {
		r.log.Warn("history: record switches", "run", r.id, "switches", len(recs), "err", err)
	}
}

// Finish stores what is left and closes the run with the exit code the
// process returns; failures are logged.
func (r *Recorder) Finish(rep *agent.Report, exitCode int) {
	if r.store == nil {
		return
	}
	close(r.closing)
	<-r.done
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	summary, _ := json.Marshal(rep.Summary)
	if err := r.store.FinishRun(ctx, r.id, r.now().UTC(), exitCode, rep.Interrupted, summary); err != nil {
		r.log.Warn("history: finish run", "run", r.id, "err", err)
	}
	if r.retention > 0 {
		// Never the run just recorded, however short the retention.
		before := r.now().Add(-r.retention)
		if limit := r.started.Add(-time.Second); before.After(limit) {
			before = limit
		}
		p, err := r.store.Prune(ctx, before)
		if err != nil {
			r.log.Warn("history: prune", "older-than", r.retention, "err", err)
		} else if p.Runs > 0 {
			r.log.Info("history: pruned", "runs", p.Runs, "records", p.Records, "backups", p.Backups, "kept-for-backups", p.Kept)
		}
	}
}

// LockKey names the apply lock of a site: by site name only, so that a
// copy of the inventory, or agents on other hosts sharing a PostgreSQL
// history, exclude each other too.
func LockKey(site string) string { return "apply:site:" + site }

// SiteLockedError says that another process is writing to a site.
type SiteLockedError struct {
	Site   string
	Holder *history.LockedError
}

func (e *SiteLockedError) Error() string {
	holder := "a process that is just taking the lock"
	if e.Holder.HolderPID != 0 {
		holder = fmt.Sprintf("pid %d on %s, since %s", e.Holder.HolderPID, e.Holder.Host, e.Holder.Since.Local().Format(time.RFC3339))
	}
	return fmt.Sprintf("site %s is being written by another qosagent (%s); wait for it or use --wait-lock DURATION", e.Site, holder)
}

func (e *SiteLockedError) Unwrap() error { return e.Holder }

// LockSites takes the apply lock of every site of sws, in a fixed order so
// two runs cannot deadlock, waiting up to wait for each. Audits take no
// lock. A site held by another process gives a *SiteLockedError. release
// logs its failures to log.
func LockSites(ctx context.Context, store history.Store, sws []inventory.Switch, wait time.Duration, log *slog.Logger) (release func(), err error) {
	seen := map[string]bool{}
	var sites []string
	for _, sw := range sws {
		if !seen[sw.Site] {
			seen[sw.Site] = true
			sites = append(sites, sw.Site)
		}
	}
	sort.Strings(sites)
	var unlocks []func() error
	release = func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			if err := unlocks[i](); err != nil && log != nil {
				log.Warn("release lock", "err", err)
			}
		}
	}
	for _, site := range sites {
		unlock, err := store.Lock(ctx, LockKey(site), wait)
		if err != nil {
			release()
			var le *history.LockedError
			if errors.As(err, &le) {
				return nil, &SiteLockedError{Site: site, Holder: le}
			}
			return nil, fmt.Errorf("lock site %s: %w", site, err)
		}
		unlocks = append(unlocks, unlock)
	}
	return release, nil
}

// ErrNoBackup is returned by LoadBackup when the run took no backup of the
// switch; ErrNoRun when there is no such run.
var (
	ErrNoBackup = errors.New("no backup")
	ErrNoRun    = errors.New("no such run")
)

// LoadBackup reads the state that run runID backed up of switch site/name,
// ready to be written back.
func LoadBackup(ctx context.Context, store history.Store, site, name string, runID int64) (vendors.State, error) {
	var state vendors.State
	runs, err := store.Runs(ctx, history.Filter{RunID: runID, Limit: 1})
	if err != nil {
		return state, fmt.Errorf("history: %w", err)
	}
	if len(runs) == 0 {
		return state, fmt.Errorf("run %d does not exist in the history: %w", runID, ErrNoRun)
	}
	b, err := store.Backup(ctx, site, name, runID)
	if errors.Is(err, history.ErrNotFound) {
		return state, fmt.Errorf("run %d took no backup of %s at site %s: %w", runID, name, site, ErrNoBackup)
	}
	if err != nil {
		return state, fmt.Errorf("history: %w", err)
	}
	if err := json.Unmarshal(b.State, &state); err != nil {
		return state, fmt.Errorf("backup of %s in run %d is unreadable: %w", name, runID, err)
	}
	if len(state.Queues) == 0 {
		return state, fmt.Errorf("backup of %s in run %d holds no queues; it cannot be written back", name, runID)
	}
	return state, nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/history"
	"github.com/qosagent/qosagent/inventory"
)

// historyOpenTimeout bounds opening the history: an unreachable PostgreSQL
// server must not hold an hourly audit for the kernel's TCP timeout.
const historyOpenTimeout = 30 * time.Second

// openHistory opens the history named by --history ("" = the default
// SQLite file); "none" disables it. The store's errors name it, redacted.
// Commands that only read it (existing) refuse to create a new one.
func (a *app) openHistory(ctx context.Context, existing bool) (history.Store, error) {
	dsn := a.v.GetString("history")
	if dsn == "none" {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, historyOpenTimeout)
	defer cancel()
	return history.Open(ctx, dsn, history.Options{Logger: a.log, MustExist: existing})
}

// recorder records one run in the history store. Switch results are stored
// while the run goes on, in batches by a background writer, so a fleet's
// history costs neither a commit per switch nor a pause after the last one,
// and a run killed half-way still leaves the switches it finished.
type recorder struct {
	store   history.Store
	id      int64
	started time.Time
	log     func(msg string, args ...any)

	mu      sync.Mutex
	pending []finished
	wake    chan struct{} // a batch is full
	closing chan struct{} // the run is over: write the rest and stop
	done    chan struct{}
}

// finished is a switch result waiting for the history writer.
type finished struct {
	at      time.Time
	res     agent.SwitchResult
	encoded []byte // res as JSON when the engine has it already (agent.Engine.ResultJSON), else nil
}

const (
	recordBatch = 512                    // results that wake the writer early
	recordEvery = 250 * time.Millisecond // longest a result waits
)

func (a *app) startRun(ctx context.Context, store history.Store, command string, dryRun bool, scope string) (*recorder, error) {
	inv, _ := filepath.Abs(a.v.GetString("inventory"))
	r := &recorder{store: store, started: time.Now(), log: a.log.Warn}
	if store == nil {
		return r, nil
	}
	id, err := store.StartRun(ctx, history.Run{Command: command, DryRun: dryRun, Scope: scope, Inventory: inv, StartedAt: r.started.UTC()}) // the store fills in host and pid
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

// Save implements agent.BackupStore: backups live in the history.
func (r *recorder) Save(b agent.Backup) (string, error) {
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

// record queues one switch's result; it never waits for the store, so a
// slow database cannot slow the switches down. It is agent.Engine.Result.
func (r *recorder) record(sw agent.SwitchResult) { r.recordJSON(sw, nil) }

// recordJSON is record with the result's JSON encoding, if known; it is
// agent.Engine.ResultJSON.
func (r *recorder) recordJSON(sw agent.SwitchResult, encoded []byte) {
	if r.store == nil {
		return
	}
	r.mu.Lock()
	r.pending = append(r.pending, finished{time.Now().UTC(), sw, encoded})
	full := len(r.pending) >= recordBatch
	r.mu.Unlock()
	if full {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

func (r *recorder) writeLoop() {
	defer close(r.done)
	tick := time.NewTicker(recordEvery)
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
		r.write(batch)
		if last {
			return
		}
	}
}

// write encodes and stores one batch in one transaction.
func (r *recorder) write(batch []finished) {
	if len(batch) == 0 {
		return
	}
	recs := make([]history.SwitchRecord, 0, len(batch))
	for _, f := range batch {
		sw := &f.res
		result, err := f.encoded, error(nil)
		if result == nil {
			result, err = json.Marshal(sw)
		}
		if err != nil {
			r.log("history: record switch", "switch", sw.Name, "err", err)
			continue
		}
		recs = append(recs, history.SwitchRecord{RunID: r.id, Site: sw.Site, Switch: sw.Name, Vendor: sw.Vendor, Address: sw.Address,
			Status: string(sw.Status), At: f.at, Error: sw.Error, Findings: len(sw.Findings),
			Changes: sw.ChangeCount(), Result: result})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.store.RecordSwitch(ctx, recs...); err != nil {
		r.log("history: record switches", "run", r.id, "switches", len(recs), "err", err)
	}
}

// finish stores what is left and closes the run; failures are logged, the
// report on stdout and the exit code stand regardless.
func (r *recorder) finish(rep *agent.Report, exitCode int) {
	if r.store == nil {
		return
	}
	close(r.closing)
	<-r.done
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	summary, _ := json.Marshal(rep.Summary)
	if err := r.store.FinishRun(ctx, r.id, time.Now().UTC(), exitCode, rep.Interrupted, summary); err != nil {
		r.log("history: finish run", "run", r.id, "err", err)
	}
}

// scopeString describes the run's scope for the history.
func (a *app) scopeString() string {
	var parts []string
	if s := a.names("site"); len(s) > 0 {
		parts = append(parts, "site="+strings.Join(s, ","))
	}
	if s := a.names("switch"); len(s) > 0 {
		parts = append(parts, "switch="+strings.Join(s, ","))
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, " ")
}

// applyLockKey names the lock of a site: by site name only, so that a copy
// of the inventory, or agents on other hosts sharing a PostgreSQL history,
// exclude each other too.
func applyLockKey(site string) string { return "apply:site:" + site }

// lockSites takes the apply lock of every site in scope, in a fixed order so
// two runs cannot deadlock. Audits take no lock.
func (a *app) lockSites(ctx context.Context, store history.Store, sws []inventory.Switch) (func(), error) {
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
	release := func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			if err := unlocks[i](); err != nil {
				a.log.Warn("release lock", "err", err)
			}
		}
	}
	wait := a.v.GetDuration("wait-lock")
	for _, site := range sites {
		unlock, err := store.Lock(ctx, applyLockKey(site), wait)
		if err != nil {
			release()
			var le *history.LockedError
			if errors.As(err, &le) {
				holder := "a process that is just taking the lock"
				if le.HolderPID != 0 {
					holder = fmt.Sprintf("pid %d on %s, since %s", le.HolderPID, le.Host, le.Since.Local().Format(time.RFC3339))
				}
				return nil, failed(fmt.Errorf("site %s is being written by another qosagent (%s); wait for it or use --wait-lock DURATION", site, holder))
			}
			return nil, failed(fmt.Errorf("lock site %s: %w", site, err))
		}
		unlocks = append(unlocks, unlock)
	}
	return release, nil
}

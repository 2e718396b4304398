// Package fleetrun runs audit, apply and restore from start to end: it
// loads the inventory and the policy, builds the engine, records the run
// in the history, takes the site locks, runs the engine, writes the report
// and the Prometheus textfile and closes the run with the exit code. A
// front end (the CLI, a daemon, an HTTP API) parses its input into Options
// and calls one function.
package fleetrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/history"
	"github.com/qosagent/qosagent/agent/record"
	"github.com/qosagent/qosagent/internal/syslimit"
	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
)

// ExitError carries a process exit code with its error: agent.ExitInvalid
// for bad input, agent.ExitError for a run that failed.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Invalid marks err as invalid input (exit 3).
func Invalid(err error) error { return &ExitError{Code: agent.ExitInvalid, Err: err} }

// Failed marks err as a failed run (exit 2).
func Failed(err error) error { return &ExitError{Code: agent.ExitError, Err: err} }

// codeOf is err's exit code; an unclassified error is a failure.
func codeOf(err error) int {
	var ex *ExitError
	if errors.As(err, &ex) {
		return ex.Code
	}
	return agent.ExitError
}

// Options are the settings every run takes.
type Options struct {
	Inventory string   // inventory file
	Sites     []string // scope: these sites (audit, apply); whose secrets are fetched
	Switches  []string // scope: these switches (audit, apply); whose secrets are fetched
	Preset    string   // built-in policy preset; excludes Policy
	Policy    string   // policy file; "" the inventory's policy:, else the default

	Format       string // report format: table, json, html or csv
	Summary      bool   // only the counts per site and overall (table and json)
	PromTextfile string // Prometheus textfile to write (audit, apply); "" none

	History   string        // history store: "" the default SQLite file, a postgres:// URL, or "none"
	Retention time.Duration // prune runs older than this after the run; 0 keeps every run

	Registry        *vendors.Registry
	Timeout         time.Duration // deadline per switch
	Concurrency     int           // switches contacted at once (audit, apply)
	SiteConcurrency int           // per site; 0 no cap (audit, apply)
	Patience        time.Duration // replaces every switch's patience; 0 keeps it (audit, apply)
	SaveTimeout     time.Duration // replaces every switch's save timeout; 0 keeps it (audit, apply)

	// Progress, when set, is told how many switches are done.
	Progress func(done, total, failed int)
	// Source names where a setting came from ("--concurrency",
	// "QOSAGENT_CONCURRENCY", ...), for messages; nil names the flag.
	Source func(setting string) string
}

// summaryOnly says whether the report is only counted (Summary with json
// or table): then a fleet run keeps no switch's result at all.
func (o Options) summaryOnly() bool {
	return o.Summary && (o.Format == "json" || o.Format == "table")
}

func (o Options) source(setting string) string {
	if o.Source == nil {
		return "--" + setting
	}
	return o.Source(setting)
}

// run is one invocation: its options, where its report goes and the
// policy once loaded, for the reports of runs stopped early.
type run struct {
	o      Options
	w      io.Writer
	log    *slog.Logger
	policy *agent.Policy
}

// historyOpenTimeout bounds opening the history: an unreachable PostgreSQL
// server must not hold an hourly audit for the kernel's TCP timeout.
const historyOpenTimeout = 30 * time.Second

// OpenHistory opens the history named by dsn ("" = the default SQLite
// file); "none" disables it (nil store, nil error). The store's errors
// name it, redacted. Commands that only read it (existing) refuse to
// create a new one.
func OpenHistory(ctx context.Context, dsn string, existing bool, log *slog.Logger) (history.Store, error) {
	if dsn == "none" {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, historyOpenTimeout)
	defer cancel()
	return history.Open(ctx, dsn, history.Options{Logger: log, MustExist: existing})
}

// WriteReport writes the run report in format; with summary only the
// counts per site and overall (table and json; html and csv ignore it).
func WriteReport(w io.Writer, rep *agent.Report, format string, summary bool) error {
	var err error
	switch {
	case format == "json" && summary:
		err = rep.WriteSummaryJSON(w)
	case format == "json":
		err = rep.WriteJSON(w)
	case format == "html":
		err = rep.WriteHTML(w)
	case format == "csv":
		err = rep.WriteCSV(w)
	case summary:
		err = rep.WriteSummaryTable(w)
	default:
		err = rep.WriteTable(w)
	}
	if err != nil {
		return Failed(fmt.Errorf("write report: %w", err))
	}
	return nil
}

// PolicySource resolves the preset, else the policy file, else the
// inventory's policy: (inv may be nil). ok is false when none is set; the
// caller then uses the default. name and data are the policy's source.
func PolicySource(preset, path string, inv *inventory.Inventory) (name string, data []byte, p agent.Policy, ok bool, err error) {
	switch {
	case preset != "" && path != "":
		return "", nil, agent.Policy{}, false, Invalid(errors.New("--preset and --policy both given; expected one of them"))
	case preset != "":
		p, data, err := agent.LoadPreset(preset)
		if err != nil {
			return "", nil, p, false, Invalid(err)
		}
		return agent.PresetSource(preset), data, p, true, nil
	case path == "" && inv != nil:
		path = inv.PolicyPath
	}
	if path == "" {
		return "", nil, agent.Policy{}, false, nil
	}
	p, data, err = agent.ReadPolicy(path)
	if err != nil {
		return "", nil, p, false, Invalid(err)
	}
	return path, data, p, true, nil
}

// loadPolicy is PolicySource with the default when none is set.
func (o Options) loadPolicy(inv *inventory.Inventory) (agent.Policy, error) {
	_, _, p, ok, err := PolicySource(o.Preset, o.Policy, inv)
	if err != nil || ok {
		return p, err
	}
	return agent.DefaultPolicy(), nil
}

// loadInventory loads the inventory with the secrets of the switches in
// scope only: a job for one site needs no other site's credentials.
func (o Options) loadInventory(log *slog.Logger) (*inventory.Inventory, error) {
	inv, err := inventory.Load(o.Inventory, inventory.Options{Vendors: o.Registry.Transports(), Logger: log, Sites: o.Sites, Switches: o.Switches})
	if err != nil {
		return nil, Invalid(err)
	}
	return inv, nil
}

// SwitchEngine is an engine for one switch (restore): no fleet pacing.
func SwitchEngine(o Options, p agent.Policy, log *slog.Logger) (*agent.Engine, error) {
	if o.Timeout <= 0 {
		return nil, Invalid(fmt.Errorf("--timeout %s: expected a positive duration", o.Timeout))
	}
	return &agent.Engine{Registry: o.Registry, Policy: p, Concurrency: 1, Timeout: o.Timeout, Logger: log, Progress: o.Progress}, nil
}

// Engine is an engine for a fleet, paced by Concurrency and
// SiteConcurrency.
func Engine(o Options, p agent.Policy, log *slog.Logger) (*agent.Engine, error) {
	eng, err := SwitchEngine(o, p, log)
	if err != nil {
		return nil, err
	}
	c := o.Concurrency
	if c < 1 || c > 4096 {
		return nil, Invalid(fmt.Errorf("%s %d: expected 1..4096", o.source("concurrency"), c))
	}
	sc := o.SiteConcurrency
	if sc < 0 || sc > c {
		return nil, Invalid(fmt.Errorf("%s %d: expected 0..%d (the concurrency)", o.source("site-concurrency"), sc, c))
	}
	eng.Concurrency, eng.SiteConcurrency = c, sc
	// A fleet's results wait for the report on disk, not in memory.
	eng.Spool = true
	return eng, nil
}

// fleet loads inventory and policy, selects the switches in scope and builds
// the engine; every error is invalid input and nothing is contacted. The
// switches in scope come back with an error found after they were known,
// so that the report can list them as skipped.
func (r *run) fleet() ([]inventory.Switch, *agent.Engine, error) {
	inv, err := r.o.loadInventory(r.log)
	if err != nil {
		return nil, nil, err
	}
	sws, err := inv.Select(r.o.Sites, r.o.Switches)
	if err != nil {
		return nil, nil, Invalid(err)
	}
	if len(sws) == 0 {
		return nil, nil, Invalid(errors.New("no switch in scope"))
	}
	p, err := r.o.loadPolicy(inv)
	if err != nil {
		return sws, nil, err
	}
	r.policy = &p
	eng, err := Engine(r.o, p, r.log)
	if err != nil {
		return sws, nil, err
	}
	// Patience and SaveTimeout replace every switch's own.
	d := [2]time.Duration{r.o.Patience, r.o.SaveTimeout}
	for i, name := range []string{"patience", "save-timeout"} {
		if d[i] < 0 || d[i] > 30*time.Minute {
			return sws, nil, Invalid(fmt.Errorf("%s %s: expected 0 (the inventory's) up to 30m", r.o.source(name), d[i]))
		}
	}
	for i := range sws {
		sws[i].Override(d[0], d[1])
	}
	// Before any switch is contacted: a run that would run out of open
	// files or local ports half-way fails now, naming the limit.
	if lim, err := syslimit.Read(); err == nil {
		if err := lim.Check(eng.Concurrency, len(sws)); err != nil {
			return sws, nil, Invalid(err)
		}
	}
	return sws, eng, nil
}

// scope describes the run's scope for the history.
func (o Options) scope() string {
	var parts []string
	if len(o.Sites) > 0 {
		parts = append(parts, "site="+strings.Join(o.Sites, ","))
	}
	if len(o.Switches) > 0 {
		parts = append(parts, "switch="+strings.Join(o.Switches, ","))
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, " ")
}

// startRun records the start of a run in store (nil: nothing is recorded).
// With Retention set, the history is pruned after the run.
func (r *run) startRun(ctx context.Context, store history.Store, command string, dryRun bool, scope string) (*record.Recorder, error) {
	inv, _ := filepath.Abs(r.o.Inventory)
	return record.Start(ctx, store, record.Run{Command: command, DryRun: dryRun, Scope: scope, Inventory: inv, Retention: r.o.Retention}, r.log)
}

// lockSites takes the apply lock of every site in scope (record.LockSites).
func (r *run) lockSites(ctx context.Context, store history.Store, sws []inventory.Switch, wait time.Duration) (func(), error) {
	release, err := record.LockSites(ctx, store, sws, wait, r.log)
	if err != nil {
		return nil, Failed(err)
	}
	return release, nil
}

// finish writes the metrics (withMetrics: audit and apply) and the report,
// settles the exit code and then closes the run in the history with that
// same code, so the history says what the process returned. A restore of
// one switch must not replace an audit's metrics with its own.
func (r *run) finish(rec *record.Recorder, rep *agent.Report, withMetrics bool) (int, error) {
	defer rep.Close()
	code := rep.ExitCode()
	if path := r.o.PromTextfile; withMetrics && path != "" {
		if err := agent.WriteTextfile(path, rep, agent.RunInfo{Started: rec.Started(), Finished: time.Now(), ExitCode: code}); err != nil {
			r.log.Error("write metrics", "path", path, "err", err)
			code = max(code, agent.ExitError)
		}
	}
	err := WriteReport(r.w, rep, r.o.Format, r.o.Summary)
	if err != nil {
		code = agent.ExitError
	}
	rec.Finish(rep, code)
	return code, err
}

// skipAll prints the report of a run stopped before it contacted any
// switch: every switch in scope skipped with the reason, so that a script
// reading the report sees why. Without switches (the inventory did not
// load) there is no report to print. The exit code is err's.
func (r *run) skipAll(command string, dryRun bool, sws []inventory.Switch, err error) (int, error) {
	return r.skipRun(nil, command, dryRun, sws, err)
}

// skipRun is skipAll for a run already started in the history (rec): the
// skipped switches are recorded and the run closed with err's exit code,
// rather than left open as if the process had died.
func (r *run) skipRun(rec *record.Recorder, command string, dryRun bool, sws []inventory.Switch, err error) (int, error) {
	code := codeOf(err)
	if len(sws) == 0 {
		return code, err
	}
	p := agent.DefaultPolicy()
	if r.policy != nil {
		p = *r.policy
	}
	rep := agent.SkippedReport(command, dryRun, p, sws, err.Error(), time.Now())
	if werr := WriteReport(r.w, rep, r.o.Format, r.o.Summary); werr != nil {
		r.log.Error("write report", "err", werr)
	}
	if rec != nil {
		for _, sw := range rep.Switches {
			rec.Record(sw, nil)
		}
		rec.Finish(rep, code)
	}
	return code, err
}

// Audit reads every switch in scope and reports drift from the policy; it
// writes nothing to a switch. The report goes to w. It returns the exit
// code (0 compliant, 1 drift, 2 failed, 3 invalid input) and, for 2 and 3
// when the run could not complete, the error, an *ExitError.
func Audit(ctx context.Context, o Options, w io.Writer, log *slog.Logger) (int, error) {
	r := &run{o: o, w: w, log: log}
	sws, eng, err := r.fleet()
	if err != nil {
		return r.skipAll("audit", false, sws, err)
	}
	store, err := OpenHistory(ctx, o.History, false, log)
	if err != nil {
		// An audit still reports without its history: monitoring
		// must not go blind because a disk filled up.
		log.Error("audit runs without history", "err", err)
	}
	if store != nil {
		defer store.Close()
	}
	rec, err := r.startRun(ctx, store, "audit", false, o.scope())
	if err != nil {
		log.Error("audit runs without history", "err", err)
		rec, _ = r.startRun(ctx, nil, "audit", false, "")
	}
	if err := rec.LoadPending(ctx, sws); err != nil {
		// Without it an unsaved switch may look compliant: say so.
		log.Error("audit cannot tell switches left unsaved by earlier runs", "err", err)
	}
	if rec.Records() {
		// Without a history there is nothing to encode each result for.
		eng.Result = rec.Record
	}
	eng.AuditCommands = o.Format == "html" || o.Format == "csv" // change tickets and spreadsheets
	eng.LinesOnly = o.summaryOnly()
	if store != nil {
		eng.Unsaved = rec.Unsaved
	}
	rep := eng.Audit(ctx, sws)
	return r.finish(rec, rep, true)
}

// ApplyOptions are the settings of an apply.
type ApplyOptions struct {
	Options
	All      bool          // every switch of the inventory; excludes Sites and Switches
	DryRun   bool          // plan and write nothing
	WaitLock time.Duration // wait this long for another apply on the same sites; 0 fails at once
}

// Apply brings the switches in scope to the policy: plan, back up, write,
// verify, roll back on failure, save. It needs the history (its backups
// and intents live there) unless DryRun. Exit code and error as Audit's.
func Apply(ctx context.Context, o ApplyOptions, w io.Writer, log *slog.Logger) (int, error) {
	r := &run{o: o.Options, w: w, log: log}
	if scoped := len(o.Sites)+len(o.Switches) > 0; o.All == scoped {
		err := Invalid(errors.New("apply needs --site, --switch or --all (and --all alone): it writes to switches"))
		return codeOf(err), err
	}
	dry := o.DryRun
	sws, eng, err := r.fleet()
	if err != nil {
		return r.skipAll("apply", dry, sws, err)
	}
	store, err := OpenHistory(ctx, o.History, false, log)
	if err != nil {
		return r.skipAll("apply", dry, sws, Failed(fmt.Errorf("%w; apply keeps its backups there and writes nothing without it", err)))
	}
	if store == nil && !dry {
		return r.skipAll("apply", dry, sws, Invalid(errors.New("--history none: apply keeps its backups in the history and writes nothing without it")))
	}
	if store != nil {
		defer store.Close()
	}
	if !dry {
		release, err := r.lockSites(ctx, store, sws, o.WaitLock)
		if err != nil {
			return r.skipAll("apply", dry, sws, err)
		}
		defer release()
	}
	rec, err := r.startRun(ctx, store, "apply", dry, o.scope())
	if err != nil {
		return r.skipAll("apply", dry, sws, Failed(err))
	}
	if err := rec.LoadPending(ctx, sws); err != nil {
		// Intents cannot be read, so they cannot be written
		// either: no write without its intent.
		return r.skipRun(rec, "apply", dry, sws, Failed(err))
	}
	eng.Backups = rec
	if rec.Records() {
		eng.Result = rec.Record
	}
	eng.LinesOnly = o.summaryOnly()
	if store != nil {
		eng.Journal, eng.Unsaved = rec, rec.Unsaved
	}
	rep := eng.Apply(ctx, sws, dry)
	if rep.Interrupted {
		log.Warn("interrupted: switches in flight finished or rolled back, none other was started")
	}
	return r.finish(rec, rep, true)
}

// RestoreOptions are the settings of a restore. Options.Sites and
// Options.Switches only narrow whose secrets are fetched.
type RestoreOptions struct {
	Options
	Switch   string        // the switch to restore
	Run      int64         // the run whose backup of it to write back
	DryRun   bool          // print what would change and write nothing
	WaitLock time.Duration // wait this long for an apply on the switch's site; 0 fails at once
}

// Restore writes back the backup run Run took of Switch, in the same
// transaction as apply (backup, write, verify, rollback, save). It writes
// no Prometheus textfile: one switch's run must not replace a fleet
// audit's metrics. Exit code and error as Audit's.
func Restore(ctx context.Context, o RestoreOptions, w io.Writer, log *slog.Logger) (int, error) {
	r := &run{o: o.Options, w: w, log: log}
	name, runID := o.Switch, o.Run
	if name == "" || runID <= 0 {
		err := Invalid(errors.New("restore needs --switch NAME and --run RUN_ID (see `qosagent history --switch NAME`)"))
		return codeOf(err), err
	}
	inv, err := o.loadInventory(log)
	if err != nil {
		return codeOf(err), err
	}
	sws, err := inv.Select(nil, []string{name})
	if err != nil {
		err = Invalid(err)
		return codeOf(err), err
	}
	// From here on the switch is known: a run stopped before it
	// contacted it still prints its report, the switch skipped.
	dry := o.DryRun
	p, err := o.loadPolicy(inv)
	if err != nil {
		return r.skipAll("restore", dry, sws, err)
	}
	r.policy = &p
	eng, err := SwitchEngine(o.Options, p, log)
	if err != nil {
		return r.skipAll("restore", dry, sws, err)
	}
	store, err := OpenHistory(ctx, o.History, true, log)
	if err != nil {
		return r.skipAll("restore", dry, sws, Failed(err))
	}
	if store == nil {
		return r.skipAll("restore", dry, sws, Invalid(errors.New("--history none: restore reads its backup from the history")))
	}
	defer store.Close()
	state, err := record.LoadBackup(ctx, store, sws[0].Site, name, runID)
	if errors.Is(err, record.ErrNoBackup) || errors.Is(err, record.ErrNoRun) {
		return r.skipAll("restore", dry, sws, Invalid(fmt.Errorf("%w (see `qosagent history --switch %s`)", err, name)))
	}
	if err != nil {
		return r.skipAll("restore", dry, sws, Failed(err))
	}
	if !dry {
		release, err := r.lockSites(ctx, store, sws, o.WaitLock)
		if err != nil {
			return r.skipAll("restore", dry, sws, err)
		}
		defer release()
	}
	rec, err := r.startRun(ctx, store, "restore", dry, "switch="+name+" run="+strconv.FormatInt(runID, 10))
	if err != nil {
		return r.skipAll("restore", dry, sws, Failed(err))
	}
	if err := rec.LoadPending(ctx, sws); err != nil {
		return r.skipRun(rec, "restore", dry, sws, Failed(err))
	}
	eng.Backups, eng.Result, eng.Journal, eng.Unsaved = rec, rec.Record, rec, rec.Unsaved
	rep := eng.Restore(ctx, sws[0], state, dry)
	return r.finish(rec, rep, false)
}

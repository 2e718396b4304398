// Package agent is the engine: the policy and its rules, the planner, the
// fleet runner, the apply transaction and the reports. It knows switches only
// through vendors.Adapter and never branches on a vendor name.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
)

// Engine runs audits and applies across a fleet.
type Engine struct {
	Registry    *vendors.Registry
	Policy      Policy
	Concurrency int // switches in flight at once; <= 0 means DefaultConcurrency
	// SiteConcurrency caps the switches in flight per site (0 = no cap), so
	// a site behind a slow WAN link cannot take every worker.
	SiteConcurrency int
	Timeout         time.Duration // per switch deadline; <= 0 means 60s
	Backups         BackupStore   // where apply keeps the state it replaces; required for apply
	Logger          *slog.Logger
	// Progress, when set, is called after each switch with counts so far,
	// and once with done == total at the end of an interrupted run.
	Progress func(done, total, failed int)
	// Result, when set, receives each switch's result as soon as it is
	// known, from the worker that produced it (so it must be safe for
	// concurrent use), and at the end those of switches an interrupt kept
	// from starting. The history records a run this way while it goes on.
	// stored is the result's JSON in EncodeResult's stored form, nil if it
	// could not be encoded (the hook then tries again and says why).
	Result func(res SwitchResult, stored []byte)
	// Spool keeps the results in an unlinked temporary file in SpoolDir
	// ("" = the system's) rather than in memory, so a run's memory does not
	// grow with the fleet; the report is then read back from it (Report.Each)
	// and must be closed (Report.Close).
	Spool    bool
	SpoolDir string
	// LinesOnly keeps of each result only its Line, for a report that only
	// counts (the summaries, the metrics): nothing is encoded or spooled,
	// and the report's per-switch writers (WriteJSON, WriteTable, Each...)
	// fail. It overrides Spool.
	LinesOnly bool
	// Unsaved, when set, is asked after each read whether the switch has
	// writes whose save did not complete (the history knows; the switch
	// may not be able to tell): a non-empty reason breaks the saved rule,
	// and apply saves the switch.
	Unsaved func(site, switchName string) string
	Now     func() time.Time
	// Journal keeps the write-ahead intents of apply and restore; nil: none.
	Journal Journal
	// AuditCommands makes audits list, for each switch apply would change,
	// the exact commands it would send (apply and dry runs always do):
	// for change tickets, at a cost in memory a fleet-wide audit need not pay.
	AuditCommands bool
}

// DefaultConcurrency bounds the switches contacted at once.
// 128 keeps 1,000 SSH switches under 10 s and 10,000 SNMP switches within
// 1.5x of the RTT bound on a 2-core machine (bench/RESULTS.md).
const DefaultConcurrency = 128

func (e *Engine) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Audit reads every switch and checks it against the policy. It writes nothing.
func (e *Engine) Audit(ctx context.Context, sws []inventory.Switch) *Report {
	return e.run(ctx, "audit", false, sws, e.auditOne)
}

// Apply brings every switch to the policy. With dryRun it only plans.
func (e *Engine) Apply(ctx context.Context, sws []inventory.Switch, dryRun bool) *Report {
	return e.run(ctx, "apply", dryRun, sws, func(ctx context.Context, a vendors.Adapter, res *SwitchResult) error {
		return e.transact(ctx, a, res, func(st vendors.State) (vendors.State, error) { return Target(e.Policy, st) }, true, dryRun)
	})
}

// Restore writes a backup back to one switch with the apply transaction
// (backup of the current state, write, verify, rollback, save).
func (e *Engine) Restore(ctx context.Context, sw inventory.Switch, backup vendors.State, dryRun bool) *Report {
	return e.run(ctx, "restore", dryRun, []inventory.Switch{sw}, func(ctx context.Context, a vendors.Adapter, res *SwitchResult) error {
		// The backup's unsaved note says how the switch stood when it was
		// taken; the restore's target is its settings, saved.
		target := backup
		target.Unsaved = ""
		return e.transact(ctx, a, res, func(vendors.State) (vendors.State, error) { return target, nil }, false, dryRun)
	})
}

type switchFunc func(ctx context.Context, a vendors.Adapter, res *SwitchResult) error

// run fans the switches out to a bounded pool. Cancelling ctx starts no new
// switch; those in flight finish (apply detaches them from ctx so a write is
// never cut in half).
func (e *Engine) run(ctx context.Context, command string, dryRun bool, sws []inventory.Switch, do switchFunc) *Report {
	rep := &Report{GeneratedAt: e.now().UTC(), Command: command, DryRun: dryRun, Policy: e.Policy}
	switch {
	case e.LinesOnly:
		rep.spool = linesOnly(len(sws))
	case e.Spool:
		sp, err := newSpool(e.SpoolDir, len(sws))
		if err != nil {
			e.logger().Warn("results kept in memory", "err", err)
		}
		rep.spool = sp
	}
	if rep.spool == nil {
		rep.Switches = make([]SwitchResult, len(sws))
	}
	// keep files result i in the report and hands it to the history, with
	// one encoding for both.
	keep := func(i int, res SwitchResult) {
		var report, stored []byte
		var err error
		switch {
		case rep.spool != nil && rep.spool.encodes():
			report, stored, err = EncodeResult(&res)
		case e.Result != nil:
			stored, err = StoredJSON(&res)
		}
		if rep.spool != nil {
			rep.spool.put(i, &res, report, err)
		} else {
			rep.Switches[i] = res
		}
		if e.Result != nil {
			if err != nil {
				stored = nil // the history encodes it again and logs why it cannot
			}
			e.Result(res, stored)
		}
	}
	workers := e.Concurrency
	if workers <= 0 {
		workers = DefaultConcurrency
	}
	if workers > len(sws) {
		workers = len(sws)
	}
	jobs := make(chan int)
	finished := make(chan string, len(sws)) // the site of each switch done
	var (
		wg          sync.WaitGroup
		mu          sync.Mutex
		done, fails int
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				res := e.one(ctx, sws[i], do)
				mu.Lock()
				done++
				if res.Status == StatusError {
					fails++
				}
				if e.Progress != nil {
					e.Progress(done, len(sws), fails)
				}
				mu.Unlock()
				keep(i, res)
				finished <- sws[i].Site
			}
		}()
	}
	started := e.dispatch(ctx, sws, jobs, finished)
	close(jobs)
	wg.Wait()
	for i, sw := range sws {
		if !started[i] {
			rep.Interrupted = true
			keep(i, Skipped(sw, "not started: run interrupted"))
			fails++
		}
	}
	if rep.Interrupted && e.Progress != nil {
		// The switches not started count as failed: the last call says
		// the run is over, as the report does.
		e.Progress(len(sws), len(sws), fails)
	}
	rep.summarize()
	return rep
}

func baseResult(sw inventory.Switch) SwitchResult {
	return SwitchResult{Site: sw.Site, Name: sw.Name, Vendor: sw.Vendor, Address: sw.Address, Findings: []Finding{}, Changes: []vendors.MapChange{}}
}

// one runs do against a single switch, turning every failure into a result.
func (e *Engine) one(ctx context.Context, sw inventory.Switch, do switchFunc) (res SwitchResult) {
	res = baseResult(sw)
	start := time.Now()
	// The switch's logger is built only to log: With formats its attributes
	// at once, a cost every switch of a fleet would pay for nothing.
	log := func() *slog.Logger { return e.logger().With("site", sw.Site, "switch", sw.Name) }
	defer func() {
		res.DurationMS = time.Since(start).Milliseconds()
		if p := recover(); p != nil {
			res.Status, res.Error, res.ErrorClass = StatusError, fmt.Sprintf("internal error: %v", p), vendors.ClassOther
		}
		if e.logger().Enabled(context.Background(), slog.LevelDebug) {
			log().Debug("switch done", "status", res.Status, "ms", res.DurationMS)
		}
	}()
	plat, err := e.Registry.Lookup(sw.Vendor)
	if err != nil {
		res.Status, res.Error, res.ErrorClass = StatusError, err.Error(), vendors.ClassUnsupported
		return res
	}
	a, err := plat.Open(sw)
	if err != nil {
		res.Status, res.Error, res.ErrorClass = StatusError, fmt.Sprintf("%s: open: %v", sw.Name, err), vendors.Class(err)
		return res
	}
	res.budgets = budgetsOf(sw, a)
	if f, ok := a.(vendors.Focuser); ok {
		f.Focus(e.Policy.focus())
	}
	defer func() {
		if sr, ok := a.(vendors.StatsReporter); ok {
			st := sr.Stats()
			res.Requests, res.Retries = st.Requests, st.Retries
		}
		a.Close()
	}()
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	// Detached from ctx: an interrupt must not cut a switch's transaction in
	// half; only the per-switch deadline bounds it.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := do(sctx, a, &res); err != nil {
		res.Status = StatusError
		res.Error = fmt.Sprintf("%s: %v", sw.Name, err)
		res.ErrorClass = vendors.Class(err)
		log().Warn("switch failed", "err", err)
	}
	return res
}

// misfitError is a switch that was read but that the policy does not fit
// (more classes than queues): a restore goes on past it, not past a failed read.
type misfitError struct{ error }

func (e misfitError) Unwrap() error { return e.error }

// read reads and checks one switch, filling the result's state and findings.
func (e *Engine) read(ctx context.Context, a vendors.Adapter, res *SwitchResult) (vendors.State, error) {
	st, err := a.Read(ctx)
	if err != nil {
		return st, fmt.Errorf("read: %w", err)
	}
	if e.Unsaved != nil && st.Unsaved == "" {
		st.Unsaved = e.Unsaved(res.Site, res.Name)
	}
	res.setState(e.Policy, st)
	fs, err := Check(e.Policy, st)
	if errors.Is(err, vendors.ErrParse) {
		return st, err // a state not read whole is never written to
	}
	if err != nil {
		return st, misfitError{err}
	}
	res.setFindings(fs)
	return st, nil
}

func (e *Engine) auditOne(ctx context.Context, a vendors.Adapter, res *SwitchResult) error {
	st, err := e.read(ctx, a, res)
	if err != nil {
		return err
	}
	res.Status = StatusCompliant
	if len(res.Findings) > 0 {
		res.Status = StatusDrift
	}
	// What apply would do. A switch apply would change is never called
	// compliant, whatever the rules say.
	if target, ch, err := plan(e.Policy, st); err == nil {
		res.setChange(ch)
		if !ch.Empty() {
			res.Status = StatusDrift
			if e.AuditCommands {
				e.preview(a, res, ch, st, target)
			}
		}
	}
	return nil
}

func plan(p Policy, st vendors.State) (vendors.State, vendors.Change, error) {
	target, err := Target(p, st)
	if err != nil {
		return target, vendors.Change{}, err
	}
	ch, err := Diff(st, target)
	return target, ch, err
}

// errRolledBack wraps a failure after which the switch was restored.
var errRolledBack = errors.New("rolled back to backup")

// dispatch hands switches to the workers round-robin across sites, and
// never more than SiteConcurrency of one site at once: a site behind a slow
// link then holds only its own share of the workers while the other sites
// go on. It stops handing out on ctx's end and reports what it started.
func (e *Engine) dispatch(ctx context.Context, sws []inventory.Switch, jobs chan<- int, finished <-chan string) []bool {
	var sites []string
	queue := map[string][]int{}
	for i, sw := range sws {
		if _, ok := queue[sw.Site]; !ok {
			sites = append(sites, sw.Site)
		}
		queue[sw.Site] = append(queue[sw.Site], i)
	}
	started := make([]bool, len(sws))
	inflight := map[string]int{}
	next := 0 // round-robin position in sites
	pick := func() (string, bool) {
		for k := 0; k < len(sites); k++ {
			s := sites[(next+k)%len(sites)]
			if len(queue[s]) > 0 && (e.SiteConcurrency <= 0 || inflight[s] < e.SiteConcurrency) {
				next = (next + k + 1) % len(sites)
				return s, true
			}
		}
		return "", false
	}
	remaining := len(sws)
	for remaining > 0 && ctx.Err() == nil {
		site, ok := pick()
		if !ok { // every site with work left is at its cap
			select {
			case s := <-finished:
				inflight[s]--
			case <-ctx.Done():
			}
			continue
		}
		i := queue[site][0]
		select {
		case jobs <- i:
			queue[site] = queue[site][1:]
			inflight[site]++
			started[i] = true
			remaining--
		case s := <-finished:
			inflight[s]--
			next = (next + len(sites) - 1) % len(sites) // offer the same site again
		case <-ctx.Done():
		}
	}
	return started
}

package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
)

// A write, rollback or save whose answer is late, lost or cut off has an
// unknown outcome: the switch may have acted. The functions here settle it
// from what the switch holds, read again with patience, never from what
// it failed to say.

// isUnknown reports whether err leaves the outcome of a request unknown:
// no answer in time, or the session lost before the answer.
func isUnknown(err error) bool {
	return vendors.IsOutcomeUnknown(err) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, vendors.ErrTimeout) || errors.Is(err, vendors.ErrDisconnected)
}

// requestTimeouter is implemented by adapters whose per-request timeout the
// patient re-reads may lengthen: an agent slower than that timeout on every
// request is read only with a longer one.
type requestTimeouter interface {
	RequestTimeout() time.Duration
	SetRequestTimeout(time.Duration)
}

// Backoff between patient attempts: short first, so that a switch that is
// back at once costs little, capped so that one still answering late is
// asked often enough.
const (
	firstRetryWait = 100 * time.Millisecond
	maxRetryWait   = 5 * time.Second
)

// budgets are one switch's patience and save timeout.
type budgets struct {
	patience, saveTimeout time.Duration
}

// saveTimeouter is implemented by adapters that know how long a save may
// take on their platform (the inventory's save_timeout, else the
// platform's default).
type saveTimeouter interface{ SaveTimeout() time.Duration }

// budgetsOf resolves a switch's budgets: the inventory's patience, and the
// adapter's save timeout, else the inventory's, else the defaults.
func budgetsOf(sw inventory.Switch, a vendors.Adapter) budgets {
	b := budgets{patience: sw.Patience(), saveTimeout: sw.SaveTimeout()}
	if st, ok := a.(saveTimeouter); ok && st.SaveTimeout() > 0 {
		b.saveTimeout = st.SaveTimeout()
	}
	if b.patience <= 0 {
		b.patience = inventory.DefaultPatience
	}
	if b.saveTimeout <= 0 {
		b.saveTimeout = inventory.DefaultSaveTimeout
	}
	return b
}

// patiently runs try until it succeeds, fails in a way that is not an
// unknown outcome (when onlyUnknown), or the budget is spent. Each retry
// waits longer and doubles the adapter's per-request timeout, within what
// is left of the budget; the timeout is put back afterwards. try gets a
// context bounded by the budget and detached from ctx's cancellation: the
// switch's deadline may be what cut the request that is being settled.
func patiently(ctx context.Context, a vendors.Adapter, budget time.Duration, onlyUnknown bool, try func(ctx context.Context) error) (tries int, err error) {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	defer cancel()
	deadline, _ := pctx.Deadline()
	rt, _ := a.(requestTimeouter)
	var timeout time.Duration
	if rt != nil {
		timeout = rt.RequestTimeout()
		defer rt.SetRequestTimeout(timeout)
	}
	wait := firstRetryWait
	for {
		tries++
		if err = try(pctx); err == nil || onlyUnknown && !isUnknown(err) {
			return tries, err
		}
		t := time.NewTimer(wait)
		select {
		case <-pctx.Done():
			t.Stop()
			return tries, err
		case <-t.C:
		}
		wait = min(2*wait, maxRetryWait)
		if rt != nil && timeout > 0 {
			timeout = min(2*timeout, time.Until(deadline))
			if timeout <= 0 {
				return tries, err
			}
			rt.SetRequestTimeout(timeout)
		}
	}
}

// readPatiently reads the switch until it answers in full or the budget is
// spent; the error then says how long and how often it was tried.
func readPatiently(ctx context.Context, a vendors.Adapter, budget time.Duration) (vendors.State, error) {
	var st vendors.State
	tries, err := patiently(ctx, a, budget, false, func(ctx context.Context) error {
		var err error
		st, err = a.Read(ctx)
		return err
	})
	if err != nil {
		return st, fmt.Errorf("no full read in %s (%d tries); last error: %w", budget, tries, err)
	}
	return st, nil
}

// settleWrite decides what became of a write that failed (refused, or no
// answer) or whose read-back failed. It reads the switch with patience:
// at the target, the write landed and the caller goes on to verify and
// save (ok); otherwise the backup is restored. accepted is the change the
// switch acknowledged, whose rows the rollback writes back whatever they
// read (nothing for a refused or unanswered write). An unreadable switch
// is the only case reported as possibly half-written.
func (e *Engine) settleWrite(ctx context.Context, a vendors.Adapter, res *SwitchResult, backup vendors.State, ch, accepted vendors.Change, cause error) (vendors.State, error) {
	now, err := readPatiently(ctx, a, res.budgets.patience)
	if err != nil {
		return now, fmt.Errorf("%w; cannot read the switch to learn what it holds: %v; last read before the write, at its backup, with %d edits to make; %w", cause, err, ch.Len(), errMayBeHalf)
	}
	if Verify(now, ch) == nil {
		e.logger().Warn("the write landed although its outcome was unknown; going on to verify and save",
			"site", res.Site, "switch", res.Name, "cause", cause)
		return now, nil
	}
	return now, e.rollback(ctx, a, res, backup, accepted, &now, cause)
}

// errMayBeHalf ends the error of a switch that could not be read to learn
// what it holds after a write: the one case reported as possibly half-written.
var errMayBeHalf = errors.New("it may be half-written, restore it from the backup")

// maxRollbacks bounds the rollback attempts: each writes what still
// differs from the backup and reads the switch again.
const maxRollbacks = 3

// rollback restores the backup after cause and reports both.
// After a write the switch accepted (read-back or verify failed), every row
// it touched is written back, not only the rows that read differently: a
// read that is stale or lies must not leave a row written. After a refused
// write, the read is what there is to go by; rewriting rows the switch just
// refused would only fail again.
// read is the state just read, when there is one: it is not read again.
// A rollback whose answer is late or lost is judged by reading the switch
// again with patience; one that left rows behind is written again.
func (e *Engine) rollback(ctx context.Context, a vendors.Adapter, res *SwitchResult, backup vendors.State, accepted vendors.Change, read *vendors.State, cause error) error {
	budget := res.budgets.patience
	var now vendors.State
	if read != nil {
		now = *read
	} else {
		var err error
		if now, err = readPatiently(ctx, a, budget); err != nil {
			return fmt.Errorf("%w; rollback: cannot read the switch: %v; %w", cause, err, errMayBeHalf)
		}
	}
	undo, err := Diff(now, backup)
	if err != nil {
		// What the switch holds cannot be compared with the backup, so
		// nothing is written back: it may hold part of the change.
		return fmt.Errorf("%w; rollback: %v; nothing written back; %w", cause, err, errMayBeHalf)
	}
	undo = withTouched(undo, accepted, now, backup)
	if undo.Empty() {
		return fmt.Errorf("%w; switch unchanged (still at its backup)", cause)
	}
	edits := undo.Len()
	for attempt := 1; ; attempt++ {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
		werr := a.Write(wctx, undo)
		cancel()
		got, rerr := readPatiently(ctx, a, budget)
		switch {
		case rerr != nil && werr != nil:
			return fmt.Errorf("%w; ROLLBACK FAILED: write: %v; then cannot read the switch: %v; %s; %w", cause, werr, rerr, lastSeen(now, backup), errMayBeHalf)
		case rerr != nil:
			return fmt.Errorf("%w; rollback written but not verified: cannot read the switch: %v; %s; %w", cause, rerr, lastSeen(now, backup), errMayBeHalf)
		}
		verr := Verify(got, undo)
		if verr == nil {
			if werr != nil {
				return fmt.Errorf("%w; %w (%d edits undone; the rollback's answer was lost, the switch reads at its backup)", cause, errRolledBack, edits)
			}
			return fmt.Errorf("%w; %w (%d edits undone)", cause, errRolledBack, edits)
		}
		if attempt == maxRollbacks {
			if werr != nil {
				return fmt.Errorf("%w; ROLLBACK FAILED: write: %v; %s; %w", cause, werr, lastSeen(got, backup), errMayBeHalf)
			}
			return fmt.Errorf("%w; ROLLBACK FAILED: %v; %s; %w", cause, verr, lastSeen(got, backup), errMayBeHalf)
		}
		left, derr := Diff(got, backup)
		if derr != nil {
			return fmt.Errorf("%w; ROLLBACK FAILED: %v; %w", cause, derr, errMayBeHalf)
		}
		e.logger().Warn("rollback incomplete; writing what still differs from the backup",
			"site", res.Site, "switch", res.Name, "attempt", attempt, "write_err", werr, "left", left.Len())
		undo = left
		now = got
	}
}

// lastSeen says how far the last state read was from the backup.
func lastSeen(st, backup vendors.State) string {
	d, err := Diff(st, backup)
	if err != nil {
		return fmt.Sprintf("last read: %v", err)
	}
	return fmt.Sprintf("last read: %d edits from its backup", d.Len())
}

// savePatiently copies running to startup config, bounded by the switch's save
// timeout. A save whose outcome is unknown (its answer was late or lost) is
// asked again, with patience: saving twice is harmless, believing an
// unsaved switch saved is not.
func (e *Engine) savePatiently(ctx context.Context, a vendors.Adapter, res *SwitchResult) error {
	b := res.budgets
	tries, err := patiently(ctx, a, b.patience+b.saveTimeout, true, func(pctx context.Context) error {
		sctx, cancel := context.WithTimeout(pctx, b.saveTimeout)
		defer cancel()
		return a.Save(sctx)
	})
	if err != nil && tries > 1 {
		return fmt.Errorf("%w (%d tries)", err, tries)
	}
	return err
}

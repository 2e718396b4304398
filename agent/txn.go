package agent

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/qosagent/qosagent/vendors"
)

// transact is the per-switch transaction of apply: read, compute the
// wanted state, backup, write, read back, verify, save; a failed write or
// verify restores the backup. With policyDone the switch must also meet the
// policy afterwards to count as changed (apply); a restore need not. With
// dryRun it stops at the plan.
func (e *Engine) transact(ctx context.Context, a vendors.Adapter, res *SwitchResult, want func(vendors.State) (vendors.State, error), policyDone, dryRun bool) error {
	before, err := e.read(ctx, a, res)
	if err != nil && (policyDone || !errors.As(err, new(misfitError))) {
		return err
	}
	target, err := want(before)
	if err != nil {
		return err
	}
	ch, err := Diff(before, target)
	if err != nil {
		return err
	}
	res.setChange(ch)
	if ch.Empty() {
		res.Status = StatusCompliant
		if len(res.Findings) > 0 {
			res.Status = StatusDrift // a rule the planner cannot fix; never claim compliance
		}
		return nil
	}
	e.preview(a, res, ch, before, target)
	if dryRun {
		res.Status = StatusPlanned
		return nil
	}
	if ch.Writes() && e.Backups == nil {
		return fmt.Errorf("no backup store configured; refusing to write")
	}
	id, err := e.begin(ctx, res, before, ch)
	if err != nil {
		return err
	}
	saveFailed := false
	err = func() error {
		if !ch.Writes() {
			// Only the saved rule is broken: nothing to back up or write.
			saved, err := e.save(ctx, a, res, before)
			if err != nil {
				saveFailed = true
				return err
			}
			res.setState(e.Policy, saved)
			fs, _ := Check(e.Policy, saved)
			res.setFindings(fs)
			res.Status = StatusChanged
			if len(fs) > 0 && policyDone {
				res.Status = StatusDrift
			}
			return nil
		}
		return e.write(ctx, a, res, before, ch, policyDone, &saveFailed)
	}()
	e.end(ctx, res, id, err, saveFailed)
	return err
}

// write is the part of the transaction that touches the switch: backup,
// write, read back, verify, save; a failed write or verify restores the
// backup. saveFailed is set when the switch was left written but unsaved.
func (e *Engine) write(ctx context.Context, a vendors.Adapter, res *SwitchResult, before vendors.State, ch vendors.Change, policyDone bool, saveFailed *bool) error {
	where, err := e.Backups.Save(Backup{Site: res.Site, Switch: res.Name, Vendor: res.Vendor, Address: res.Address, TakenAt: e.now().UTC(), State: before})
	if err != nil {
		return fmt.Errorf("backup before write: %w; nothing written", err)
	}
	res.Backup = where
	e.logger().Info("writing", "site", res.Site, "switch", res.Name, "edits", ch.Len(), "backup", where)

	var after vendors.State
	if err := a.Write(ctx, ch); err != nil {
		// Refused, or no answer: what the switch holds decides.
		if after, err = e.settleWrite(ctx, a, res, before, ch, vendors.Change{}, fmt.Errorf("write: %w", err)); err != nil {
			return err
		}
	} else if after, err = a.Read(ctx); err != nil {
		if after, err = e.settleWrite(ctx, a, res, before, ch, ch, fmt.Errorf("read back: %w", err)); err != nil {
			return err
		}
	}
	if err := Verify(after, ch); err != nil {
		return e.rollback(ctx, a, res, before, ch, &after, fmt.Errorf("verify: %w", err))
	}
	saved, err := e.save(ctx, a, res, after)
	if err != nil {
		*saveFailed = true
		return fmt.Errorf("change applied and verified in the running config, but %w", err)
	}
	res.setState(e.Policy, saved)
	fs, err := Check(e.Policy, saved)
	if err != nil && policyDone {
		return err
	}
	res.setFindings(fs)
	res.Status = StatusChanged
	if len(fs) > 0 && policyDone {
		res.Status = StatusDrift
	}
	return nil
}

// begin records the write-ahead intent; without a journal there is none.
func (e *Engine) begin(ctx context.Context, res *SwitchResult, before vendors.State, ch vendors.Change) (int64, error) {
	if e.Journal == nil {
		return 0, nil
	}
	id, err := e.Journal.Begin(ctx, Intent{Site: res.Site, Switch: res.Name, Vendor: res.Vendor, Address: res.Address, Backup: before, Plan: ch})
	if err != nil {
		return 0, fmt.Errorf("record the intent before writing: %w; nothing written", err)
	}
	return id, nil
}

// end records the outcome of the intent id. A failure to record it is
// logged: the switch's state stands, and the open intent makes the next
// run check it.
func (e *Engine) end(ctx context.Context, res *SwitchResult, id int64, err error, saveFailed bool) {
	if e.Journal == nil {
		return
	}
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	if jerr := e.Journal.End(context.WithoutCancel(ctx), id, outcomeOf(err, saveFailed), detail); jerr != nil {
		e.logger().Error("history: record the outcome of a write", "site", res.Site, "switch", res.Name, "err", jerr)
	}
}

// save saves the running config and returns the state the switch is in
// after it. Where the adapter can read the boot config (st.BootRead) that
// is read again, and the switch must now boot with what it runs; elsewhere
// the save's own answer is what there is, and st stands, saved.
func (e *Engine) save(ctx context.Context, a vendors.Adapter, res *SwitchResult, st vendors.State) (vendors.State, error) {
	if err := e.savePatiently(ctx, a, res); err != nil {
		if vendors.Class(err) == vendors.ClassOther {
			err = fmt.Errorf("%w: %w", vendors.ErrSave, err)
		}
		return st, fmt.Errorf("saving to startup config failed: %w", err)
	}
	if !st.BootRead {
		st.Unsaved = ""
		return st, nil
	}
	got, err := readPatiently(ctx, a, res.budgets.patience)
	if err != nil {
		return st, fmt.Errorf("saved, but reading the switch to verify the save failed: %w", err)
	}
	if got.Unsaved != "" {
		return got, fmt.Errorf("saved, but %w: the switch would still boot with other settings: %s", vendors.ErrSave, got.Unsaved)
	}
	return got, nil
}

// withTouched adds to undo every row that written touched and undo lacks,
// set to its backup value.
func withTouched(undo, written vendors.Change, now, backup vendors.State) vendors.Change {
	scope := func(st vendors.State, name string) *vendors.Scope {
		if sc := st.Scope(name); sc != nil {
			return sc
		}
		return &vendors.Scope{Name: name}
	}
	type mapKey struct {
		scope string
		dscp  int
	}
	inMap := map[mapKey]bool{}
	for _, m := range undo.Map {
		inMap[mapKey{m.Scope, m.DSCP}] = true
	}
	for _, m := range written.Map {
		cur, old := now.Map(scope(now, m.Scope)), backup.Map(scope(backup, m.Scope))
		if !inMap[mapKey{m.Scope, m.DSCP}] && cur != nil && old != nil {
			undo.Map = append(undo.Map, vendors.MapChange{Scope: m.Scope, DSCP: m.DSCP, From: cur[m.DSCP], To: old[m.DSCP]})
		}
	}
	sort.SliceStable(undo.Map, func(i, j int) bool { return undo.Map[i].DSCP < undo.Map[j].DSCP })
	sort.SliceStable(undo.Map, func(i, j int) bool {
		return undo.Map[i].Scope == vendors.GlobalPort && undo.Map[j].Scope != vendors.GlobalPort
	})

	type schedKey struct {
		scope string
		rank  int
	}
	inSched := map[schedKey]bool{}
	for _, c := range undo.Scheduler {
		inSched[schedKey{c.Scope, c.Rank}] = true
	}
	for _, c := range written.Scheduler {
		cur, old := now.SchedOf(scope(now, c.Scope)), backup.SchedOf(scope(backup, c.Scope))
		if !inSched[schedKey{c.Scope, c.Rank}] && c.Rank >= 0 && c.Rank < len(cur) && c.Rank < len(old) {
			undo.Scheduler = append(undo.Scheduler, vendors.SchedulerChange{Scope: c.Scope, Rank: c.Rank, Queue: c.Queue,
				FromStrict: cur[c.Rank].Strict, ToStrict: old[c.Rank].Strict, FromWeight: cur[c.Rank].Weight, ToWeight: old[c.Rank].Weight})
		}
	}

	inTrust := map[string]bool{}
	for _, c := range undo.Trust {
		inTrust[c.Port] = true
	}
	for _, c := range written.Trust {
		cur, ok1 := now.TrustOf(c.Port)
		old, ok2 := backup.TrustOf(c.Port)
		if !ok2 {
			old, ok2 = backup.TrustOf(vendors.GlobalPort)
		}
		if !inTrust[c.Port] && ok1 && ok2 {
			undo.Trust = append(undo.Trust, vendors.TrustChange{Port: c.Port, From: cur, To: old})
		}
	}
	if written.QoSEnable != nil && undo.QoSEnable == nil {
		enable := !backup.QoSDisabled
		undo.QoSEnable = &enable
	}
	return undo
}

package agent

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/qosagent/qosagent/vendors"
)

// rollbackTimeout bounds the restore after a failed write, on a context of its
// own: the switch's deadline may be what made the write fail.
const rollbackTimeout = 30 * time.Second

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
	if e.Backups == nil {
		return fmt.Errorf("no backup store configured; refusing to write")
	}
	where, err := e.Backups.Save(Backup{Site: res.Site, Switch: res.Name, Vendor: res.Vendor, Address: res.Address, TakenAt: e.now().UTC(), State: before})
	if err != nil {
		return fmt.Errorf("backup before write: %w; nothing written", err)
	}
	res.Backup = where
	e.logger().Info("writing", "site", res.Site, "switch", res.Name, "edits", ch.Len(), "backup", where)

	if err := a.Write(ctx, ch); err != nil {
		return e.rollback(ctx, a, before, vendors.Change{}, nil, fmt.Errorf("write: %w", err))
	}
	after, err := a.Read(ctx)
	if err != nil {
		return e.rollback(ctx, a, before, ch, nil, fmt.Errorf("read back: %w", err))
	}
	if err := Verify(after, ch); err != nil {
		return e.rollback(ctx, a, before, ch, &after, fmt.Errorf("verify: %w", err))
	}
	res.setState(e.Policy, after)
	fs, err := Check(e.Policy, after)
	if err != nil && policyDone {
		return err
	}
	res.setFindings(fs)
	if err := a.Save(ctx); err != nil {
		return fmt.Errorf("change applied and verified in the running config, but saving to startup config failed: %w", err)
	}
	res.Status = StatusChanged
	if len(fs) > 0 && policyDone {
		res.Status = StatusDrift
	}
	return nil
}

// rollback restores the backup after cause and reports both.
// After a write the switch accepted (read-back or verify failed), every row
// it touched is written back, not only the rows that read differently: a
// read that is stale or lies must not leave a row written. After a refused
// write, the read is what there is to go by; rewriting rows the switch just
// refused would only fail again.
// read is the state just read back, when there is one: it is not read again.
func (e *Engine) rollback(ctx context.Context, a vendors.Adapter, backup vendors.State, accepted vendors.Change, read *vendors.State, cause error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	var now vendors.State
	if read != nil {
		now = *read
	} else {
		var err error
		if now, err = a.Read(rctx); err != nil {
			return fmt.Errorf("%w; rollback: cannot read the switch: %v; it may be half-written, restore it from the backup", cause, err)
		}
	}
	undo, err := Diff(now, backup)
	if err != nil {
		return fmt.Errorf("%w; rollback: %v", cause, err)
	}
	undo = withTouched(undo, accepted, now, backup)
	if undo.Empty() {
		return fmt.Errorf("%w; switch unchanged (still at its backup)", cause)
	}
	if err := a.Write(rctx, undo); err != nil {
		return fmt.Errorf("%w; ROLLBACK FAILED: write: %v; the switch may be half-written, restore it from the backup", cause, err)
	}
	restored, err := a.Read(rctx)
	if err != nil {
		return fmt.Errorf("%w; rollback written but not verified: %v", cause, err)
	}
	if err := Verify(restored, undo); err != nil {
		return fmt.Errorf("%w; ROLLBACK FAILED: %v", cause, err)
	}
	return fmt.Errorf("%w; %w (%d edits undone)", cause, errRolledBack, undo.Len())
}

// withTouched adds to undo every row that written touched and undo lacks,
// set to its backup value.
func withTouched(undo, written vendors.Change, now, backup vendors.State) vendors.Change {
	inMap := map[int]bool{}
	for _, m := range undo.Map {
		inMap[m.DSCP] = true
	}
	for _, m := range written.Map {
		if !inMap[m.DSCP] {
			undo.Map = append(undo.Map, vendors.MapChange{DSCP: m.DSCP, From: now.DSCP[m.DSCP], To: backup.DSCP[m.DSCP]})
		}
	}
	sort.Slice(undo.Map, func(i, j int) bool { return undo.Map[i].DSCP < undo.Map[j].DSCP })

	inSched := map[int]bool{}
	for _, c := range undo.Scheduler {
		inSched[c.Queue] = true
	}
	for _, c := range written.Scheduler {
		if r := backup.Rank(c.Queue); !inSched[c.Queue] && r >= 0 && now.Rank(c.Queue) >= 0 {
			cur, old := now.Queues[now.Rank(c.Queue)], backup.Queues[r]
			undo.Scheduler = append(undo.Scheduler, vendors.SchedulerChange{Queue: c.Queue, FromStrict: cur.Strict, ToStrict: old.Strict, FromWeight: cur.Weight, ToWeight: old.Weight})
		}
	}

	inTrust := map[string]bool{}
	for _, c := range undo.Trust {
		inTrust[c.Port] = true
	}
	for _, c := range written.Trust {
		cur, ok1 := now.TrustOf(c.Port)
		old, ok2 := backup.TrustOf(c.Port)
		if !inTrust[c.Port] && ok1 && ok2 {
			undo.Trust = append(undo.Trust, vendors.TrustChange{Port: c.Port, From: cur, To: old})
		}
	}

	inPort := map[string]bool{}
	for _, c := range undo.PortScheduler {
		inPort[c.Port] = true
	}
	for _, c := range written.PortScheduler {
		cur, ok1 := portScheduler(now, c.Port)
		old, ok2 := portScheduler(backup, c.Port)
		if !inPort[c.Port] && ok1 && ok2 {
			undo.PortScheduler = append(undo.PortScheduler, vendors.PortSchedulerChange{Port: c.Port,
				FromExpedite: cur.Expedite, ToExpedite: old.Expedite, FromWeights: cur.Weights, ToWeights: old.Weights})
		}
	}
	if written.QoSEnable != nil && undo.QoSEnable == nil {
		enable := !backup.QoSDisabled
		undo.QoSEnable = &enable
	}
	return undo
}

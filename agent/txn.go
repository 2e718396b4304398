package agent

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/qosagent/qosagent/vendors"
)

// transact is the per-switch transaction of DESIGN §6: read, compute the
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
	pend, pending := e.pending(res)
	if ch.Empty() && !pending {
		res.Status = StatusCompliant
		if len(res.Findings) > 0 {
			res.Status = StatusDrift // a rule the planner cannot fix; never claim compliance
		}
		if pending {
			res.Findings = append(res.Findings, pend.finding())
			res.Status = StatusDrift
		}
		return nil
	}
	if dryRun {
		res.Status = StatusPlanned
		if pending {
			res.Findings = append(res.Findings, pend.finding())
		}
		return nil
	}
	if e.Backups == nil {
		return fmt.Errorf("no backup store configured; refusing to write")
	}
	id, err := e.begin(ctx, res, before, ch)
	if err != nil {
		return err
	}
	saveFailed := false
	err = func() error {
		if ch.Empty() {
			// Nothing to write, but an earlier write was never saved:
			// save now, and go by the save's own report of success.
			e.logger().Info("saving a switch an earlier run left unsaved", "site", res.Site, "switch", res.Name, "run", pend.RunID)
			if err := e.savePatiently(ctx, a, res); err != nil {
				saveFailed = true
				return fmt.Errorf("the running config is at the policy, but saving it to startup config (left unsaved by run %d) failed: %w", pend.RunID, err)
			}
			res.Status = StatusChanged
			if len(res.Findings) > 0 {
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
	res.setState(e.Policy, after)
	fs, err := Check(e.Policy, after)
	if err != nil && policyDone {
		*saveFailed = true // written and verified, not saved
		return err
	}
	res.setFindings(fs)
	if err := e.savePatiently(ctx, a, res); err != nil {
		*saveFailed = true
		return fmt.Errorf("change applied and verified in the running config, but saving to startup config failed: %w", err)
	}
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

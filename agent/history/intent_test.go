package history

import (
	"errors"
	"testing"
)

func mustOpenIntent(t *testing.T, s Store, in Intent) int64 {
	t.Helper()
	id, err := s.OpenIntent(ctxT(t), in)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func pendingOf(t *testing.T, s Store, f Filter) map[string]Intent {
	t.Helper()
	ins, err := s.PendingIntents(ctxT(t), f)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]Intent{}
	for _, in := range ins {
		if _, dup := m[in.Site+"/"+in.Switch]; dup {
			t.Errorf("two pending intents for %s/%s", in.Site, in.Switch)
		}
		m[in.Site+"/"+in.Switch] = in
	}
	return m
}

// testIntents: an open intent stands until a saved one follows it on the
// same switch; a restored one settles only itself.
func testIntents(t *testing.T, s Store) {
	ctx := ctxT(t)
	run1 := mustStart(t, s, Run{Command: "apply", StartedAt: at(0)})
	in := func(run int64, site, sw string, m int) Intent {
		return Intent{RunID: run, Site: site, Switch: sw, Vendor: "v", Address: "a", Started: at(m),
			Backup: []byte(`{"dscp":[0]}`), Plan: []byte(`{"map":[{"dscp":46,"from_queue":2,"to_queue":3}]}`)}
	}
	open1 := mustOpenIntent(t, s, in(run1, "lab", "sw1", 1)) // killed: never closed
	unsaved := mustOpenIntent(t, s, in(run1, "lab", "sw2", 1))
	if err := s.CloseIntent(ctx, unsaved, OutcomeUnsaved, "save timed out", at(2)); err != nil {
		t.Fatal(err)
	}
	saved := mustOpenIntent(t, s, in(run1, "lab", "sw3", 1))
	if err := s.CloseIntent(ctx, saved, OutcomeSaved, "", at(2)); err != nil {
		t.Fatal(err)
	}
	mustOpenIntent(t, s, in(run1, "other", "sw1", 1)) // same name, other site

	p := pendingOf(t, s, Filter{})
	if len(p) != 3 {
		t.Fatalf("pending = %+v, want lab/sw1, lab/sw2, other/sw1", p)
	}
	if got := p["lab/sw1"]; got.ID != open1 || got.Outcome != "" || got.Finished != nil || got.RunID != run1 ||
		!got.Started.Equal(stamp(at(1))) || string(got.Backup) != `{"dscp":[0]}` || got.Vendor != "v" {
		t.Errorf("open intent = %+v", got)
	}
	if got := p["lab/sw2"]; got.Outcome != OutcomeUnsaved || got.Detail != "save timed out" || got.Finished == nil || !got.Finished.Equal(stamp(at(2))) {
		t.Errorf("unsaved intent = %+v", got)
	}
	if p := pendingOf(t, s, Filter{Site: "lab", Switch: "sw1"}); len(p) != 1 || p["lab/sw1"].ID != open1 {
		t.Errorf("pending of lab/sw1 = %+v", p)
	}

	// A later run restores sw1 (still pending), then sw2 is saved (settled).
	run2 := mustStart(t, s, Run{Command: "apply", StartedAt: at(10)})
	r := mustOpenIntent(t, s, in(run2, "lab", "sw1", 11))
	if err := s.CloseIntent(ctx, r, OutcomeRestored, "rolled back", at(12)); err != nil {
		t.Fatal(err)
	}
	sv := mustOpenIntent(t, s, in(run2, "lab", "sw2", 11))
	if err := s.CloseIntent(ctx, sv, OutcomeSaved, "", at(12)); err != nil {
		t.Fatal(err)
	}
	p = pendingOf(t, s, Filter{Site: "lab"})
	if len(p) != 1 || p["lab/sw1"].ID != open1 {
		t.Errorf("pending after run 2 = %+v, want only the open intent of lab/sw1", p)
	}
	// A newer unsaved intent stands for the switch rather than the old one.
	u := mustOpenIntent(t, s, in(run2, "lab", "sw1", 13))
	if err := s.CloseIntent(ctx, u, OutcomeInDoubt, "unreadable", at(14)); err != nil {
		t.Fatal(err)
	}
	if got := pendingOf(t, s, Filter{Switch: "sw1", Site: "lab"})["lab/sw1"]; got.ID != u || got.Outcome != OutcomeInDoubt {
		t.Errorf("latest pending of lab/sw1 = %+v", got)
	}

	// Pruning every run keeps those whose intent stands.
	if _, err := s.Prune(ctx, at(1000)); err != nil {
		t.Fatal(err)
	}
	if got := pendingOf(t, s, Filter{}); len(got) != 2 || got["lab/sw1"].ID != u || got["other/sw1"].RunID != run1 {
		t.Errorf("pending after pruning every run = %+v", got)
	}

	if err := s.CloseIntent(ctx, 999999, OutcomeSaved, "", at(3)); !errors.Is(err, ErrNotFound) {
		t.Errorf("close of a missing intent = %v, want ErrNotFound", err)
	}
	if err := s.CloseIntent(ctx, open1, "done", "", at(3)); err == nil {
		t.Error("an unknown outcome was accepted")
	}
	if _, err := s.OpenIntent(ctx, in(999999, "lab", "sw9", 1)); !errors.Is(err, ErrNotFound) {
		t.Errorf("intent of a missing run = %v, want ErrNotFound", err)
	}
	bad := in(run1, "lab", "sw9", 1)
	bad.Plan = []byte(`{`)
	if _, err := s.OpenIntent(ctx, bad); err == nil {
		t.Error("an intent with invalid JSON was accepted")
	}
}

// testPruneKeepsSettlingIntent: a run kept for a backup holds an intent
// that a later save settled; pruning the later run must not bring the
// earlier intent back (the switch would report unsaved again).
func testPruneKeepsSettlingIntent(t *testing.T, s Store) {
	ctx := ctxT(t)
	in := func(run int64, m int) Intent {
		return Intent{RunID: run, Site: "lab", Switch: "sw1", Started: at(m),
			Backup: []byte(`{"queues":[0]}`), Plan: []byte(`{"save":true}`)}
	}
	// Run 1 writes sw1 (backup) and its save fails; run 2 only saves it.
	run1 := mustStart(t, s, Run{Command: "apply", StartedAt: at(0)})
	if err := s.SaveBackup(ctx, Backup{RunID: run1, Site: "lab", Switch: "sw1", TakenAt: at(0), State: []byte(`{"queues":[0]}`)}); err != nil {
		t.Fatal(err)
	}
	u := mustOpenIntent(t, s, in(run1, 1))
	if err := s.CloseIntent(ctx, u, OutcomeUnsaved, "save timed out", at(2)); err != nil {
		t.Fatal(err)
	}
	run2 := mustStart(t, s, Run{Command: "apply", StartedAt: at(10)})
	sv := mustOpenIntent(t, s, in(run2, 11))
	if err := s.CloseIntent(ctx, sv, OutcomeSaved, "", at(12)); err != nil {
		t.Fatal(err)
	}
	if p := pendingOf(t, s, Filter{}); len(p) != 0 {
		t.Fatalf("pending before prune = %+v", p)
	}
	if _, err := s.Prune(ctx, at(1000)); err != nil {
		t.Fatal(err)
	}
	if p := pendingOf(t, s, Filter{}); len(p) != 0 {
		t.Errorf("pending after prune = %+v: the save that settled run %d's intent was pruned", p, run1)
	}
}

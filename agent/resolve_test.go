package agent

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
)

// scripted is a switch whose answers a test writes in advance: each Read,
// Write and Save takes the next step of its script (the last step
// repeats). What the switch holds changes only as the steps say, so a
// test knows the truth whatever the answers claimed.
type scripted struct {
	mu     sync.Mutex
	st     vendors.State
	saved  bool
	reads  []error // nil: answers with the state
	writes []writeStep
	saves  []error
	n      struct{ reads, writes, saves int }
}

// writeStep says what one Write does: apply the whole change (rows < 0)
// or only its first rows DSCP rows, then answer err.
type writeStep struct {
	rows int
	err  error
}

var errNoAnswer = fmt.Errorf("no answer in time: %w", vendors.ErrTimeout)

func step[T any](xs []T, i int) T { return xs[min(i, len(xs)-1)] }

func (s *scripted) Read(context.Context) (vendors.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := error(nil)
	if len(s.reads) > 0 {
		err = step(s.reads, s.n.reads)
	}
	s.n.reads++
	if err != nil {
		return vendors.State{}, err
	}
	return s.st.Clone(), nil
}

func (s *scripted) Write(_ context.Context, ch vendors.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := writeStep{rows: -1}
	if len(s.writes) > 0 {
		w = step(s.writes, s.n.writes)
	}
	s.n.writes++
	if w.rows >= 0 {
		ch = vendors.Change{Map: ch.Map[:min(w.rows, len(ch.Map))]}
	}
	apply(&s.st, ch)
	s.saved = false
	return w.err
}

func (s *scripted) Save(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := error(nil)
	if len(s.saves) > 0 {
		err = step(s.saves, s.n.saves)
	}
	s.n.saves++
	if err == nil {
		s.saved = true
	}
	return err
}

func (s *scripted) Close() error { return nil }

// journalRec keeps the outcomes it was told.
type journalRec struct {
	mu  sync.Mutex
	out []Outcome
}

func (j *journalRec) Begin(context.Context, Intent) (int64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.out = append(j.out, "")
	return int64(len(j.out)), nil
}

func (j *journalRec) End(_ context.Context, id int64, out Outcome, _ string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.out[id-1] = out
	return nil
}

type memBackups struct{}

func (memBackups) Save(Backup) (string, error) { return "mem", nil }

// TestSettleUnknownOutcomes: after a write, rollback or save whose answer
// was late, lost or refused, the transaction goes by what the switch holds.
func TestSettleUnknownOutcomes(t *testing.T) {
	refused := fmt.Errorf("SET refused: %w", vendors.ErrRefused)
	tests := []struct {
		name   string
		sw     *scripted
		status Status
		end    string // "target", "backup" or "half"
		saved  bool
		errHas []string
		out    Outcome
		saves  int // Save calls; -1: any
	}{
		{name: "write answered late but landed", sw: &scripted{writes: []writeStep{{-1, errNoAnswer}}},
			status: StatusChanged, end: "target", saved: true, out: OutcomeSaved, saves: 1},
		{name: "write lost, switch at its backup", sw: &scripted{writes: []writeStep{{0, errNoAnswer}}},
			status: StatusError, end: "backup", errHas: []string{"write:", "switch unchanged"}, out: OutcomeRestored},
		{name: "write refused half-way", sw: &scripted{writes: []writeStep{{1, refused}, {-1, nil}}},
			status: StatusError, end: "backup", errHas: []string{"refused", "rolled back to backup (1 edits undone)"}, out: OutcomeRestored},
		{name: "half written, rollback answer lost", sw: &scripted{writes: []writeStep{{1, errNoAnswer}, {-1, errNoAnswer}}},
			status: StatusError, end: "backup", errHas: []string{"rolled back to backup", "the rollback's answer was lost"}, out: OutcomeRestored},
		{name: "half written, rollback loses a row once", sw: &scripted{writes: []writeStep{{2, errNoAnswer}, {1, nil}, {-1, nil}}},
			status: StatusError, end: "backup", errHas: []string{"rolled back to backup (2 edits undone)"}, out: OutcomeRestored},
		{name: "unreadable after the write", sw: &scripted{reads: []error{nil, errNoAnswer}, writes: []writeStep{{-1, errNoAnswer}}},
			status: StatusError, end: "target", errHas: []string{"cannot read the switch", "no full read in", "may be half-written"}, out: OutcomeInDoubt},
		{name: "read-back late, then the switch answers", sw: &scripted{reads: []error{nil, errNoAnswer, errNoAnswer, nil}},
			status: StatusChanged, end: "target", saved: true, out: OutcomeSaved, saves: 1},
		{name: "save answer lost, asked again", sw: &scripted{saves: []error{errNoAnswer, nil}},
			status: StatusChanged, end: "target", saved: true, out: OutcomeSaved, saves: 2},
		{name: "save refused: not asked again", sw: &scripted{saves: []error{fmt.Errorf("flash full: %w", vendors.ErrSave)}},
			status: StatusError, end: "target", errHas: []string{"saving to startup config failed", "flash full"}, out: OutcomeUnsaved, saves: 1},
		{name: "save never answers", sw: &scripted{saves: []error{errNoAnswer}},
			status: StatusError, end: "target", errHas: []string{"saving to startup config failed", "tries"}, out: OutcomeUnsaved, saves: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sw := tc.sw
			sw.st = gs110tpFactory()
			before := sw.st.Clone()
			target, err := Target(DefaultPolicy(), before)
			if err != nil {
				t.Fatal(err)
			}
			j := &journalRec{}
			e := &Engine{Policy: DefaultPolicy(), Backups: memBackups{}, Journal: j, Timeout: 10 * time.Second,
				Registry: vendors.NewRegistry(vendors.Platform{Name: "scripted", Transport: inventory.TransportSNMP,
					Open: func(inventory.Switch) (vendors.Adapter, error) { return sw, nil }})}
			inv := inventory.Switch{Site: "lab", Name: "sw1", Vendor: "scripted",
				SNMP: inventory.SNMP{Patience: 400 * time.Millisecond, SaveTimeout: 100 * time.Millisecond}}
			rep := e.Apply(context.Background(), []inventory.Switch{inv}, false)
			r := rep.Switches[0]
			if r.Status != tc.status {
				t.Errorf("status %s, want %s: %s", r.Status, tc.status, r.Error)
			}
			for _, w := range tc.errHas {
				if !strings.Contains(r.Error, w) {
					t.Errorf("error lacks %q: %s", w, r.Error)
				}
			}
			if tc.out != OutcomeInDoubt && strings.Contains(r.Error, "half-written") {
				t.Errorf("reported possibly half-written although the switch could be read: %s", r.Error)
			}
			held := "half"
			atT, _ := Diff(sw.st, target)
			atB, _ := Diff(sw.st, before)
			switch {
			case atT.Empty():
				held = "target"
			case atB.Empty():
				held = "backup"
			}
			if held != tc.end || sw.saved != tc.saved {
				t.Errorf("the switch holds %s (saved %v), want %s (saved %v)", held, sw.saved, tc.end, tc.saved)
			}
			if len(j.out) != 1 || j.out[0] != tc.out {
				t.Errorf("journal %v, want one intent ending %q", j.out, tc.out)
			}
			if tc.saves >= 0 && sw.n.saves != tc.saves {
				t.Errorf("%d saves asked for, want %d", sw.n.saves, tc.saves)
			}
		})
	}
}

// relayout is a scripted switch that, once written, reads back with
// another queue layout: nothing can be compared with the backup.
type relayout struct{ *scripted }

func (r relayout) Read(ctx context.Context) (vendors.State, error) {
	st, err := r.scripted.Read(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil && r.n.writes > 0 {
		st.Queues = append([]int(nil), st.Queues[1:]...)
	}
	return st, err
}

// TestRollbackThatCannotCompareIsInDoubt: a write half-applied whose
// read-back cannot be compared with the backup is not rolled back; the
// journal must say in doubt, not restored (which settles the intent, and
// the switch, half-written and unsaved, would later read as settled).
func TestRollbackThatCannotCompareIsInDoubt(t *testing.T) {
	sw := &scripted{writes: []writeStep{{1, nil}}}
	sw.st = gs110tpFactory()
	j := &journalRec{}
	e := &Engine{Policy: DefaultPolicy(), Backups: memBackups{}, Journal: j, Timeout: 10 * time.Second,
		Registry: vendors.NewRegistry(vendors.Platform{Name: "scripted", Transport: inventory.TransportSNMP,
			Open: func(inventory.Switch) (vendors.Adapter, error) { return relayout{sw}, nil }})}
	inv := inventory.Switch{Site: "lab", Name: "sw1", Vendor: "scripted",
		SNMP: inventory.SNMP{Patience: 400 * time.Millisecond, SaveTimeout: 100 * time.Millisecond}}
	r := e.Apply(context.Background(), []inventory.Switch{inv}, false).Switches[0]
	if r.Status != StatusError || !strings.Contains(r.Error, "queue layout changed") {
		t.Fatalf("status %s: %s", r.Status, r.Error)
	}
	if len(j.out) != 1 || j.out[0] != OutcomeInDoubt {
		t.Errorf("journal %v, want one intent ending %q: %s", j.out, OutcomeInDoubt, r.Error)
	}
	if !strings.Contains(r.Error, "half-written") {
		t.Errorf("a switch left half-written is not reported so: %s", r.Error)
	}
}

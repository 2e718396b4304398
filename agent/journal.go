package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/qosagent/qosagent/vendors"
)

// Journal keeps write-ahead intents: before the first write to a switch
// the transaction records what it is about to do, and when it ends, how it
// ended. A process killed between the write and the save leaves its intent
// open, and the next run learns (through Engine.Unsaved, from the intents
// still standing, see Pending) that the switch's running config may not be
// what it boots with. agent/record.Recorder keeps it in the history.
type Journal interface {
	// Begin records an intent; the transaction writes nothing when it fails.
	Begin(ctx context.Context, in Intent) (id int64, err error)
	// End records the outcome of the intent id, with a detail to show.
	End(ctx context.Context, id int64, out Outcome, detail string) error
}

// Intent is what a transaction is about to write to one switch.
type Intent struct {
	Site, Switch, Vendor, Address string
	Backup                        vendors.State  // the state before the write
	Plan                          vendors.Change // the edits to write (only Save: a save alone)
}

// Outcome is how a transaction ended, as the journal keeps it.
type Outcome string

const (
	// OutcomeSaved: at its target and saved; it settles every earlier
	// intent on the switch.
	OutcomeSaved Outcome = "saved"
	// OutcomeRestored: the switch is at its backup (the write was refused
	// or rolled back); an earlier intent still stands.
	OutcomeRestored Outcome = "restored"
	// OutcomeUnsaved: written and verified in the running config, but the
	// save did not complete; the switch reports unsaved until one does.
	OutcomeUnsaved Outcome = "unsaved"
	// OutcomeInDoubt: the switch could not be read to learn what the
	// transaction left; it may be half-written.
	OutcomeInDoubt Outcome = "in-doubt"
)

// Pending is an earlier run's unfinished business on one switch.
type Pending struct {
	RunID   int64
	Started time.Time
	// Outcome is OutcomeUnsaved or OutcomeInDoubt as recorded, or "" when
	// the intent was never closed: the run died between write and save.
	Outcome Outcome
	Detail  string
}

// Reason says, for the saved rule, why the switch may boot with another
// config than it runs, naming the run that left it so.
func (p Pending) Reason() string {
	when := p.Started.UTC().Format(time.RFC3339)
	switch p.Outcome {
	case OutcomeUnsaved:
		return fmt.Sprintf("unsaved: run %d (%s) wrote the running config but its save did not complete", p.RunID, when)
	case OutcomeInDoubt:
		return fmt.Sprintf("in-doubt: run %d (%s) could not learn what its write left on the switch (%s)", p.RunID, when, p.Detail)
	}
	return fmt.Sprintf("in-doubt: run %d (%s) began writing this switch and never recorded how it ended (killed, or still running)", p.RunID, when)
}

// outcomeOf classifies a transaction's end for the journal.
func outcomeOf(err error, saveFailed bool) Outcome {
	switch {
	case err == nil:
		return OutcomeSaved
	case saveFailed:
		return OutcomeUnsaved
	case errors.Is(err, errMayBeHalf):
		return OutcomeInDoubt
	}
	return OutcomeRestored
}

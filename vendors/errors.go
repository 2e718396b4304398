package vendors

import (
	"context"
	"errors"
	"os"
)

// The error family adapters and transports return, one sentinel per class
// an operator acts on differently. Wrap them with context
// (fmt.Errorf("...: %w", ErrParse)); Class names the first that matches.
var (
	// ErrUnreachable: no route, connection refused, port closed.
	ErrUnreachable = errors.New("unreachable")
	// ErrTimeout: the switch did not answer in time.
	ErrTimeout = errors.New("timeout")
	// ErrAuth: credentials refused (password, key, community, SNMPv3 user).
	ErrAuth = errors.New("authentication failed")
	// ErrHostKey: the SSH host key is unknown or changed.
	ErrHostKey = errors.New("host key not trusted")
	// ErrUnsupported marks a switch whose firmware or configuration lacks
	// what qosagent needs (no DSCP table, a queue count the policy does not
	// fit); it is never reported as compliant.
	ErrUnsupported = errors.New("unsupported by this switch")
	// ErrParse: the switch answered something the model cannot place.
	ErrParse = errors.New("unexpected answer")
	// ErrRefused: the switch refused a command or a SET.
	ErrRefused = errors.New("refused by the switch")
	// ErrVerify: what was read back differs from what was written.
	ErrVerify = errors.New("read-back differs")
	// ErrLocked: another run holds the switch's site.
	ErrLocked = errors.New("locked by another run")
	// ErrDisconnected: the session ended in the middle (the device closed it).
	ErrDisconnected = errors.New("connection lost")
	// ErrSave: the running config could not be saved.
	ErrSave = errors.New("save failed")
)

// Error classes, as reports and metrics name them.
const (
	ClassUnreachable = "unreachable"
	ClassTimeout     = "timeout"
	ClassAuth        = "auth"
	ClassHostKey     = "host-key"
	ClassUnsupported = "unsupported"
	ClassParse       = "parse"
	ClassRefused     = "refused"
	ClassVerify      = "verify"
	ClassLocked      = "locked"
	ClassSave        = "save"
	ClassDisconnect  = "disconnected"
	ClassInterrupted = "interrupted"
	ClassOther       = "other"
)

// Classes lists every class Class can return, for metrics and docs.
var Classes = []string{ClassUnreachable, ClassTimeout, ClassAuth, ClassHostKey, ClassUnsupported, ClassParse,
	ClassRefused, ClassVerify, ClassLocked, ClassSave, ClassDisconnect, ClassInterrupted, ClassOther}

// Class names the class of err by the sentinels it wraps (errors.Is), ""
// for nil. The order matters where an error wraps several: a write refused
// and then rolled back is "refused", not whatever the rollback met.
func Class(err error) string {
	if err == nil {
		return ""
	}
	for _, c := range []struct {
		err   error
		class string
	}{
		{ErrHostKey, ClassHostKey},
		{ErrAuth, ClassAuth},
		{ErrUnsupported, ClassUnsupported},
		{ErrParse, ClassParse},
		{ErrRefused, ClassRefused},
		{ErrVerify, ClassVerify},
		{ErrSave, ClassSave},
		{ErrLocked, ClassLocked},
		{ErrUnreachable, ClassUnreachable},
		{ErrDisconnected, ClassDisconnect},
		{ErrTimeout, ClassTimeout},
		{context.DeadlineExceeded, ClassTimeout},
		{os.ErrDeadlineExceeded, ClassTimeout},
		{context.Canceled, ClassInterrupted},
	} {
		if errors.Is(err, c.err) {
			return c.class
		}
	}
	return ClassOther
}

// OutcomeUnknown marks err as the failure of a request the switch may
// still have carried out (no answer in time, the connection cut before
// the answer, a save whose end could not be seen): what it did is settled
// by reading the switch again, never assumed. nil stays nil.
func OutcomeUnknown(err error) error {
	if err == nil {
		return nil
	}
	return outcomeUnknown{err}
}

// IsOutcomeUnknown reports whether err, or an error it wraps, was marked
// by OutcomeUnknown.
func IsOutcomeUnknown(err error) bool {
	var u outcomeUnknown
	return errors.As(err, &u)
}

type outcomeUnknown struct{ error }

func (e outcomeUnknown) Unwrap() error { return e.error }

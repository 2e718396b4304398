package vendors

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestClass(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("boom"), ClassOther},
		{fmt.Errorf("read: %w", ErrParse), ClassParse},
		{fmt.Errorf("ssh: %w", ErrHostKey), ClassHostKey},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), ClassTimeout},
		{fmt.Errorf("x: %w", ErrTimeout), ClassTimeout},
		// A refused write whose rollback then timed out is a refusal.
		{fmt.Errorf("write: %w; rollback: %w", ErrRefused, ErrTimeout), ClassRefused},
		{fmt.Errorf("policy: %w", ErrUnsupported), ClassUnsupported},
		{fmt.Errorf("%w", ErrLocked), ClassLocked},
		{fmt.Errorf("%w", ErrSave), ClassSave},
		{fmt.Errorf("%w", ErrVerify), ClassVerify},
		{fmt.Errorf("%w", ErrUnreachable), ClassUnreachable},
		{fmt.Errorf("%w", ErrAuth), ClassAuth},
		{context.Canceled, ClassInterrupted},
	}
	for _, tt := range tests {
		if got := Class(tt.err); got != tt.want {
			t.Errorf("Class(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestOutcomeUnknown(t *testing.T) {
	if OutcomeUnknown(nil) != nil {
		t.Error("OutcomeUnknown(nil) is not nil")
	}
	err := fmt.Errorf("save: %w", OutcomeUnknown(ErrSave))
	if !IsOutcomeUnknown(err) || !errors.Is(err, ErrSave) || Class(err) != ClassSave {
		t.Errorf("%v: unknown %v, class %s", err, IsOutcomeUnknown(err), Class(err))
	}
	if IsOutcomeUnknown(fmt.Errorf("save: %w", ErrSave)) {
		t.Error("an unmarked error reads as unknown")
	}
}

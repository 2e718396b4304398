package record

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/history"
)

// countingStore records what the recorder hands the history; the methods it
// does not override are never called here.
type countingStore struct {
	history.Store
	mu       sync.Mutex
	batches  int
	switches map[string]int
	finished bool
}

func (s *countingStore) StartRun(context.Context, history.Run) (int64, error) { return 7, nil }
func (s *countingStore) RecordSwitch(_ context.Context, recs ...history.SwitchRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return fmt.Errorf("record after finish")
	}
	s.batches++
	for _, r := range recs {
		var res agent.SwitchResult
		if r.RunID != 7 || json.Unmarshal(r.Result, &res) != nil || res.Name != r.Switch || r.At.IsZero() {
			return fmt.Errorf("bad record %+v", r)
		}
		s.switches[r.Switch]++
	}
	return nil
}
func (s *countingStore) FinishRun(context.Context, int64, time.Time, int, bool, json.RawMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished = true
	return nil
}

// TestRecorderStoresEverySwitchOnce: results recorded from many workers
// while the run goes on all reach the store, once each, in batches, before
// the run is closed.
func TestRecorderStoresEverySwitchOnce(t *testing.T) {
	st := &countingStore{switches: map[string]int{}}
	rec, err := Start(context.Background(), st, Run{Command: "audit", Scope: "all"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3*Batch + 17
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				rec.Record(agent.SwitchResult{Site: "lab", Name: fmt.Sprintf("sw%d", i), Status: agent.StatusCompliant}, nil)
			}
		}()
	}
	wg.Wait()
	rec.Finish(&agent.Report{}, 0)
	if !st.finished || len(st.switches) != n {
		t.Fatalf("finished=%v, %d of %d switches stored", st.finished, len(st.switches), n)
	}
	for name, c := range st.switches {
		if c != 1 {
			t.Errorf("%s stored %d times", name, c)
		}
	}
	if st.batches < 2 || st.batches > n/2 {
		t.Errorf("%d batches for %d switches: expected batched writes", st.batches, n)
	}
}

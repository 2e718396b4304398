package agent

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
)

// slowAdapter reads a compliant state after a delay, counting how many
// reads of its site are in flight.
type slowAdapter struct {
	site  string
	track *inflight
}

type inflight struct {
	mu       sync.Mutex
	now, max map[string]int
}

func (a *slowAdapter) Read(ctx context.Context) (vendors.State, error) {
	a.track.mu.Lock()
	a.track.now[a.site]++
	a.track.max[a.site] = max(a.track.max[a.site], a.track.now[a.site])
	a.track.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	a.track.mu.Lock()
	a.track.now[a.site]--
	a.track.mu.Unlock()
	return compliant(), nil
}
func (a *slowAdapter) Write(context.Context, vendors.Change) error { return nil }
func (a *slowAdapter) Save(context.Context) error                  { return nil }
func (a *slowAdapter) Close() error                                { return nil }

func TestSiteConcurrencyCap(t *testing.T) {
	track := &inflight{now: map[string]int{}, max: map[string]int{}}
	reg := vendors.NewRegistry(vendors.Platform{Name: "fake", Transport: inventory.TransportSNMP,
		Open: func(sw inventory.Switch) (vendors.Adapter, error) {
			return &slowAdapter{site: sw.Site, track: track}, nil
		}})
	var sws []inventory.Switch
	for i := 0; i < 40; i++ {
		site := "wan"
		if i%4 == 0 {
			site = "campus"
		}
		sws = append(sws, inventory.Switch{Site: site, Name: fmt.Sprintf("sw%d", i), Vendor: "fake"})
	}
	e := &Engine{Registry: reg, Policy: DefaultPolicy(), Concurrency: 16, SiteConcurrency: 3}
	rep := e.Audit(context.Background(), sws)
	if rep.Summary.Compliant != 40 {
		t.Fatalf("%+v", rep.Summary)
	}
	if track.max["wan"] > 3 || track.max["campus"] > 3 {
		t.Fatalf("in flight per site: %v; cap is 3", track.max)
	}
	if track.max["wan"] < 2 {
		t.Fatalf("cap not used: %v", track.max)
	}
	// Results stay in inventory order whatever order they ran in.
	for i, r := range rep.Switches {
		if r.Name != sws[i].Name {
			t.Fatalf("result %d is %s, want %s", i, r.Name, sws[i].Name)
		}
	}
}

// TestResultHookSeesEverySwitchOnce: the history records a run through
// Engine.Result, so every switch must reach it exactly once, those an
// interrupt kept from starting included, with the result the report holds.
func TestResultHookSeesEverySwitchOnce(t *testing.T) {
	for _, interrupt := range []bool{false, true} {
		t.Run(fmt.Sprintf("interrupt=%v", interrupt), func(t *testing.T) {
			track := &inflight{now: map[string]int{}, max: map[string]int{}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			reg := vendors.NewRegistry(vendors.Platform{Name: "fake", Transport: inventory.TransportSNMP,
				Open: func(sw inventory.Switch) (vendors.Adapter, error) {
					if interrupt && sw.Name == "sw3" {
						cancel()
					}
					return &slowAdapter{site: sw.Site, track: track}, nil
				}})
			var sws []inventory.Switch
			for i := 0; i < 30; i++ {
				sws = append(sws, inventory.Switch{Site: "lab", Name: fmt.Sprintf("sw%d", i), Vendor: "fake"})
			}
			var mu sync.Mutex
			seen := map[string]SwitchResult{}
			var lastDone, lastTotal int
			e := &Engine{Registry: reg, Policy: DefaultPolicy(), Concurrency: 2, Progress: func(done, total, _ int) {
				mu.Lock()
				defer mu.Unlock()
				lastDone, lastTotal = done, total
			}, Result: func(r SwitchResult, stored []byte) {
				mu.Lock()
				defer mu.Unlock()
				if _, want, err := EncodeResult(&r); err != nil || string(stored) != string(want) {
					t.Errorf("%s: stored JSON %s, want %s (%v)", r.Name, stored, want, err)
				}
				if _, dup := seen[r.Name]; dup {
					t.Errorf("%s reported twice", r.Name)
				}
				seen[r.Name] = r
			}}
			rep := e.Audit(ctx, sws)
			if rep.Interrupted != interrupt {
				t.Fatalf("interrupted = %v", rep.Interrupted)
			}
			if len(seen) != len(sws) {
				t.Fatalf("hook saw %d switches, want %d", len(seen), len(sws))
			}
			notStarted := 0
			for _, r := range rep.Switches {
				got := seen[r.Name]
				if got.Status != r.Status || got.Error != r.Error {
					t.Errorf("%s: hook saw %s %q, report has %s %q", r.Name, got.Status, got.Error, r.Status, r.Error)
				}
				if r.Status == StatusSkipped && r.Reason == "not started: run interrupted" {
					notStarted++
				}
			}
			if interrupt != (notStarted > 0) {
				t.Errorf("%d switches not started", notStarted)
			}
			if lastDone != lastTotal || lastTotal != len(sws) {
				t.Errorf("last progress %d/%d: a progress bar would never end its line", lastDone, lastTotal)
			}
		})
	}
}

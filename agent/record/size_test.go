package record

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/history"
	"github.com/qosagent/qosagent/internal/lab"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/netgear"
)

// auditedGS110TP is the result of a real audit of a simulated GS110TP
// after apply: the record an unchanged, compliant switch leaves each run.
func auditedGS110TP(tb testing.TB) agent.SwitchResult {
	tb.Helper()
	ctx := context.Background()
	l, err := lab.Start(ctx, lab.Config{SNMP: 1})
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	reg := vendors.NewRegistry(netgear.Platform())
	sws, err := l.Inventory(filepath.Join(tb.TempDir(), "lab.yaml"), reg.Transports())
	if err != nil {
		tb.Fatal(err)
	}
	eng := &agent.Engine{Registry: reg, Policy: agent.DefaultPolicy(), Timeout: 10 * time.Second,
		Backups: agent.FileBackups{Dir: tb.TempDir()}}
	if rep := eng.Apply(ctx, sws, false); rep.Summary.Changed != 1 {
		tb.Fatalf("apply: %+v", rep.Summary)
	}
	rep := eng.Audit(ctx, sws)
	if rep.Summary.Compliant != 1 {
		tb.Fatalf("audit: %+v", rep.Summary)
	}
	return rep.Switches[0]
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkHistorySize records RUNS hourly audits of SWITCHES compliant
// GS110TPs (1% of them drifted in each run, each with its own result)
// through the Recorder into a SQLite history, and reports the database's
// bytes per switch per run, and the time of `history --switch` (a
// timeline) and of `history --since 24h --drifted` on it. Sizes:
// QOSAGENT_BENCH_HISTORY_RUNS (default 5) and
// QOSAGENT_BENCH_HISTORY_SWITCHES (default 1000); bench/RESULTS.md has the
// figures for 100 runs of 10,000 switches.
func BenchmarkHistorySize(b *testing.B) {
	runs := envInt("QOSAGENT_BENCH_HISTORY_RUNS", 5)
	n := envInt("QOSAGENT_BENCH_HISTORY_SWITCHES", 1000)
	proto := auditedGS110TP(b)
	for b.Loop() {
		dir := b.TempDir()
		if d := os.Getenv("QOSAGENT_BENCH_HISTORY_DIR"); d != "" {
			dir = d // kept, for a look with sqlite3
			os.Remove(filepath.Join(dir, "history.db"))
		}
		path := filepath.Join(dir, "history.db")
		ctx := context.Background()
		start := time.Now().Add(-time.Duration(runs) * time.Hour)
		clock := start
		store, err := history.Open(ctx, path, history.Options{Now: func() time.Time { return clock }})
		if err != nil {
			b.Fatal(err)
		}
		for r := range runs {
			clock = start.Add(time.Duration(r) * time.Hour)
			rec, err := Start(ctx, store, Run{Command: "audit", Scope: "all", Now: func() time.Time { return clock }}, nil)
			if err != nil {
				b.Fatal(err)
			}
			for i := range n {
				sw := proto
				sw.Name = fmt.Sprintf("sw%05d", i)
				sw.Address = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
				sw.DurationMS = int64(40 + i%17) // differs per run; not what the history keeps
				if (i+r)%100 == 0 {
					sw.Status = agent.StatusDrift
					sw.Findings = []agent.Finding{{Rule: "ef-top", Message: fmt.Sprintf("EF (46) is on queue 2 in run %d", r)}}
				}
				_, stored, err := agent.EncodeResult(&sw)
				if err != nil {
					b.Fatal(err)
				}
				rec.Record(sw, stored)
			}
			rep := &agent.Report{Summary: agent.Summary{Switches: n}}
			rec.Finish(rep, 0)
		}
		if err := store.Close(); err != nil {
			b.Fatal(err)
		}
		var size int64
		for _, f := range []string{path, path + "-wal"} {
			if st, err := os.Stat(f); err == nil {
				size += st.Size()
			}
		}
		b.ReportMetric(float64(size)/float64(runs*n), "bytes/switch/run")
		b.ReportMetric(float64(size)/(1<<20), "MiB")

		store, err = history.Open(ctx, path, history.Options{MustExist: true})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		tl, err := store.Timeline(ctx, history.Filter{Switch: fmt.Sprintf("sw%05d", n/2)})
		if err != nil || len(tl) != min(runs, history.DefaultLimit) {
			b.Fatalf("timeline: %d records, %v", len(tl), err)
		}
		b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "ms/timeline")
		t0 = time.Now()
		dr, err := store.Drifted(ctx, history.Filter{Since: clock.Add(-24 * time.Hour), Limit: -1})
		if err != nil || len(dr) == 0 {
			b.Fatalf("drifted: %d, %v", len(dr), err)
		}
		b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "ms/drifted-24h")
		store.Close()
	}
}

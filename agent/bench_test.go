package agent_test

// Fleet benchmarks against simulated switches served in-process by
// internal/lab, over real UDP (SNMP) and real SSH on loopback. They are not
// timed tests: CI runs them with -benchtime=1x only to prove they work.
// Sizes default small; set them for real measurements (see bench/README.md):
//
//	QOSAGENT_BENCH_SWITCHES=1000,10000   GS110TPs per run (comma list: one sub-benchmark each)
//	QOSAGENT_BENCH_CLI_SWITCHES=1000     CLI switches for BenchmarkFleetAuditSSH
//	QOSAGENT_BENCH_RTT=20ms              simulated round trip time
//	QOSAGENT_BENCH_LOSS=0.01             simulated loss
//	QOSAGENT_BENCH_CONCURRENCY=32,128    engine concurrency (comma list)
//
// Custom metrics: requests/switch and sets/switch (SNMP PDUs the switches
// saw), ns/switch, and rtt-bound-ratio: wall time over the RTT bound
// ceil(N/concurrency) x RTT x round trips per switch (only with an RTT).

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/lab"
	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/cli"
	"github.com/qosagent/qosagent/vendors/netgear"
)

func benchInts(b *testing.B, env string, def []int) []int {
	v := os.Getenv(env)
	if v == "" {
		return def
	}
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: expected positive integers, comma-separated", env, v)
		}
		out = append(out, n)
	}
	return out
}

func benchRTT(b *testing.B) time.Duration {
	v := os.Getenv("QOSAGENT_BENCH_RTT")
	if v == "" {
		return 20 * time.Millisecond
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		b.Fatalf("QOSAGENT_BENCH_RTT=%q: %v", v, err)
	}
	return d
}

func benchLoss(b *testing.B) float64 {
	v := os.Getenv("QOSAGENT_BENCH_LOSS")
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 {
		b.Fatalf("QOSAGENT_BENCH_LOSS=%q: expected 0..1", v)
	}
	return f
}

var quiet = slog.New(slog.DiscardHandler)

// allPlatforms is the registry qosagent builds: every CLI dialect and the
// GS110TP.
func allPlatforms(tb testing.TB) *vendors.Registry {
	tb.Helper()
	ps, err := cli.Platforms(cli.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return vendors.NewRegistry(append(ps, netgear.Platform())...)
}

// benchLab starts a lab and loads the inventory it writes through the real
// loader, as `qosagent audit -i` would.
func benchLab(b *testing.B, reg *vendors.Registry, cfg lab.Config) (*lab.Lab, []inventory.Switch) {
	b.Helper()
	l, err := lab.Start(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	sws, err := l.Inventory(b.TempDir()+"/lab.yaml", reg.Transports())
	if err != nil {
		b.Fatal(err)
	}
	return l, sws
}

// snmpCounts sums the PDUs every GS110TP of l has answered or refused.
func snmpCounts(l *lab.Lab) (requests, sets uint64) {
	for _, sw := range l.Switches {
		st := sw.Stats()
		requests += st.Requests()
		sets += st.Set
	}
	return requests, sets
}

func reportFleet(b *testing.B, n, conc int, rtt time.Duration, requests, sets uint64, wall time.Duration) {
	runs := float64(b.N)
	perSwitch := float64(requests) / runs / float64(n)
	b.ReportMetric(perSwitch, "requests/switch")
	b.ReportMetric(float64(sets)/runs/float64(n), "sets/switch")
	b.ReportMetric(float64(wall.Nanoseconds())/runs/float64(n), "ns/switch")
	if rtt > 0 && perSwitch > 0 {
		bound := math.Ceil(float64(n)/float64(conc)) * rtt.Seconds() * math.Round(perSwitch)
		b.ReportMetric(wall.Seconds()/runs/bound, "rtt-bound-ratio")
	}
}

// BenchmarkFleetAudit audits N simulated GS110TPs over SNMP v2c.
func BenchmarkFleetAudit(b *testing.B) {
	reg := allPlatforms(b)
	rtt, loss := benchRTT(b), benchLoss(b)
	for _, n := range benchInts(b, "QOSAGENT_BENCH_SWITCHES", []int{50}) {
		for _, conc := range benchInts(b, "QOSAGENT_BENCH_CONCURRENCY", []int{agent.DefaultConcurrency}) {
			b.Run(fmt.Sprintf("switches=%d/conc=%d/rtt=%s", n, conc, rtt), func(b *testing.B) {
				l, sws := benchLab(b, reg, lab.Config{SNMP: n, RTT: rtt, Loss: loss, Seed: 1})
				e := &agent.Engine{Registry: reg, Policy: agent.DefaultPolicy(), Concurrency: conc, Timeout: time.Minute, Logger: quiet}
				r0, s0 := snmpCounts(l)
				b.ReportAllocs()
				start := time.Now()
				for b.Loop() {
					rep := e.Audit(context.Background(), sws)
					if rep.Summary.Drift != n {
						b.Fatalf("summary %+v, want %d drifted: %+v", rep.Summary, n, rep.Switches[0])
					}
				}
				wall := time.Since(start)
				r1, s1 := snmpCounts(l)
				reportFleet(b, n, conc, rtt, r1-r0, s1-s0, wall)
			})
		}
	}
}

// BenchmarkFleetApply applies the default policy to N factory-default
// GS110TPs (a fresh lab per iteration, outside the timer) and checks the
// apply costs one SET per switch.
func BenchmarkFleetApply(b *testing.B) {
	reg := allPlatforms(b)
	rtt, loss := benchRTT(b), benchLoss(b)
	n := benchInts(b, "QOSAGENT_BENCH_SWITCHES", []int{50})[0]
	conc := benchInts(b, "QOSAGENT_BENCH_CONCURRENCY", []int{agent.DefaultConcurrency})[0]
	b.Run(fmt.Sprintf("switches=%d/conc=%d/rtt=%s", n, conc, rtt), func(b *testing.B) {
		var requests, sets uint64
		var wall time.Duration
		for b.Loop() {
			b.StopTimer()
			l, sws := benchLab(b, reg, lab.Config{SNMP: n, RTT: rtt, Loss: loss, Seed: 1})
			e := &agent.Engine{Registry: reg, Policy: agent.DefaultPolicy(), Concurrency: conc, Timeout: time.Minute, Logger: quiet,
				Backups: agent.FileBackups{Dir: b.TempDir()}}
			b.StartTimer()
			start := time.Now()
			rep := e.Apply(context.Background(), sws, false)
			wall += time.Since(start)
			b.StopTimer()
			if rep.Summary.Changed != n {
				b.Fatalf("summary %+v, want %d changed: %+v", rep.Summary, n, rep.Switches[0])
			}
			r, s := snmpCounts(l)
			requests, sets = requests+r, sets+s
			l.Close()
			b.StartTimer()
		}
		if loss == 0 && sets != uint64(b.N*n)*2 {
			// One SET for the change, one for agentSaveConfig.
			b.Errorf("%d SETs for %d applies, want 2 per switch (change + save)", sets, b.N*n)
		}
		reportFleet(b, n, conc, rtt, requests, sets, wall)
	})
}

// BenchmarkFleetAuditSSH audits N simulated CLI switches over SSH, cycling
// through the three dialects.
func BenchmarkFleetAuditSSH(b *testing.B) {
	reg := allPlatforms(b)
	rtt, loss := benchRTT(b), benchLoss(b)
	for _, n := range benchInts(b, "QOSAGENT_BENCH_CLI_SWITCHES", []int{12}) {
		for _, conc := range benchInts(b, "QOSAGENT_BENCH_CONCURRENCY", []int{agent.DefaultConcurrency}) {
			b.Run(fmt.Sprintf("switches=%d/conc=%d/rtt=%s", n, conc, rtt), func(b *testing.B) {
				_, sws := benchLab(b, reg, lab.Config{CLI: n, RTT: rtt, Loss: loss, Seed: 1})
				e := &agent.Engine{Registry: reg, Policy: agent.DefaultPolicy(), Concurrency: conc, Timeout: time.Minute, Logger: quiet}
				b.ReportAllocs()
				start := time.Now()
				for b.Loop() {
					rep := e.Audit(context.Background(), sws)
					if rep.Summary.Drift != n {
						b.Fatalf("summary %+v, want %d drifted: %+v", rep.Summary, n, rep.Switches[0])
					}
				}
				b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N)/float64(n), "ns/switch")
			})
		}
	}
}

// closeHook wraps an adapter to call done when the runner closes it.
type closeHook struct {
	vendors.Adapter
	done func()
}

func (c closeHook) Close() error { c.done(); return c.Adapter.Close() }

// BenchmarkFleetSlowSite spreads N GS110TPs over 10 sites, the first behind
// a slow link (QOSAGENT_BENCH_SLOW_RTT, default 400ms), and reports when
// the last switch of the fast sites and of the slow site finished, with and
// without a per-site cap (QOSAGENT_BENCH_SITE_CAP, comma list, 0 = none).
// A good cap lets the fast sites finish as if the slow one were not there.
func BenchmarkFleetSlowSite(b *testing.B) {
	rtt := benchRTT(b)
	slow := 400 * time.Millisecond
	if v := os.Getenv("QOSAGENT_BENCH_SLOW_RTT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatal(err)
		}
		slow = d
	}
	n := benchInts(b, "QOSAGENT_BENCH_SWITCHES", []int{100})[0]
	conc := benchInts(b, "QOSAGENT_BENCH_CONCURRENCY", []int{agent.DefaultConcurrency})[0]
	caps := []int{0, max(conc/8, 1)}
	if v := os.Getenv("QOSAGENT_BENCH_SITE_CAP"); v != "" {
		caps = nil
		for f := range strings.SplitSeq(v, ",") {
			c, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || c < 0 {
				b.Fatalf("QOSAGENT_BENCH_SITE_CAP=%q", v)
			}
			caps = append(caps, c)
		}
	}
	for _, sc := range caps {
		b.Run(fmt.Sprintf("switches=%d/conc=%d/sitecap=%d/slow=%s", n, conc, sc, slow), func(b *testing.B) {
			_, sws := benchLab(b, allPlatforms(b), lab.Config{SNMP: n, RTT: rtt, Sites: 10, SiteRTT: []time.Duration{slow}, Seed: 1})
			var fast, slowDone time.Duration
			for b.Loop() {
				var mu sync.Mutex
				start := time.Now()
				var lastFast, lastSlow time.Duration
				p := netgear.Platform()
				open := p.Open
				p.Open = func(sw inventory.Switch) (vendors.Adapter, error) {
					a, err := open(sw)
					if err != nil {
						return a, err
					}
					return closeHook{a, func() {
						mu.Lock()
						defer mu.Unlock()
						if t := time.Since(start); sw.Site == "lab1" {
							lastSlow = max(lastSlow, t)
						} else {
							lastFast = max(lastFast, t)
						}
					}}, nil
				}
				e := &agent.Engine{Registry: vendors.NewRegistry(p), Policy: agent.DefaultPolicy(), Concurrency: conc,
					SiteConcurrency: sc, Timeout: time.Minute, Logger: quiet}
				rep := e.Audit(context.Background(), sws)
				if rep.Summary.Drift != n {
					b.Fatalf("summary %+v", rep.Summary)
				}
				fast, slowDone = fast+lastFast, slowDone+lastSlow
			}
			b.ReportMetric(fast.Seconds()/float64(b.N), "fast-sites-done-s")
			b.ReportMetric(slowDone.Seconds()/float64(b.N), "slow-site-done-s")
		})
	}
}

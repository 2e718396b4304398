// Command labserver starts a simulated site (internal/lab) for the benchmark
// harness, writes its inventory, and serves it until stdin closes or it is
// interrupted. On SIGUSR1, and at exit, it writes the simulators' counters
// (cumulative) as JSON to --stats-out, so bench/run.sh can count packets
// and round trips per switch on the switch side, independently of
// qosagent's own counts.
//
//	go run ./bench/labserver --snmp 10000 --rtt 20ms --inventory-out /tmp/lab.yaml
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/qosagent/qosagent/internal/lab"
)

// Stats is what --stats-out receives.
type Stats struct {
	SNMPSwitches int `json:"snmp_switches"`
	CLISwitches  int `json:"cli_switches"`
	// Summed over all GS110TPs since the lab started.
	Get, GetNext, GetBulk, Set, Responses, Dropped, Lost uint64
	// The lowest and highest per-switch SNMP request counts
	// (get+getnext+getbulk+set) of the GS110TPs: a wide spread means
	// retries; run.sh reports the sum, these are for a look by hand.
	MinRequests, MaxRequests uint64
	StartSeconds             float64 `json:"start_seconds"`
	HeapMiB                  float64 `json:"heap_mib"` // after start, after GC
	BytesPerSwitch           float64 `json:"bytes_per_switch"`
	Goroutines               int     `json:"goroutines"`
	// CPUSeconds is the lab's user+system CPU time so far, over all its
	// processes (Processes: more than one past RLIMIT_NOFILE).
	CPUSeconds float64 `json:"cpu_seconds"`
	Processes  int     `json:"processes"`
}

func main() {
	if lab.IsShard() {
		os.Exit(lab.ServeShard(os.Stdin, os.Stdout))
	}
	var (
		cfg      lab.Config
		out      = flag.String("inventory-out", "", "where to write the inventory (required)")
		statsOut = flag.String("stats-out", "", "where to write the simulators' counters as JSON on exit")
	)
	flag.IntVar(&cfg.SNMP, "snmp", 0, "simulated GS110TPs (SNMP)")
	flag.IntVar(&cfg.CLI, "cli", 0, "simulated CLI switches (SSH)")
	flag.DurationVar(&cfg.RTT, "rtt", 0, "simulated round trip time per switch")
	flag.Float64Var(&cfg.Loss, "loss", 0, "fraction of requests (SNMP) or writes (SSH) lost")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "loss PRNG seed")
	flag.IntVar(&cfg.Sites, "sites", 0, "spread the switches over this many sites")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this process (not of its other processes) here")
	slow := flag.String("site-rtt", "", "per-site RTT overrides, comma-separated (e.g. 500ms,,, slows site 1 only)")
	flag.Parse()
	for f := range strings.SplitSeq(*slow, ",") {
		var d time.Duration
		if f = strings.TrimSpace(f); f != "" {
			var err error
			if d, err = time.ParseDuration(f); err != nil {
				fmt.Fprintln(os.Stderr, "labserver: --site-rtt:", err)
				os.Exit(3)
			}
		}
		cfg.SiteRTT = append(cfg.SiteRTT, d)
	}
	if *out == "" {
		fmt.Fprintln(os.Stderr, "labserver: --inventory-out is required")
		os.Exit(3)
	}
	cfg.Spawn = lab.Self()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "labserver:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	l, err := lab.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "labserver:", err)
		os.Exit(1)
	}
	defer l.Close()
	if err := l.WriteInventory(*out); err != nil {
		fmt.Fprintln(os.Stderr, "labserver:", err)
		os.Exit(1)
	}
	startSec := time.Since(t0).Seconds()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	n := l.NumSNMP() + cfg.CLI
	st := Stats{SNMPSwitches: cfg.SNMP, CLISwitches: cfg.CLI, StartSeconds: startSec,
		HeapMiB:        float64(after.HeapInuse+after.StackInuse) / (1 << 20),
		BytesPerSwitch: float64(after.HeapInuse+after.StackInuse-before.HeapInuse-before.StackInuse) / float64(len(l.Switches)+cfg.CLI), // this process's
		Goroutines:     runtime.NumGoroutine()}
	// Before "ready": the harness may send SIGUSR1 as soon as it reads it,
	// and unhandled, SIGUSR1 ends the process.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	fmt.Printf("ready %d switches in %.2fs, %.1f KiB per switch\n", n, startSec, st.BytesPerSwitch/1024)

	// Serve until interrupted or stdin ends (the harness closes it).
	eof := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(eof) }()
	for {
		select {
		case <-ctx.Done():
		case <-eof:
		case <-usr1:
			if err := writeStats(*statsOut, st, l); err != nil {
				fmt.Fprintln(os.Stderr, "labserver:", err)
			}
			continue
		}
		break
	}
	if err := writeStats(*statsOut, st, l); err != nil {
		fmt.Fprintln(os.Stderr, "labserver:", err)
		os.Exit(1)
	}
}

// writeStats adds the switches' counters to st and writes it to path,
// atomically; an empty path writes nothing.
func writeStats(path string, st Stats, l *lab.Lab) error {
	if path == "" {
		return nil
	}
	c, err := l.Counters()
	if err != nil {
		return err
	}
	st.Get, st.GetNext, st.GetBulk, st.Set = c.Get, c.GetNext, c.GetBulk, c.Set
	st.Responses, st.Dropped, st.Lost = c.Responses, c.Dropped, c.Lost
	st.MinRequests, st.MaxRequests = c.MinRequests, c.MaxRequests
	st.Processes = l.Processes()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		st.CPUSeconds = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	st.CPUSeconds += c.CPUSeconds // the lab's other processes
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(path+".tmp", append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

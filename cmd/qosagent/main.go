// Command qosagent audits and fixes DSCP-to-queue maps across a switch fleet.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/qosagent/qosagent/internal/lab"
)

// A run's live memory no longer grows with the fleet (its results wait on
// disk, agent.Engine.Spool): about 40 MiB at 20,000 switches, most of it
// the inventory. So the collector may let the heap grow to three times
// that (gcPercent) rather than trace it twice as often, and the soft limit
// is only a ceiling far above what a run needs (bench/RESULTS.md). GOGC
// and GOMEMLIMIT override them.
const (
	gcPercent          = 200
	defaultMemoryLimit = 512 << 20
)

func main() {
	if lab.IsShard() {
		// Started by `qosagent lab` to serve part of a large lab.
		os.Exit(lab.ServeShard(os.Stdin, os.Stdout))
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(profiled(func() int { return run(os.Args[1:], os.Stdout, os.Stderr) }))
}

// profiled runs f under a CPU profile written to $QOSAGENT_CPUPROFILE and
// writes a heap profile to $QOSAGENT_MEMPROFILE at its end, when set: the
// fleet benchmarks (bench/README.md) profile the real binary this way.
func profiled(f func() int) int {
	if path := os.Getenv("QOSAGENT_CPUPROFILE"); path != "" {
		if out, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(out) == nil {
				defer func() { pprof.StopCPUProfile(); out.Close() }()
			}
		}
	}
	if path := os.Getenv("QOSAGENT_MEMPROFILE"); path != "" {
		defer func() {
			if out, err := os.Create(path); err == nil {
				pprof.Lookup("heap").WriteTo(out, 0)
				out.Close()
			}
		}()
	}
	return f()
}

// run is main without the process exit, so tests can drive the whole CLI.
func run(args []string, stdout, stderr *os.File) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	finished := make(chan struct{})
	defer close(finished) // runs before stop: a normal return is no interrupt
	go func() {
		select {
		case <-finished:
		case <-ctx.Done():
			select {
			case <-finished: // ctx ended by the deferred stop, not a signal
				return
			default:
			}
			// Back to the default handling: a second signal ends the process
			// at once, for an operator who cannot wait for switches in flight.
			stop()
			fmt.Fprintln(stderr, "qosagent: interrupted: finishing the switches in flight, starting no other (a second signal aborts at once)")
		}
	}()
	app := newApp(stdout, stderr)
	cmd := app.rootCommand()
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	var ex *exitError
	switch {
	case errors.As(err, &ex):
		if ex.err != nil {
			fmt.Fprintln(stderr, "qosagent:", ex.err)
		}
		return ex.code
	case err != nil:
		// cobra's own errors: unknown flags, commands and arguments.
		fmt.Fprintln(stderr, "qosagent:", err)
		return exitInvalid
	}
	return app.exitCode
}

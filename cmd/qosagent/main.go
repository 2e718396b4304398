// Command qosagent audits and fixes DSCP-to-queue maps across a switch fleet.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// defaultMemoryLimit is a soft heap goal: at 10,000 switches it keeps the
// peak near 150 MiB for a few percent of wall time (bench/RESULTS.md).
// GOMEMLIMIT overrides it.
const defaultMemoryLimit = 150 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
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
		if ex.Err != nil {
			fmt.Fprintln(stderr, "qosagent:", ex.Err)
		}
		return ex.Code
	case err != nil:
		// cobra's own errors: unknown flags, commands and arguments.
		fmt.Fprintln(stderr, "qosagent:", err)
		return exitInvalid
	}
	return app.exitCode
}

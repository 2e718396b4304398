// Package demo tells the whole story of qosagent against a fresh lab:
// audit the factory defaults, apply the policy, audit again. It goes
// through the same inventory loader and engine as real runs.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/lab"
	"github.com/qosagent/qosagent/vendors"
)

// Options is what a demo needs from its front end.
type Options struct {
	Lab      lab.Config
	Registry *vendors.Registry
	Logger   *slog.Logger
	Out      io.Writer                 // the story's headings
	Report   func(*agent.Report) error // writes a report in the chosen format
}

// Run starts a lab, audits it, applies the default policy and audits again.
// It returns the last audit's exit code; an error when any step does not
// come out as the story says (then the code is agent.ExitError).
func Run(ctx context.Context, o Options) (int, error) {
	cfg := o.Lab
	n := cfg.SNMP + cfg.CLI
	dir, err := os.MkdirTemp("", "qosagent-demo-")
	if err != nil {
		return agent.ExitError, err
	}
	defer os.RemoveAll(dir)
	l, err := lab.Start(ctx, cfg)
	if err != nil {
		return agent.ExitError, err
	}
	defer l.Close()
	sws, err := l.Inventory(filepath.Join(dir, "lab.yaml"), o.Registry.Transports())
	if err != nil {
		return agent.ExitError, err
	}
	eng := &agent.Engine{Registry: o.Registry, Policy: agent.DefaultPolicy(), Timeout: 30 * time.Second,
		Logger: o.Logger, Backups: agent.FileBackups{Dir: filepath.Join(dir, "backups")}}

	step := func(s string) { fmt.Fprintf(o.Out, "\n== %s\n", s) }
	step(fmt.Sprintf("1. started %d simulated GS110TPs (SNMP) and %d CLI switches (SSH: %s) on loopback, factory defaults: GS110TP EF and AF41 share queue 2, CS3 and BE queue 1, ports trust 802.1p; Catalyst QoS off; SG CS3 ties AF41",
		cfg.SNMP, cfg.CLI, strings.Join(lab.CLIDialects, ", ")))
	step("2. qosagent audit   (read only)")
	rep := eng.Audit(ctx, sws)
	if err := o.Report(rep); err != nil {
		return agent.ExitError, err
	}
	if rep.Summary.Drift != n {
		return agent.ExitError, fmt.Errorf("demo: expected drift on all %d switches, got %+v", n, rep.Summary)
	}
	step("3. qosagent apply --all   (plan, back up, one SET PDU or one config session per switch, read back, verify, save)")
	rep = eng.Apply(ctx, sws, false)
	if err := o.Report(rep); err != nil {
		return agent.ExitError, err
	}
	if rep.Summary.Changed != n {
		return agent.ExitError, fmt.Errorf("demo: apply changed %d of %d switches", rep.Summary.Changed, n)
	}
	step("4. qosagent audit   (again)")
	rep = eng.Audit(ctx, sws)
	if err := o.Report(rep); err != nil {
		return agent.ExitError, err
	}
	if code := rep.ExitCode(); code != agent.ExitOK {
		return code, fmt.Errorf("demo: the fleet is not compliant after apply")
	}
	saved := 0
	for _, sw := range l.Switches {
		if sw.Saved() {
			saved++
		}
	}
	for _, sw := range l.CLISwitches {
		if sw.Saved() {
			saved++
		}
	}
	step(fmt.Sprintf("done: %d/%d switches compliant, %d saved to startup config. Keep a lab running with: qosagent lab --switches 3 --cli-switches 3", rep.Summary.Compliant, n, saved))
	return agent.ExitOK, nil
}

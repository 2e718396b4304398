package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/lab"
)

func (a *app) labCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Run simulated switches on loopback until interrupted, and write an inventory for them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.labConfig(maxLabSwitches)
			if err != nil {
				return err
			}
			cfg.Spawn = lab.Self() // past one process's open files, more processes
			out := a.v.GetString("inventory-out")
			if out == "" {
				return invalid(fmt.Errorf("--inventory-out is required: the file the lab's inventory is written to"))
			}
			l, err := lab.Start(cmd.Context(), cfg)
			if err != nil {
				return failed(err)
			}
			defer l.Close()
			if err := l.WriteInventory(out); err != nil {
				return failed(fmt.Errorf("write lab inventory: %w", err))
			}
			fmt.Fprintf(a.stdout, "lab: %d simulated GS110TP switches (SNMP) and %d CLI switches (SSH: %s) on loopback, factory defaults, in %d process(es); inventory in %s\n",
				cfg.SNMP, cfg.CLI, strings.Join(lab.CLIDialects, ", "), l.Processes(), out)
			fmt.Fprintf(a.stdout, "try:\n  qosagent audit -i %s\n  qosagent apply -i %s --site %s --dry-run\n  qosagent apply -i %s --site %s\n", out, out, l.SiteName(0), out, l.SiteName(0))
			fmt.Fprintln(a.stdout, "press Ctrl-C to stop; state is lost when the lab stops")
			<-cmd.Context().Done()
			return nil
		},
	}
	labFlags(cmd)
	cmd.Flags().String("inventory-out", "", "write the lab's inventory to this file (the community, SSH password, enable secret and known_hosts go to 0600 files beside it)")
	return cmd
}

// maxLabSwitches bounds `qosagent lab`: a simulated GS110TP costs about
// 15 KiB, so 200,000 of them take about 3 GiB over the lab's processes.
const maxLabSwitches = 200000

func (a *app) demoCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start a lab of simulated switches, audit it, apply the policy, audit again",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.labConfig(1000)
			if err != nil {
				return err
			}
			return a.demo(cmd.Context(), cfg)
		},
	}
	labFlags(cmd)
	return cmd
}

func labFlags(cmd *cobra.Command) {
	cmd.Flags().Int("switches", 3, "number of simulated GS110TP switches (SNMP)")
	cmd.Flags().Int("cli-switches", 3, "number of simulated CLI switches (SSH), cycling through "+strings.Join(lab.CLIDialects, ", "))
	cmd.Flags().Duration("rtt", 0, "round trip time every simulated switch adds (e.g. 20ms for a WAN)")
	cmd.Flags().Float64("loss", 0, "fraction of SNMP requests and SSH writes lost (0..0.9), reproducible with --seed")
	cmd.Flags().Uint64("seed", 1, "seed of the simulated packet loss")
	cmd.Flags().Int("sites", 1, "spread the switches over this many sites (lab1..labN)")
}

func (a *app) labConfig(limit int) (lab.Config, error) {
	cfg := lab.Config{SNMP: a.v.GetInt("switches"), CLI: a.v.GetInt("cli-switches"), RTT: a.v.GetDuration("rtt"),
		Loss: a.v.GetFloat64("loss"), Seed: a.v.GetUint64("seed"), Sites: a.v.GetInt("sites")}
	if cfg.SNMP < 0 || cfg.CLI < 0 || cfg.SNMP+cfg.CLI < 1 || cfg.SNMP+cfg.CLI > limit {
		return cfg, invalid(fmt.Errorf("--switches %d --cli-switches %d: expected 1..%d switches in all", cfg.SNMP, cfg.CLI, limit))
	}
	if cfg.RTT < 0 || cfg.RTT > 10*time.Second {
		return cfg, invalid(fmt.Errorf("--rtt %s: expected 0..10s", cfg.RTT))
	}
	if cfg.Loss < 0 || cfg.Loss > 0.9 {
		return cfg, invalid(fmt.Errorf("--loss %g: expected 0..0.9", cfg.Loss))
	}
	if cfg.Sites < 1 || cfg.Sites > cfg.SNMP+cfg.CLI {
		return cfg, invalid(fmt.Errorf("--sites %d: expected 1..%d (the number of switches)", cfg.Sites, cfg.SNMP+cfg.CLI))
	}
	return cfg, nil
}

// demo runs the whole story against a fresh lab, through the same inventory
// loader and engine as real runs.
func (a *app) demo(ctx context.Context, cfg lab.Config) error {
	n := cfg.SNMP + cfg.CLI
	format, err := a.format()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "qosagent-demo-")
	if err != nil {
		return failed(err)
	}
	defer os.RemoveAll(dir)
	l, err := lab.Start(ctx, cfg)
	if err != nil {
		return failed(err)
	}
	defer l.Close()
	sws, err := l.Inventory(filepath.Join(dir, "lab.yaml"), a.registry.Transports())
	if err != nil {
		return failed(err)
	}
	eng := &agent.Engine{Registry: a.registry, Policy: agent.DefaultPolicy(), Timeout: 30 * time.Second,
		Logger: a.log, Backups: agent.FileBackups{Dir: filepath.Join(dir, "backups")}}

	step := func(s string) { fmt.Fprintf(a.stdout, "\n== %s\n", s) }
	step(fmt.Sprintf("1. started %d simulated GS110TPs (SNMP) and %d CLI switches (SSH: %s) on loopback, factory defaults: GS110TP EF and AF41 share queue 2, CS3 and BE queue 1, ports trust 802.1p; Catalyst QoS off; SG CS3 ties AF41",
		cfg.SNMP, cfg.CLI, strings.Join(lab.CLIDialects, ", ")))
	step("2. qosagent audit   (read only)")
	rep := eng.Audit(ctx, sws)
	if err := a.writeReport(rep, format); err != nil {
		return err
	}
	if rep.Summary.Drift != n {
		return failed(fmt.Errorf("demo: expected drift on all %d switches, got %+v", n, rep.Summary))
	}
	step("3. qosagent apply --all   (plan, back up, one SET PDU or one config session per switch, read back, verify, save)")
	rep = eng.Apply(ctx, sws, false)
	if err := a.writeReport(rep, format); err != nil {
		return err
	}
	if rep.Summary.Changed != n {
		return failed(fmt.Errorf("demo: apply changed %d of %d switches", rep.Summary.Changed, n))
	}
	step("4. qosagent audit   (again)")
	rep = eng.Audit(ctx, sws)
	if err := a.writeReport(rep, format); err != nil {
		return err
	}
	a.exitCode = rep.ExitCode()
	if a.exitCode != exitOK {
		return failed(fmt.Errorf("demo: the fleet is not compliant after apply"))
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
	step(fmt.Sprintf("done: %d/%d switches compliant, %d saved to startup config. Keep a lab running with: qosagent lab --switches 3 --cli-switches 3 --inventory-out lab.yaml", rep.Summary.Compliant, n, saved))
	return nil
}

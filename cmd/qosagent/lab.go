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
	"github.com/qosagent/qosagent/agent/history"
	"github.com/qosagent/qosagent/internal/lab"
	"github.com/qosagent/qosagent/internal/lab/demo"
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
			out, err := a.labInventoryPath()
			if err != nil {
				return err
			}
			l, err := lab.Start(cmd.Context(), cfg)
			if err != nil {
				return failed(err)
			}
			defer l.Close()
			if err := l.WriteInventory(out); err != nil {
				return failed(fmt.Errorf("write lab inventory: %w", err))
			}
			v := "v2c"
			if cfg.SNMPVersion == "3" {
				v = "v3 authPriv, user " + lab.V3User
			}
			fmt.Fprintf(a.stdout, "lab: %d simulated GS110TP switches (SNMP %s) and %d CLI switches (SSH: %s) on loopback, factory defaults, in %d process(es); inventory in %s\n",
				cfg.SNMP, v, cfg.CLI, strings.Join(lab.CLIDialects, ", "), l.Processes(), out)
			fmt.Fprintf(a.stdout, "try:\n  qosagent audit -i %s\n  qosagent apply -i %s --site %s --dry-run\n  qosagent apply -i %s --site %s\n", out, out, l.SiteName(0), out, l.SiteName(0))
			fmt.Fprintln(a.stdout, "press Ctrl-C to stop; state is lost when the lab stops")
			<-cmd.Context().Done()
			return nil
		},
	}
	labFlags(cmd)
	cmd.Flags().String("dir", "", "write the lab's inventory (lab.yaml) and its secret files here (default $XDG_STATE_HOME/qosagent/lab)")
	cmd.Flags().String("inventory-out", "", "write the lab's inventory to this file instead of DIR/lab.yaml (the secrets and known_hosts go to 0600 files beside it)")
	return cmd
}

// maxLabSwitches bounds `qosagent lab`: a simulated GS110TP costs about
// 15 KiB, so 200,000 of them take about 3 GiB over the lab's processes.
const maxLabSwitches = 200000

// labInventoryPath is --inventory-out, else lab.yaml in --dir, else in
// the lab folder of the state directory: never the current folder, which
// is often a checkout.
func (a *app) labInventoryPath() (string, error) {
	if out := a.v.GetString("inventory-out"); out != "" {
		return out, nil
	}
	dir := a.v.GetString("dir")
	if dir == "" {
		db, err := history.DefaultPath()
		if err != nil {
			return "", invalid(fmt.Errorf("no state directory for the lab (%v); give --dir", err))
		}
		dir = filepath.Join(filepath.Dir(db), "lab")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", failed(fmt.Errorf("lab folder: %w", err))
	}
	return filepath.Join(dir, "lab.yaml"), nil
}

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
	cmd.Flags().String("snmp-version", "2c", "SNMP version of the simulated GS110TPs: 2c (a community) or 3 (a user at authPriv, SHA and AES)")
}

func (a *app) labConfig(limit int) (lab.Config, error) {
	cfg := lab.Config{SNMP: a.v.GetInt("switches"), CLI: a.v.GetInt("cli-switches"), RTT: a.v.GetDuration("rtt"),
		Loss: a.v.GetFloat64("loss"), Seed: a.v.GetUint64("seed"), Sites: a.v.GetInt("sites"), SNMPVersion: a.v.GetString("snmp-version")}
	if cfg.SNMPVersion != "2c" && cfg.SNMPVersion != "3" {
		return cfg, invalid(fmt.Errorf("--snmp-version %q: expected 2c or 3", cfg.SNMPVersion))
	}
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

func (a *app) demo(ctx context.Context, cfg lab.Config) error {
	format, err := a.reportFormat()
	if err != nil {
		return err
	}
	code, err := demo.Run(ctx, demo.Options{Lab: cfg, Registry: a.registry, Logger: a.log, Out: a.stdout,
		Report: func(rep *agent.Report) error { return a.writeReport(rep, format) }})
	a.exitCode = code
	if err != nil {
		return failed(err)
	}
	return nil
}

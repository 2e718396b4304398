package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/fleetrun"
)

func (a *app) auditCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read every switch in scope and report drift from the policy (writes nothing)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := a.reportFormat()
			if err != nil {
				return err
			}
			o := a.options(cmd)
			o.Format = format
			a.exitCode, err = fleetrun.Audit(cmd.Context(), o, a.stdout, a.log)
			return err
		},
	}
	fleetFlags(cmd.Flags())
	return cmd
}

func (a *app) applyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apply (--site S | --switch NAME | --all)",
		Short: "Bring switches in scope to the policy: plan, back up, write, verify, roll back on failure, save",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := a.reportFormat()
			if err != nil {
				return err
			}
			o := fleetrun.ApplyOptions{Options: a.options(cmd), All: a.v.GetBool("all"), DryRun: a.v.GetBool("dry-run"), WaitLock: a.v.GetDuration("wait-lock")}
			o.Format = format
			a.exitCode, err = fleetrun.Apply(cmd.Context(), o, a.stdout, a.log)
			return err
		},
	}
	fleetFlags(cmd.Flags())
	cmd.Flags().Bool("all", false, "every switch of the inventory")
	cmd.Flags().Bool("dry-run", false, "print the plan and write nothing")
	cmd.Flags().Duration("wait-lock", 0, "wait this long for another apply on the same sites to finish (0: fail at once)")
	return cmd
}

// fleetFlags are the scope and pacing flags shared by audit and apply.
func fleetFlags(fs *pflag.FlagSet) {
	fs.StringSlice("site", nil, "only switches of this site (repeatable)")
	fs.StringSlice("switch", nil, "only this switch (repeatable)")
	fs.Int("concurrency", agent.DefaultConcurrency, "switches contacted at once")
	fs.Int("site-concurrency", 0, "switches contacted at once per site (0: no cap); keeps a site behind a slow link from taking every worker")
	fs.Duration("timeout", 60*time.Second, "deadline per switch, covering every round trip and retry")
	fs.Duration("patience", 0, "budget of the re-reads that settle a write, rollback or save whose answer was late or lost (0: the inventory's patience, default 1m)")
	fs.Duration("save-timeout", 0, "bound of one save to the startup config (0: the inventory's save_timeout, else the platform's, default 2m)")
	fs.Bool("summary", false, "print only the counts per site and overall (table and json), not every switch")
	fs.String("prom-textfile", "", "write Prometheus metrics to this file (atomically), for node_exporter's textfile collector")
}

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "qosagent", version())
			return err
		},
	}
}

package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/qosagent/qosagent/agent"
)

func (a *app) auditCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read every switch in scope and report drift from the policy (writes nothing)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := a.format()
			if err != nil {
				return err
			}
			sws, eng, err := a.fleet()
			if err != nil {
				return err
			}
			rep := eng.Audit(cmd.Context(), sws)
			a.exitCode = rep.ExitCode()
			return a.writeReport(rep, format)
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
			format, err := a.format()
			if err != nil {
				return err
			}
			all := a.v.GetBool("all")
			scoped := len(a.v.GetStringSlice("site"))+len(a.v.GetStringSlice("switch")) > 0
			if all == scoped {
				return invalid(errors.New("apply needs --site, --switch or --all (and --all alone): it writes to switches"))
			}
			sws, eng, err := a.fleet()
			if err != nil {
				return err
			}
			dir := a.v.GetString("backup-dir")
			if dir == "" {
				state, err := agent.DefaultStateDir()
				if err != nil {
					return invalid(err)
				}
				dir = filepath.Join(state, "backups")
			}
			eng.Backups = agent.FileBackups{Dir: dir}
			dry := a.v.GetBool("dry-run")
			if !dry {
				a.log.Info("apply", "switches", len(sws), "backups", dir)
			}
			rep := eng.Apply(cmd.Context(), sws, dry)
			a.exitCode = rep.ExitCode()
			if rep.Interrupted {
				a.log.Warn("interrupted: switches in flight finished or rolled back, none other was started")
			}
			return a.writeReport(rep, format)
		},
	}
	fleetFlags(cmd.Flags())
	cmd.Flags().Bool("all", false, "every switch of the inventory")
	cmd.Flags().Bool("dry-run", false, "print the plan and write nothing")
	cmd.Flags().String("backup-dir", "", "where backups go (default $XDG_STATE_HOME/qosagent/backups)")
	return cmd
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

package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/record"
	"github.com/qosagent/qosagent/inventory"
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
			sws, eng, err := a.fleet(cmd)
			if err != nil {
				return a.skipAll("audit", false, sws, format, err)
			}
			ctx := cmd.Context()
			store, err := a.openHistory(ctx, false)
			if err != nil {
				// An audit still reports without its history: monitoring
				// must not go blind because a disk filled up.
				a.log.Error("audit runs without history", "err", err)
			}
			if store != nil {
				defer store.Close()
			}
			rec, err := a.startRun(ctx, store, "audit", false, a.scopeString())
			if err != nil {
				a.log.Error("audit runs without history", "err", err)
				rec, _ = a.startRun(ctx, nil, "audit", false, "")
			}
			if err := rec.LoadPending(ctx, sws); err != nil {
				// Without it an unsaved switch may look compliant: say so.
				a.log.Error("audit cannot tell switches left unsaved by earlier runs", "err", err)
			}
			eng.Result = rec.Record
			eng.AuditCommands = format == "html" || format == "csv" // change tickets and spreadsheets
			eng.LinesOnly = a.summaryOnly(format)
			if store != nil {
				eng.Unsaved = rec.Unsaved
			}
			rep := eng.Audit(ctx, sws)
			return a.finishRun(rec, rep, format, true)
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
			all := a.v.GetBool("all")
			scoped := len(a.names("site"))+len(a.names("switch")) > 0
			if all == scoped {
				return invalid(errors.New("apply needs --site, --switch or --all (and --all alone): it writes to switches"))
			}
			dry := a.v.GetBool("dry-run")
			sws, eng, err := a.fleet(cmd)
			if err != nil {
				return a.skipAll("apply", dry, sws, format, err)
			}
			ctx := cmd.Context()
			store, err := a.openHistory(ctx, false)
			if err != nil {
				return a.skipAll("apply", dry, sws, format, failed(fmt.Errorf("%w; apply keeps its backups there and writes nothing without it", err)))
			}
			if store == nil && !dry {
				return a.skipAll("apply", dry, sws, format, invalid(errors.New("--history none: apply keeps its backups in the history and writes nothing without it")))
			}
			if store != nil {
				defer store.Close()
			}
			if !dry {
				release, err := a.lockSites(ctx, store, sws)
				if err != nil {
					return a.skipAll("apply", dry, sws, format, err)
				}
				defer release()
			}
			rec, err := a.startRun(ctx, store, "apply", dry, a.scopeString())
			if err != nil {
				return a.skipAll("apply", dry, sws, format, failed(err))
			}
			if err := rec.LoadPending(ctx, sws); err != nil {
				// Intents cannot be read, so they cannot be written
				// either: no write without its intent.
				return a.skipRun(rec, "apply", dry, sws, format, failed(err))
			}
			eng.Backups, eng.Result = rec, rec.Record
			eng.LinesOnly = a.summaryOnly(format)
			if store != nil {
				eng.Journal, eng.Unsaved = rec, rec.Unsaved
			}
			rep := eng.Apply(ctx, sws, dry)
			if rep.Interrupted {
				a.log.Warn("interrupted: switches in flight finished or rolled back, none other was started")
			}
			return a.finishRun(rec, rep, format, true)
		},
	}
	fleetFlags(cmd.Flags())
	cmd.Flags().Bool("all", false, "every switch of the inventory")
	cmd.Flags().Bool("dry-run", false, "print the plan and write nothing")
	cmd.Flags().Duration("wait-lock", 0, "wait this long for another apply on the same sites to finish (0: fail at once)")
	return cmd
}

// finishRun writes the metrics (for the fleet commands that have
// --prom-textfile) and the report, sets the exit code and then closes the
// run in the history with that same code, so the history says what the
// process returned. A restore of one switch must not replace an audit's
// metrics with its own, even when prom-textfile comes from the environment
// or the config file.
func (a *app) finishRun(rec *record.Recorder, rep *agent.Report, format string, withMetrics bool) error {
	defer rep.Close()
	a.exitCode = rep.ExitCode()
	if path := a.v.GetString("prom-textfile"); withMetrics && path != "" {
		if err := agent.WriteTextfile(path, rep, agent.RunInfo{Started: rec.Started(), Finished: time.Now(), ExitCode: a.exitCode}); err != nil {
			a.log.Error("write metrics", "path", path, "err", err)
			a.exitCode = max(a.exitCode, exitFailed)
		}
	}
	err := a.writeReport(rep, format)
	if err != nil {
		a.exitCode = exitFailed
	}
	rec.Finish(rep, a.exitCode)
	return err
}

// skipAll prints the report of a run stopped before it contacted any
// switch: every switch in scope skipped with the reason, so that a script
// reading the report sees why. Without switches (the inventory did not
// load) there is no report to print. The exit code is err's.
func (a *app) skipAll(command string, dryRun bool, sws []inventory.Switch, format string, err error) error {
	return a.skipRun(nil, command, dryRun, sws, format, err)
}

// skipRun is skipAll for a run already started in the history (rec): the
// skipped switches are recorded and the run closed with err's exit code,
// rather than left open as if the process had died.
func (a *app) skipRun(rec *record.Recorder, command string, dryRun bool, sws []inventory.Switch, format string, err error) error {
	if len(sws) == 0 {
		return err
	}
	p := agent.DefaultPolicy()
	if a.policy != nil {
		p = *a.policy
	}
	rep := agent.SkippedReport(command, dryRun, p, sws, err.Error(), time.Now())
	if werr := a.writeReport(rep, format); werr != nil {
		a.log.Error("write report", "err", werr)
	}
	if rec != nil {
		for _, sw := range rep.Switches {
			rec.Record(sw)
		}
		code := exitFailed
		var ex *exitError
		if errors.As(err, &ex) {
			code = ex.code
		}
		rec.Finish(rep, code)
	}
	return err
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

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/fleetrun"
	"github.com/qosagent/qosagent/agent/history"
)

func (a *app) historyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Show recent runs, one switch's timeline (--switch), switches that drifted (--drifted), or writes left unsaved or in doubt (--pending)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := a.format()
			if err != nil {
				return err
			}
			var since time.Time
			if s := a.v.GetString("since"); s != "" {
				since, err = parseSince(s, time.Now())
				if err != nil {
					return invalid(err)
				}
			}
			limit := a.v.GetInt("limit")
			if limit < 1 {
				return invalid(fmt.Errorf("--limit %d: expected at least 1", limit))
			}
			ctx := cmd.Context()
			store, err := a.openHistory(ctx, true)
			if err != nil {
				return failed(err)
			}
			if store == nil {
				return invalid(errors.New("--history none: there is no history to show"))
			}
			defer store.Close()
			f := history.Filter{Switch: a.v.GetString("switch"), Since: since, Limit: limit}
			var out any
			switch {
			case a.v.GetBool("pending"):
				out, err = store.PendingIntents(ctx, history.Filter{Switch: f.Switch})
			case a.v.GetBool("drifted"):
				out, err = store.Drifted(ctx, f)
			case f.Switch != "":
				out, err = store.Timeline(ctx, f)
			default:
				out, err = store.Runs(ctx, f)
			}
			if err != nil {
				return failed(fmt.Errorf("history: %w", err))
			}
			return a.writeFormatted(format, func(w io.Writer) error { return writeJSON(w, out) },
				func(io.Writer) error { return a.historyTable(out) })
		},
	}
	cmd.Flags().String("switch", "", "the timeline of this switch")
	cmd.Flags().String("since", "", "only since this long ago (24h, 7d) or this time (RFC 3339)")
	cmd.Flags().Bool("drifted", false, "switches found drifted since --since, and whether and when they were fixed")
	cmd.Flags().Bool("pending", false, "switches an earlier apply left unsaved or in doubt (its write-ahead intent still stands; the next apply settles it)")
	cmd.Flags().Int("limit", history.DefaultLimit, "at most this many rows")
	cmd.AddCommand(a.historyShowCommand(), a.historyPruneCommand())
	return cmd
}

// readHistory opens the existing history for a command that reads it.
func (a *app) readHistory(ctx context.Context) (history.Store, error) {
	store, err := a.openHistory(ctx, true)
	if err != nil {
		return nil, failed(err)
	}
	if store == nil {
		return nil, invalid(errors.New("--history none: there is no history to read"))
	}
	return store, nil
}

func (a *app) historyShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show RUN",
		Short: "Print one run: when, what and its exit code, then every switch it recorded, which ones it backed up, and (json) their results",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := a.format()
			if err != nil {
				return err
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return invalid(fmt.Errorf("run %q: expected a run id (see `qosagent history`)", args[0]))
			}
			ctx := cmd.Context()
			store, err := a.readHistory(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			run, recs, err := history.ShowRun(ctx, store, id)
			if errors.Is(err, history.ErrNotFound) {
				return invalid(fmt.Errorf("run %d does not exist in the history (see `qosagent history`)", id))
			}
			if err != nil {
				return failed(err)
			}
			asJSON := func(w io.Writer) error {
				return writeJSON(w, struct {
					Run      history.Run            `json:"run"`
					Switches []history.SwitchRecord `json:"switches"`
				}{run, recs})
			}
			return a.writeFormatted(format, asJSON, func(w io.Writer) error {
				if err := a.historyTable([]history.Run{run}); err != nil {
					return err
				}
				if _, err := fmt.Fprintln(w); err != nil {
					return err
				}
				return a.historyTable(recs)
			})
		},
	}
}

func (a *app) historyPruneCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prune --older-than AGE",
		Short: "Delete runs older than AGE (90d, 2160h) with their records and backups; the run holding a switch's newest backup is kept",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s := a.v.GetString("older-than")
			age, err := parseAge(s)
			if s == "" || err != nil || age <= 0 {
				return invalid(fmt.Errorf("--older-than %q: expected a positive age such as 90d or 2160h", s))
			}
			ctx := cmd.Context()
			store, err := a.readHistory(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			p, err := store.Prune(ctx, time.Now().Add(-age))
			if err != nil {
				return failed(err)
			}
			fmt.Fprintf(a.stdout, "pruned %d runs (%d switch records, %d backups, %d stored results); kept %d older runs that hold a switch's newest backup\n",
				p.Runs, p.Records, p.Backups, p.Results, p.Kept)
			return nil
		},
	}
	cmd.Flags().String("older-than", "", "delete runs started longer ago than this (90d, 2160h)")
	return cmd
}

// parseAge accepts a Go duration or a number of days ("90d").
func parseAge(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "d") {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && n >= 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err == nil && d < 0 {
		err = fmt.Errorf("negative")
	}
	return d, err
}

// parseSince accepts a Go duration, a number of days ("7d") or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := parseAge(s); err == nil {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: expected a duration (24h), days (7d) or an RFC 3339 time", s)
}

func (a *app) historyTable(out any) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	ts := func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") }
	switch rows := out.(type) {
	case []history.Run:
		fmt.Fprintln(tw, "RUN\tSTARTED\tCOMMAND\tSCOPE\tHOST\tEXIT\tSUMMARY")
		for _, r := range rows {
			exit := "running"
			if r.ExitCode != nil {
				exit = strconv.Itoa(*r.ExitCode)
			} else if r.FinishedAt != nil {
				exit = "?"
			}
			if r.Interrupted {
				exit += " (interrupted)"
			}
			cmd := r.Command
			if r.DryRun {
				cmd += " --dry-run"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, ts(r.StartedAt), cmd, r.Scope, r.Host, exit, summaryText(r.Summary))
		}
	case []history.SwitchRecord:
		fmt.Fprintln(tw, "AT\tRUN\tSITE\tSWITCH\tSTATUS\tFINDINGS\tBACKUP\tERROR")
		for _, r := range rows {
			backup := "-"
			if r.Backup {
				backup = "yes (restore --run " + strconv.FormatInt(r.RunID, 10) + ")"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\t%s\n", ts(r.At), r.RunID, r.Site, r.Switch, r.Status, r.Findings, backup, r.Error)
		}
	case []history.Intent:
		fmt.Fprintln(tw, "RUN\tSTARTED\tSITE\tSWITCH\tLEFT\tDETAIL")
		for _, in := range rows {
			left := in.Outcome
			if left == "" {
				left = "in-doubt (never closed: the run died or is still on it)"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", in.RunID, ts(in.Started), in.Site, in.Switch, left, in.Detail)
		}
	default:
		return a.driftTable(tw, out)
	}
	return tw.Flush()
}

func summaryText(raw json.RawMessage) string {
	var s agent.Summary
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s.String()
}

func (a *app) restoreCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "restore --switch NAME --run RUN_ID",
		Short: "Write back the backup a run took of a switch (same transaction as apply: backup, write, verify, rollback, save)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := a.reportFormat()
			if err != nil {
				return err
			}
			o := fleetrun.RestoreOptions{Options: a.options(cmd), Switch: a.v.GetString("switch"), Run: a.v.GetInt64("run"), DryRun: a.v.GetBool("dry-run"), WaitLock: a.v.GetDuration("wait-lock")}
			o.Format = format
			a.exitCode, err = fleetrun.Restore(cmd.Context(), o, a.stdout, a.log)
			return err
		},
	}
	cmd.Flags().String("switch", "", "the switch to restore")
	cmd.Flags().Int64("run", 0, "the run whose backup to write back")
	cmd.Flags().Bool("dry-run", false, "print what would change and write nothing")
	cmd.Flags().Duration("timeout", 60*time.Second, "deadline for the switch")
	cmd.Flags().Duration("wait-lock", 0, "wait this long for an apply on the switch's site to finish")
	return cmd
}

func (a *app) driftTable(tw *tabwriter.Writer, out any) error {
	rows, ok := out.([]history.Drift)
	if !ok {
		return fmt.Errorf("history: unexpected result %T", out)
	}
	ts := func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") }
	fmt.Fprintln(tw, "SITE\tSWITCH\tDRIFTED\tRUN\tLAST SEEN DRIFTED\tFIXED\tBY RUN")
	for _, d := range rows {
		fixed, by := "still drifted", "-"
		if d.Fixed != nil {
			fixed, by = ts(d.Fixed.At), fmt.Sprintf("%d (%s)", d.Fixed.RunID, d.Fixed.Command)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", d.Site, d.Switch, ts(d.First.At), d.First.RunID, ts(d.Last.At), fixed, by)
	}
	return tw.Flush()
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/capture"
)

func (a *app) captureCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "capture", Short: "Check packet captures against the policy's endpoints section"}
	check := &cobra.Command{
		Use:   "check (FILE | --live IFACE [--duration 30s]) (--policy P | --preset NAME)",
		Short: "Check every flow of a pcap/pcapng file (or of a live interface) against the endpoints' modalities: exit 0 all ok, 1 mismarked or out-of-range, 3 bad input",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := a.format()
			if err != nil {
				return err
			}
			live := a.v.GetString("live")
			if (len(args) == 1) == (live != "") {
				return invalid(errors.New("capture check needs a capture FILE or --live IFACE (one of them)"))
			}
			d := a.v.GetDuration("duration")
			if live != "" && d <= 0 {
				return invalid(fmt.Errorf("--duration %s: expected a positive duration", d))
			}
			inv, err := a.offlineInventory(cmd, false)
			if err != nil {
				return err
			}
			src, p, ok, err := a.policySource(inv)
			if err != nil {
				return err
			}
			if !ok {
				return invalid(fmt.Errorf("no policy with an endpoints: section given; expected --policy FILE, --preset NAME (%s) or an inventory (-i) whose policy: has one", strings.Join(agent.PresetNames(), ", ")))
			}
			opt := capture.Options{Modalities: a.names("modality")}
			var rep *capture.Report
			if live != "" {
				rep, err = capture.CheckLive(cmd.Context(), live, d, p, opt)
			} else {
				rep, err = capture.CheckFile(cmd.Context(), args[0], p, opt)
			}
			if err != nil {
				return captureError(err, src.Name)
			}
			if err := a.writeFormatted(format, rep.WriteJSON, rep.WriteTable); err != nil {
				return err
			}
			a.exitCode = rep.ExitCode()
			return nil
		},
	}
	f := check.Flags()
	f.StringSlice("modality", nil, "only flows of this modality of the policy's endpoints section (repeatable; media outside every range is still reported)")
	f.String("live", "", "capture on this interface (or any) instead of reading a file; Linux, needs root or CAP_NET_RAW")
	f.Duration("duration", 30*time.Second, "how long --live captures (Ctrl-C ends it early and still reports)")
	cmd.AddCommand(check)
	return cmd
}

// captureError maps a failed check to its exit code: everything that
// stops a check before its report is bad input (3), nothing was checked.
func captureError(err error, policy string) error {
	if errors.Is(err, capture.ErrNoEndpoints) {
		return invalid(fmt.Errorf("%s: %w; add one (qosagent policy show --preset lync-2014 prints an example) or use --preset", policy, err))
	}
	if errors.Is(err, context.Canceled) {
		return failed(errors.New("interrupted before the end of the capture: no report"))
	}
	// Unreadable captures, missing privileges, a modality or class the
	// policy lacks: nothing was checked.
	return invalid(err)
}

package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/inventory"
)

func (a *app) inventoryCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "inventory", Short: "Check and show the inventory"}
	validate := &cobra.Command{
		Use:   "validate [--connect]",
		Short: "Validate the inventory, its policy and the files it names; with --connect, reach each switch read-only",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			inv, err := a.loadWholeInventory()
			if err != nil {
				return err
			}
			p, err := a.loadPolicy(inv)
			if err != nil {
				return err
			}
			sws, err := inv.Select(nil, nil)
			if err != nil {
				return invalid(err)
			}
			bad := 0
			for _, pr := range inventory.CheckFiles(sws, a.registry.Transports(), a.v.GetBool("accept-new-host-keys")) {
				if pr.Warning {
					a.log.Warn(inv.Path + ": " + pr.String())
					continue
				}
				fmt.Fprintf(a.stderr, "qosagent: %s: %s\n", inv.Path, pr)
				bad++
			}
			if bad > 0 {
				return &exitError{Code: exitInvalid}
			}
			fmt.Fprintf(a.stdout, "%s: ok: %d sites, %d switches, policy with %d classes\n", inv.Path, len(inv.Sites), len(sws), len(p.Classes))
			if !a.v.GetBool("connect") {
				return nil
			}
			eng, err := a.engine(cmd, p)
			if err != nil {
				return err
			}
			return a.writeProbes(eng.Probe(cmd.Context(), sws))
		},
	}
	validate.Flags().Bool("connect", false, "also reach every switch read-only: SNMP GET of sysObjectID; SSH identification and host key against known_hosts (no login); exit 2 if any is unreachable")
	validate.Flags().Int("concurrency", agent.DefaultConcurrency, "with --connect: switches contacted at once")
	validate.Flags().Int("site-concurrency", 0, "with --connect: switches contacted at once per site (0: no cap)")
	validate.Flags().Duration("timeout", 20*time.Second, "with --connect: deadline per switch")
	cmd.AddCommand(validate)
	list := &cobra.Command{
		Use:   "list",
		Short: "List switches with defaults merged and secrets masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := a.format()
			if err != nil {
				return err
			}
			inv, err := a.loadInventory()
			if err != nil {
				return err
			}
			sws, err := inv.Select(a.names("site"), a.names("switch"))
			if err != nil {
				return invalid(err)
			}
			view := a.listView(sws)
			return a.writeFormatted(format, func(w io.Writer) error { return writeJSON(w, view) }, func(w io.Writer) error {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SITE\tSWITCH\tVENDOR\tADDRESS\tPORT\tTRANSPORT\tCREDENTIALS")
				for _, sw := range view {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", sw.Site, sw.Name, sw.Vendor, sw.Address, sw.Port, sw.Transport, sw.Credentials)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringSlice("site", nil, "only switches of this site (repeatable)")
	list.Flags().StringSlice("switch", nil, "only this switch (repeatable)")
	cmd.AddCommand(list)
	return cmd
}

// listView shows the switches as `inventory list` does (inventory.SwitchView).
func (a *app) listView(sws []inventory.Switch) []inventory.SwitchView {
	out := make([]inventory.SwitchView, 0, len(sws))
	for _, sw := range sws {
		plat, err := a.registry.Lookup(sw.Vendor)
		if err != nil {
			continue // validated at load; cannot happen
		}
		out = append(out, sw.View(plat.Transport))
	}
	return out
}

// writeProbes prints what --connect found, one line per switch, and sets
// exit code 2 when any switch could not be reached.
func (a *app) writeProbes(res []agent.ProbeResult) error {
	failedN := 0
	for _, r := range res {
		if !r.OK {
			failedN++
		}
	}
	if failedN > 0 {
		a.exitCode = exitFailed
	}
	format, err := a.format()
	if err != nil {
		return err
	}
	return a.writeFormatted(format, func(w io.Writer) error { return writeJSON(w, res) }, func(w io.Writer) error {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SITE\tSWITCH\tVENDOR\tREACHED\tDETAIL")
		for _, r := range res {
			ok, detail := "yes", r.Detail
			if !r.OK {
				ok, detail = "NO", r.Error
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Site, r.Name, r.Vendor, ok, detail)
		}
		fmt.Fprintf(tw, "\n%d of %d switches reached\n", len(res)-failedN, len(res))
		return tw.Flush()
	})
}

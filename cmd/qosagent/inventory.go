package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/qosagent/qosagent/inventory"
)

func (a *app) inventoryCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "inventory", Short: "Check and show the inventory"}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate",
		Short: "Validate the inventory and its policy; exit 3 on any error, contact nothing",
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
			n := 0
			for _, s := range inv.Sites {
				n += len(s.Switches)
			}
			fmt.Fprintf(a.stdout, "%s: ok: %d sites, %d switches, policy with %d classes\n", inv.Path, len(inv.Sites), n, len(p.Classes))
			return nil
		},
	})
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
			if format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false) // "<secret from env X>", not "\u003csecret..."
				return enc.Encode(a.listView(sws))
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SITE\tSWITCH\tVENDOR\tADDRESS\tPORT\tTRANSPORT\tCREDENTIALS")
			for _, sw := range a.listView(sws) {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", sw.Site, sw.Name, sw.Vendor, sw.Address, sw.Port, sw.Transport, sw.Credentials)
			}
			return tw.Flush()
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

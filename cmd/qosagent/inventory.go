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

// switchView is what `inventory list` shows: settings, never secret values.
type switchView struct {
	Site        string    `json:"site"`
	Name        string    `json:"name"`
	Vendor      string    `json:"vendor"`
	Address     string    `json:"address"`
	Port        int       `json:"port"`
	Transport   string    `json:"transport"`
	Credentials string    `json:"credentials"`
	SNMP        *snmpView `json:"snmp,omitempty"`
	SSH         *sshView  `json:"ssh,omitempty"`
}

// snmpView and sshView are the merged transport settings as the inventory
// spells them (snake_case keys, durations as "2s"); secrets show where they
// come from, never their value. The port is the switch's, above.
type snmpView struct {
	Version        string           `json:"version"`
	Timeout        string           `json:"timeout"`
	Retries        int              `json:"retries"`
	MaxRepetitions int              `json:"max_repetitions"`
	Community      inventory.Secret `json:"community,omitzero"`
	Username       string           `json:"username,omitempty"`
	AuthProtocol   string           `json:"auth_protocol,omitempty"`
	AuthPassphrase inventory.Secret `json:"auth_passphrase,omitzero"`
	PrivProtocol   string           `json:"priv_protocol,omitempty"`
	PrivPassphrase inventory.Secret `json:"priv_passphrase,omitzero"`
	ContextName    string           `json:"context_name,omitempty"`
}

type sshView struct {
	Username         string           `json:"username"`
	Timeout          string           `json:"timeout"`
	KeyFile          string           `json:"key_file,omitempty"`
	KeyPassphrase    inventory.Secret `json:"key_passphrase,omitzero"`
	Password         inventory.Secret `json:"password,omitzero"`
	EnableSecret     inventory.Secret `json:"enable_secret,omitzero"`
	KnownHosts       string           `json:"known_hosts"`
	LegacyAlgorithms bool             `json:"legacy_algorithms,omitempty"`
}

func (a *app) listView(sws []inventory.Switch) []switchView {
	out := make([]switchView, 0, len(sws))
	for _, sw := range sws {
		v := switchView{Site: sw.Site, Name: sw.Name, Vendor: sw.Vendor, Address: sw.Address, Port: sw.Port}
		plat, err := a.registry.Lookup(sw.Vendor)
		if err != nil {
			continue // validated at load; cannot happen
		}
		v.Transport = string(plat.Transport)
		switch plat.Transport {
		case inventory.TransportSNMP:
			s := sw.SNMP
			v.SNMP = &snmpView{Version: s.Version, Timeout: s.Timeout.String(), Retries: s.Retries, MaxRepetitions: s.MaxRepetitions,
				Community: s.Community, Username: s.Username, AuthProtocol: s.AuthProtocol, AuthPassphrase: s.AuthPassphrase,
				PrivProtocol: s.PrivProtocol, PrivPassphrase: s.PrivPassphrase, ContextName: s.ContextName}
			if s.Version == "3" {
				v.Credentials = fmt.Sprintf("v3 user %s %s", s.Username, s.SecurityLevel())
			} else {
				v.Credentials = "v2c community " + s.Community.String()
			}
		case inventory.TransportSSH:
			s := sw.SSH
			v.SSH = &sshView{Username: s.Username, Timeout: s.Timeout.String(), KeyFile: s.KeyFile, KeyPassphrase: s.KeyPassphrase,
				Password: s.Password, EnableSecret: s.EnableSecret, KnownHosts: s.KnownHosts, LegacyAlgorithms: s.LegacyAlgorithms}
			v.Credentials = "ssh user " + s.Username
		}
		out = append(out, v)
	}
	return out
}

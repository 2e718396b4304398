package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/qosagent/qosagent/inventory"
)

// Exit code texts for --help, per kind of command.
const (
	exitsRun = `Exit codes:
  0  every switch in scope is compliant (after apply: applied, verified, saved)
  1  drift remains (an audit found drift; a dry run planned changes)
  2  a switch could not be read or written, the run was interrupted, or the
     report or metrics file could not be written
  3  invalid input (flags, config, inventory, policy); no switch was contacted`
	exitsRead = `Exit codes:
  0  done
  2  the history could not be read (a missing SQLite file included)
  3  invalid input (flags, config, a run that does not exist)`
	exitsValidate = `Exit codes:
  0  the inventory, its policy and its files are valid (with --connect: every
     switch was reached)
  2  with --connect: a switch could not be reached
  3  invalid input; with --connect, nothing is contacted then`
	exitsLab = `Exit codes:
  0  done (demo: the fleet ended compliant; lab: stopped by Ctrl-C)
  2  the lab could not start, or the demo did not end as it should
  3  invalid flags`
	exitsLint = `Exit codes:
  0  clean
  1  warnings only
  3  errors (or invalid input)`
	exitsRender = `Exit codes:
  0  written
  2  the output could not be written
  3  a lint error or invalid input; nothing is written`
	exitsShow = `Exit codes:
  0  done
  2  a file could not be read or written
  3  invalid input (flags, policy, inventory)`
	exitsCapture = `Exit codes:
  0  every matched flow carries its expected DSCP and no media is out of range
  1  a flow is mismarked, or media is sent outside every modality's ports
  2  interrupted while reading a file (no report), or more flows than the
     flow table holds: the packets of the others went unchecked
  3  invalid input (not a capture, cut inside a header, unknown link type,
     policy without endpoints, missing privilege for --live)`
	exitsPlain = `Exit codes:
  0  done
  3  invalid flags`
)

// document adds examples and the exit codes to a command's help.
func document(cmd *cobra.Command, exits string, examples ...string) *cobra.Command {
	long := cmd.Long
	if long == "" {
		long = cmd.Short + "."
	}
	cmd.Long = long + "\n\n" + exits
	if len(examples) > 0 {
		cmd.Example = "  " + strings.Join(examples, "\n  ")
	}
	return cmd
}

// completeNames offers site or switch names from the inventory the
// command line names (-i, QOSAGENT_INVENTORY, or inventory.yaml); with
// --site given, switches of those sites only.
func completeNames(kind string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		path := "inventory.yaml"
		if env := os.Getenv("QOSAGENT_INVENTORY"); env != "" {
			path = env
		}
		if f := cmd.Flag("inventory"); f != nil && f.Changed {
			path = f.Value.String()
		}
		sites, switches, err := inventory.SiteNames(path)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
		}
		var out []string
		if kind == "site" {
			out = sites
		} else {
			only := map[string]bool{}
			if f := cmd.Flag("site"); f != nil && f.Changed {
				for s := range strings.SplitSeq(strings.Trim(f.Value.String(), "[]"), ",") {
					only[strings.TrimSpace(s)] = true
				}
			}
			for _, s := range sites {
				if len(only) == 0 || only[s] {
					out = append(out, switches[s]...)
				}
			}
		}
		var match []string
		for _, n := range out {
			if strings.HasPrefix(n, prefix) {
				match = append(match, n)
			}
		}
		return match, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeValues offers a fixed list of values.
func completeValues(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// addCompletions registers the completions of every command's flags.
func addCompletions(root *cobra.Command) error {
	var errs []string
	reg := func(c *cobra.Command, flag string, f func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)) {
		if c.Flags().Lookup(flag) == nil && c.PersistentFlags().Lookup(flag) == nil {
			return
		}
		if err := c.RegisterFlagCompletionFunc(flag, f); err != nil {
			errs = append(errs, fmt.Sprintf("%s --%s: %v", c.Name(), flag, err))
		}
	}
	reg(root, "format", completeValues(reportFormats...))
	reg(root, "log-level", completeValues("debug", "info", "warn", "error"))
	reg(root, "log-format", completeValues("text", "json"))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		reg(c, "site", completeNames("site"))
		reg(c, "switch", completeNames("switch"))
		reg(c, "snmp-version", completeValues("2c", "3"))
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if len(errs) > 0 {
		return fmt.Errorf("completion: %s", strings.Join(errs, "; "))
	}
	return nil
}

// helpOf holds each command's exit codes and examples.
var helpOf = map[string]struct {
	exits    string
	examples []string
}{
	"qosagent": {exitsRun, []string{
		"qosagent demo",
		"qosagent audit -i inventory.yaml",
		"qosagent apply -i inventory.yaml --site hq --dry-run --format html > change.html",
	}},
	"qosagent audit": {exitsRun, []string{
		"qosagent audit -i inventory.yaml",
		"qosagent audit -i inventory.yaml --site hq --summary",
		"qosagent audit --format json --prom-textfile /var/lib/node_exporter/qosagent.prom > last-audit.json",
		"qosagent audit --format csv > audit.csv",
	}},
	"qosagent apply": {exitsRun, []string{
		"qosagent apply --site hq --dry-run                   # the plan and the exact commands",
		"qosagent apply --site hq --dry-run --format html > change.html",
		"qosagent apply --switch hq-core --log-level debug    # logs every command sent",
		"qosagent apply --all --wait-lock 10m",
	}},
	"qosagent restore": {exitsRun, []string{
		"qosagent history --switch hq-core                    # runs marked BACKUP yes",
		"qosagent restore --switch hq-core --run 42 --dry-run",
		"qosagent restore --switch hq-core --run 42",
	}},
	"qosagent capture": {exitsCapture, []string{
		"qosagent capture check call.pcap --policy policy.yaml",
	}},
	"qosagent capture check": {exitsCapture, []string{
		"qosagent capture check call.pcap --policy policy.yaml",
		"qosagent capture check call.pcapng --preset lync-2014 --modality audio --format json",
		"sudo qosagent capture check --live eth0 --duration 30s --preset teams",
	}},
	"qosagent history": {exitsRead, []string{
		"qosagent history",
		"qosagent history --switch hq-core",
		"qosagent history --since 24h --drifted",
		"qosagent history --history postgres://qosagent@db/qosagent --since 7d --format json",
	}},
	"qosagent history show": {exitsRead, []string{
		"qosagent history show 42",
		"qosagent history show 42 --format json",
	}},
	"qosagent history prune": {exitsRead, []string{
		"qosagent history prune --older-than 90d",
		"qosagent audit --history-retention 90d               # prune after every run instead",
	}},
	"qosagent inventory": {exitsValidate, []string{
		"qosagent inventory validate -i inventory.yaml",
		"qosagent inventory list --site hq",
	}},
	"qosagent inventory validate": {exitsValidate, []string{
		"qosagent inventory validate -i inventory.yaml",
		"qosagent inventory validate -i inventory.yaml --connect",
	}},
	"qosagent inventory list": {exitsValidate, []string{
		"qosagent inventory list",
		"qosagent inventory list --site hq --format json",
	}},
	"qosagent demo": {exitsLab, []string{
		"qosagent demo",
		"qosagent demo --switches 50 --cli-switches 10 --rtt 20ms",
	}},
	"qosagent lab": {exitsLab, []string{
		"qosagent lab --switches 3 --cli-switches 3",
		"qosagent lab --snmp-version 3 --dir /tmp/lab",
	}},
	"qosagent policy": {exitsShow, []string{
		"qosagent policy show --preset teams > policy.yaml",
	}},
	"qosagent policy show": {exitsShow, []string{
		"qosagent policy show --preset teams > policy.yaml",
		"qosagent policy show --policy policy.yaml",
		"qosagent policy show -i inventory.yaml",
	}},
	"qosagent endpoints": {exitsLint, []string{
		"qosagent endpoints check --preset teams",
		"qosagent endpoints render powershell --policy policy.yaml --out qos.ps1",
		"qosagent endpoints explain -i inventory.yaml",
	}},
	"qosagent endpoints check": {exitsLint, []string{
		"qosagent endpoints check --policy policy.yaml",
		"qosagent endpoints check --preset lync-2014 --target skype --format json",
	}},
	"qosagent endpoints render": {exitsRender, []string{
		"qosagent endpoints render powershell --policy policy.yaml --out qos.ps1",
		"qosagent endpoints render gpo --policy policy.yaml --out Registry.pol",
		"qosagent endpoints render polycom --preset lync-2014 > polycom-qos.cfg",
	}},
	"qosagent endpoints explain": {exitsShow, []string{
		"qosagent endpoints explain --preset teams",
		"qosagent endpoints explain -i inventory.yaml --format json",
	}},
	"qosagent version": {exitsPlain, nil},
}

// documentAll adds examples and exit codes to every command's help; a
// command without an entry fails the help test.
func documentAll(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if h, ok := helpOf[c.CommandPath()]; ok {
			document(c, h.exits, h.examples...)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

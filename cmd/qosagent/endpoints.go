package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/fleetrun"
	"github.com/qosagent/qosagent/endpoints"
	"github.com/qosagent/qosagent/internal/fsutil"
	"github.com/qosagent/qosagent/inventory"
)

// defaultPolicyName names the built-in policy where a file name would go.
const defaultPolicyName = "built-in default policy"

// policySource resolves --preset, else --policy, else the inventory's
// policy: when the inventory is used; ok is false when none of them gives a
// policy (the caller decides whether the built-in default will do).
func (a *app) policySource(inv *inventory.Inventory) (endpoints.Source, agent.Policy, bool, error) {
	name, data, p, ok, err := fleetrun.PolicySource(a.v.GetString("preset"), a.v.GetString("policy"), inv)
	return endpoints.Source{Name: name, Data: data}, p, ok, err
}

// offlineInventory loads the inventory for commands that contact no switch:
// no secret is fetched. It returns nil when the inventory is optional
// (required false), -i was not given and the default file is not there.
func (a *app) offlineInventory(cmd *cobra.Command, required bool) (*inventory.Inventory, error) {
	path := a.v.GetString("inventory")
	if !required && !cmd.Flags().Changed("inventory") {
		if _, err := os.Stat(path); err != nil {
			return nil, nil
		}
	}
	inv, err := inventory.Load(path, inventory.Options{Vendors: a.registry.Transports(), Logger: a.log, NoSecrets: true})
	if err != nil {
		return nil, invalid(err)
	}
	return inv, nil
}

// endpointsInput builds what the endpoints commands work from. The
// endpoints come from --preset, --policy or the inventory's policy:; when an
// inventory is used, the switches follow its policy (or the built-in one),
// which may be another file.
func (a *app) endpointsInput(inv *inventory.Inventory) (endpoints.Input, error) {
	src, p, ok, err := a.policySource(inv)
	if err != nil {
		return endpoints.Input{}, err
	}
	if !ok {
		return endpoints.Input{}, invalid(fmt.Errorf("no policy with an endpoints: section given; expected --policy FILE, --preset NAME (%s) or an inventory (-i) whose policy: has one", strings.Join(agent.PresetNames(), ", ")))
	}
	in := endpoints.Input{Policy: p, Source: src}
	if inv != nil && inv.PolicyPath != src.Name {
		sw, from := agent.DefaultPolicy(), defaultPolicyName+" (the inventory names none)"
		if inv.PolicyPath != "" {
			if sw, err = agent.LoadPolicy(inv.PolicyPath); err != nil {
				return in, invalid(err)
			}
			from = inv.PolicyPath + " (the inventory's policy:)"
		}
		in.Switches, in.SwitchesFrom = &sw, from
	}
	if p.Endpoints == nil {
		return in, invalid(fmt.Errorf("%s: %w", src.Name, endpoints.ErrNoEndpoints))
	}
	return in, nil
}

func (a *app) policyCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Show policies and the built-in presets"}
	cmd.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print a policy as YAML: --preset NAME, --policy FILE, the inventory's policy: (with -i), else the built-in default",
		Long: `Print a policy as YAML, validated, to edit and pass back with --policy.
Presets: ` + strings.Join(agent.PresetNames(), ", ") + `. A file or preset is printed as written (with its
comments); the built-in default policy, which has no file, is formatted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var inv *inventory.Inventory
			if cmd.Flags().Changed("inventory") {
				var err error
				if inv, err = a.offlineInventory(cmd, true); err != nil {
					return err
				}
			}
			src, _, ok, err := a.policySource(inv)
			if err != nil {
				return err
			}
			if !ok {
				src.Data = append([]byte("# qosagent's "+defaultPolicyName+"\n"), agent.FormatPolicy(agent.DefaultPolicy())...)
			}
			if _, err := a.stdout.Write(src.Data); err != nil {
				return failed(err)
			}
			return nil
		},
	})
	return cmd
}

// writeFormatted writes a report to stdout as JSON or as text; a failed
// write is exit 2.
func (a *app) writeFormatted(format string, asJSON, asText func(io.Writer) error) error {
	write := asText
	if format == "json" {
		write = asJSON
	}
	if err := write(a.stdout); err != nil {
		return failed(fmt.Errorf("write report: %w", err))
	}
	return nil
}

// writeJSON writes v as every --format json output is: indented, and
// with "<" and ">" as they are ("<secret from env X>", not "\u003c...").
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (a *app) endpointsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "endpoints",
		Short: "Check, render and explain the policy's endpoints section (Windows QoS, Lync/Skype/Teams, Polycom)",
	}
	check := &cobra.Command{
		Use:   "check",
		Short: "Lint the endpoints section; exit 0 clean, 1 warnings, 3 errors",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := a.format()
			if err != nil {
				return err
			}
			inv, err := a.usedInventory(cmd)
			if err != nil {
				return err
			}
			in, err := a.endpointsInput(inv)
			if err != nil {
				return err
			}
			rep, err := endpoints.Check(in, a.names("target")...)
			if err != nil {
				return invalid(err)
			}
			if err := a.writeFormatted(format, rep.WriteJSON, rep.WriteText); err != nil {
				return err
			}
			a.exitCode = rep.ExitCode()
			return nil
		},
	}
	check.Flags().StringSlice("target", nil, "also apply the rules of this render target (repeatable): "+strings.Join(endpoints.Targets(), ", "))
	render := &cobra.Command{
		Use:   "render TARGET",
		Short: "Write one artefact: " + strings.Join(endpoints.Targets(), ", ") + "; a lint error writes nothing",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := args[0]
			if !slices.Contains(endpoints.Targets(), target) {
				return invalid(fmt.Errorf("target %q is unknown; known: %s", target, strings.Join(endpoints.Targets(), ", ")))
			}
			inv, err := a.usedInventory(cmd)
			if err != nil {
				return err
			}
			in, err := a.endpointsInput(inv)
			if err != nil {
				return err
			}
			return a.render(in, target, a.v.GetString("out"), endpoints.RenderOptions{NoNLA: a.v.GetBool("no-nla")})
		},
	}
	render.Flags().String("out", "", "write to FILE, replacing it atomically (default stdout)")
	render.Flags().Bool("no-nla", false, `reg, gpo, powershell: also set "Do not use NLA" = "1", so machines that do not see their domain apply the policies`)
	explain := &cobra.Command{
		Use:   "explain",
		Short: "Show what each modality marks, per direction, and which queue that lands on for each platform of the inventory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := a.format()
			if err != nil {
				return err
			}
			inv, err := a.offlineInventory(cmd, false)
			if err != nil {
				return err
			}
			in, err := a.endpointsInput(inv)
			if err != nil {
				return err
			}
			x, err := endpoints.Explain(in, a.platformUses(inv))
			if err != nil {
				return invalid(err)
			}
			return a.writeFormatted(format, x.WriteJSON, x.WriteTable)
		},
	}
	cmd.AddCommand(check, render, explain)
	return cmd
}

// usedInventory loads the inventory for check and render only when -i is
// given: their input is the policy file.
func (a *app) usedInventory(cmd *cobra.Command) (*inventory.Inventory, error) {
	if !cmd.Flags().Changed("inventory") {
		return nil, nil
	}
	return a.offlineInventory(cmd, true)
}

// platformUses lists the inventory's platforms in file order with their
// switch counts.
func (a *app) platformUses(inv *inventory.Inventory) []endpoints.PlatformUse {
	if inv == nil {
		return nil
	}
	var out []endpoints.PlatformUse
	index := map[string]int{}
	for _, s := range inv.Sites {
		for _, sw := range s.Switches {
			if i, ok := index[sw.Vendor]; ok {
				out[i].Switches++
				continue
			}
			p, err := a.registry.Lookup(sw.Vendor)
			if err != nil {
				continue // the inventory checked vendors against the same registry
			}
			index[sw.Vendor] = len(out)
			out = append(out, endpoints.PlatformUse{Platform: p, Switches: 1})
		}
	}
	return out
}

// render writes one artefact, or nothing when the policy has lint errors.
func (a *app) render(in endpoints.Input, target, out string, opts endpoints.RenderOptions) error {
	data, rep, err := endpoints.Render(in, target, opts)
	if rep != nil {
		for _, f := range rep.Findings {
			if f.Severity != endpoints.SevError {
				fmt.Fprintf(a.stderr, "qosagent: %s\n", f.Line(in.Source.Name))
			}
		}
	}
	if err != nil {
		return invalid(err)
	}
	if target == endpoints.TargetGPO {
		// Registry.pol has no comments: the provenance goes to stderr and,
		// with --out, to a companion text file.
		fmt.Fprintf(a.stderr, "qosagent: Registry.pol from %s\n", in.Source.Provenance())
		if out == "" && term.IsTerminal(int(a.stdout.Fd())) {
			return invalid(errors.New("the gpo target is binary (Registry.pol); use --out FILE or redirect stdout"))
		}
	}
	if out == "" {
		if _, err := a.stdout.Write(data); err != nil {
			return failed(err)
		}
		return nil
	}
	if target == endpoints.TargetGPO {
		if err := fsutil.WriteAtomic(out+".txt", endpoints.GPOCompanion(in, opts, out), 0o644); err != nil {
			return failed(fmt.Errorf("--out %s.txt: %w", out, err))
		}
	}
	if err := fsutil.WriteAtomic(out, data, 0o644); err != nil {
		return failed(fmt.Errorf("--out %s: %w", out, err))
	}
	return nil
}

package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"golang.org/x/term"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/fleetrun"
	"github.com/qosagent/qosagent/internal/progress"
	"github.com/qosagent/qosagent/internal/yamlwalk"
	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/cli"
	"github.com/qosagent/qosagent/vendors/netgear"
)

// Exit codes (README "Exit codes").
const (
	exitFailed  = agent.ExitError
	exitInvalid = agent.ExitInvalid
)

// exitError carries an exit code up through cobra.
type exitError = fleetrun.ExitError

func invalid(err error) error { return fleetrun.Invalid(err) }
func failed(err error) error  { return fleetrun.Failed(err) }

// app holds what one invocation needs; nothing is global.
type app struct {
	stdout, stderr *os.File
	v              *viper.Viper
	log            *slog.Logger
	registry       *vendors.Registry
	retention      time.Duration // --history-retention; 0 keeps every run
	bar            *progress.Bar // on a terminal: logs go through it so they never overwrite it
	exitCode       int
}

func newApp(stdout, stderr *os.File) *app {
	return &app{
		stdout: stdout,
		stderr: stderr,
		v:      viper.New(),
		log:    slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
}

// buildRegistry registers every platform; the CLI ones take run-wide options.
func (a *app) buildRegistry() error {
	cliPlatforms, err := cli.Platforms(cli.Options{AcceptNewHostKeys: a.v.GetBool("accept-new-host-keys"), Logger: a.log})
	if err != nil {
		return fmt.Errorf("built-in CLI dialects: %w", err)
	}
	a.registry = vendors.NewRegistry(append(cliPlatforms, netgear.Platform())...)
	return nil
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "qosagent",
		Short: "Audit and fix DSCP-to-queue maps across a switch fleet",
		Long: `qosagent keeps EF (DSCP 46) on every switch's top hardware queue, strictly
above AF41 (34), above CS3 (24), above unclassified traffic, with ports trusting DSCP.

Settings come from flags, then QOSAGENT_* environment variables, then the
config file (--config, default $XDG_CONFIG_HOME/qosagent/config.yaml).`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: a.setup,
	}
	pf := root.PersistentFlags()
	pf.String("config", "", "config file (YAML); default $XDG_CONFIG_HOME/qosagent/config.yaml when it exists")
	pf.StringP("inventory", "i", "inventory.yaml", "inventory file")
	pf.String("policy", "", "policy file; overrides the inventory's policy:, default the built-in policy")
	pf.String("preset", "", "built-in policy preset instead of --policy: "+strings.Join(agent.PresetNames(), ", ")+" (print one with policy show --preset NAME)")
	pf.String("format", "", "output format: table or json (default table on a terminal, json otherwise); audit, apply and restore also write html (one self-contained page) and csv (one row per switch)")
	pf.String("log-level", "info", "log level on stderr: debug, info, warn, error")
	pf.String("log-format", "text", "log format on stderr: text or json")
	pf.String("history", "", "history store: a SQLite file (default $XDG_STATE_HOME/qosagent/history.db), a postgres:// URL, or none")
	pf.String("history-retention", "", "after each audit, apply or restore, prune runs older than this (90d, 2160h) from the history; the run holding a switch's newest backup is always kept")
	pf.Bool("accept-new-host-keys", false, "SSH: record the host key of a switch not yet in known_hosts (trust on first use; logged); a changed key is always refused")
	root.AddCommand(a.auditCommand(), a.applyCommand(), a.historyCommand(), a.restoreCommand(), a.inventoryCommand(), a.demoCommand(), a.labCommand(), a.policyCommand(), a.endpointsCommand(), a.captureCommand(), versionCommand())
	root.SetOut(a.stdout) // help and completions
	root.SetErr(a.stderr)
	documentAll(root)
	if err := addCompletions(root); err != nil {
		panic(err) // a flag registered twice: a programming error the tests catch
	}
	return root
}

// setup binds every flag of the running command to viper (flags > env > file)
// and configures logging.
func (a *app) setup(cmd *cobra.Command, _ []string) error {
	a.v.SetEnvPrefix("QOSAGENT")
	a.v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	a.v.AutomaticEnv()
	var bindErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err := a.v.BindPFlag(f.Name, f); err != nil {
			bindErr = err
		}
	})
	if bindErr != nil {
		return invalid(bindErr)
	}
	if err := a.readConfig(cmd); err != nil {
		return invalid(err)
	}
	if err := a.checkTyped(cmd); err != nil {
		return invalid(err)
	}
	if err := a.checkRetention(cmd); err != nil {
		return invalid(err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.v.GetString("log-level"))); err != nil {
		return invalid(fmt.Errorf("--log-level %q: expected debug, info, warn or error", a.v.GetString("log-level")))
	}
	opts := &slog.HandlerOptions{Level: level}
	var logOut io.Writer = a.stderr
	if term.IsTerminal(int(a.stderr.Fd())) {
		a.bar = progress.New(a.stderr)
		logOut = a.bar.Writer()
	}
	switch a.v.GetString("log-format") {
	case "text":
		a.log = slog.New(slog.NewTextHandler(logOut, opts))
	case "json":
		a.log = slog.New(slog.NewJSONHandler(logOut, opts))
	default:
		return invalid(fmt.Errorf("--log-format %q: expected text or json", a.v.GetString("log-format")))
	}
	if a.v.GetBool("accept-new-host-keys") {
		a.log.Warn("--accept-new-host-keys: unknown SSH host keys will be recorded without verification (trust on first use)")
	}
	return a.buildRegistry()
}

// source names where a setting's value comes from, for messages: the
// flag, the environment variable or the config file.
func (a *app) source(cmd *cobra.Command, key string) string {
	if f := cmd.Flags().Lookup(key); f != nil && f.Changed {
		return "--" + key
	}
	env := "QOSAGENT_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
	if _, ok := os.LookupEnv(env); ok {
		return env
	}
	if a.v.InConfig(key) {
		return fmt.Sprintf("%s in %s", key, a.v.ConfigFileUsed())
	}
	return "--" + key
}

// checkTyped refuses a number, duration or boolean setting from the
// environment or the config file that does not parse, naming the source
// and the value; viper would read it as zero.
func (a *app) checkTyped(cmd *cobra.Command) error {
	var errs []error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			return // pflag parsed it already
		}
		var parse func(string) error
		switch f.Value.Type() {
		case "int", "int64":
			parse = func(s string) error { _, err := strconv.ParseInt(s, 10, 64); return err }
		case "uint64":
			parse = func(s string) error { _, err := strconv.ParseUint(s, 10, 64); return err }
		case "float64":
			parse = func(s string) error { _, err := strconv.ParseFloat(s, 64); return err }
		case "bool":
			parse = func(s string) error { _, err := strconv.ParseBool(s); return err }
		case "duration":
			parse = func(s string) error { _, err := time.ParseDuration(s); return err }
		default:
			return
		}
		raw := a.v.Get(f.Name)
		if raw == nil {
			return
		}
		val := fmt.Sprint(raw)
		if _, isDur := raw.(time.Duration); isDur {
			return
		}
		if err := parse(val); err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a valid %s (e.g. %s)", a.source(cmd, f.Name), val, f.Value.Type(), example(f.Value.Type())))
		}
	})
	return errors.Join(errs...)
}

func example(typ string) string {
	switch typ {
	case "duration":
		return "30s, 5m"
	case "bool":
		return "true, false"
	case "float64":
		return "0.5"
	}
	return "64"
}

// readConfig reads the config file; a key that is no setting of qosagent
// is an error with the closest name, as in the inventory.
func (a *app) readConfig(cmd *cobra.Command) error {
	path := a.v.GetString("config")
	if path == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return nil
		}
		path = filepath.Join(dir, "qosagent", "config.yaml")
		if _, err := os.Stat(path); err != nil {
			return nil // no default config file: fine
		}
	}
	a.v.SetConfigFile(path)
	a.v.SetConfigType("yaml")
	if err := a.v.ReadInConfig(); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	known := settingNames(cmd.Root())
	var errs []error
	for _, k := range a.v.AllKeys() {
		if !a.v.InConfig(k) {
			continue
		}
		top, _, _ := strings.Cut(k, ".")
		if !slices.Contains(known, top) {
			errs = append(errs, fmt.Errorf("config %s: %s: unknown setting%s; settings are the long flag names (inventory, history, concurrency, ...)", path, top, yamlwalk.Suggest(top, known)))
		}
	}
	return errors.Join(errs...)
}

// settingNames are the long names of every flag of every command: the
// keys a config file may set.
func settingNames(root *cobra.Command) []string {
	var names []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	slices.Sort(names)
	return slices.Compact(names)
}

// loadInventory loads the inventory with the secrets of the switches in
// scope (--site, --switch): a job for one site needs no other site's
// credentials. loadWholeInventory fetches every secret.
func (a *app) loadInventory() (*inventory.Inventory, error) {
	return a.loadInventoryFor(a.names("site"), a.names("switch"))
}

func (a *app) loadWholeInventory() (*inventory.Inventory, error) { return a.loadInventoryFor(nil, nil) }

func (a *app) loadInventoryFor(sites, switches []string) (*inventory.Inventory, error) {
	path := a.v.GetString("inventory")
	inv, err := inventory.Load(path, inventory.Options{Vendors: a.registry.Transports(), Logger: a.log, Sites: sites, Switches: switches})
	if err != nil {
		return nil, invalid(err)
	}
	return inv, nil
}

// loadPolicy picks --preset or --policy, else the inventory's policy:, else
// the default.
func (a *app) loadPolicy(inv *inventory.Inventory) (agent.Policy, error) {
	_, p, ok, err := a.policySource(inv)
	if err != nil || ok {
		return p, err
	}
	return agent.DefaultPolicy(), nil
}

// format resolves --format: table on a terminal, json in pipes and cron.
// html and csv are for the run reports (audit, apply, restore) only.
func (a *app) format() (string, error) {
	return a.formatOf("table", "json")
}

// reportFormat is format for the commands that write a run report.
func (a *app) reportFormat() (string, error) {
	return a.formatOf(reportFormats...)
}

var reportFormats = []string{"table", "json", "html", "csv"}

func (a *app) formatOf(allowed ...string) (string, error) {
	f := a.v.GetString("format")
	if f == "" {
		if term.IsTerminal(int(a.stdout.Fd())) {
			return "table", nil
		}
		return "json", nil
	}
	if !slices.Contains(allowed, f) {
		return "", invalid(fmt.Errorf("--format %q: expected %s", f, orList(allowed)))
	}
	return f, nil
}

// orList renders [a b c] as "a, b or c".
func orList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// writeReport writes the run report in format; with --summary only the
// counts per site and overall (table and json).
func (a *app) writeReport(rep *agent.Report, format string) error {
	return fleetrun.WriteReport(a.stdout, rep, format, a.v.GetBool("summary"))
}

// progress is the progress bar's update function when stderr is a
// terminal (setup made the bar), nil otherwise.
func (a *app) progress() func(done, total, failed int) {
	if a.bar == nil {
		return nil
	}
	return a.bar.Update
}

// engine is an engine for a fleet, paced by --concurrency and
// --site-concurrency.
func (a *app) engine(cmd *cobra.Command, p agent.Policy) (*agent.Engine, error) {
	return fleetrun.Engine(a.options(cmd), p, a.log)
}

// options are the settings of a run, as fleetrun takes them. Only the
// settings cmd has a flag for are read: a QOSAGENT_* variable or config
// key meant for the fleet commands (QOSAGENT_SITE, summary: true) must not
// change a command without that flag, such as restore.
func (a *app) options(cmd *cobra.Command) fleetrun.Options {
	has := func(key string) bool { return cmd.Flag(key) != nil }
	str := func(key string) string {
		if !has(key) {
			return ""
		}
		return a.v.GetString(key)
	}
	num := func(key string) int {
		if !has(key) {
			return 0
		}
		return a.v.GetInt(key)
	}
	dur := func(key string) time.Duration {
		if !has(key) {
			return 0
		}
		return a.v.GetDuration(key)
	}
	list := func(key string) []string {
		if !has(key) {
			return nil
		}
		return a.names(key)
	}
	return fleetrun.Options{
		Inventory:       str("inventory"),
		Sites:           list("site"),
		Switches:        list("switch"),
		Preset:          str("preset"),
		Policy:          str("policy"),
		Summary:         has("summary") && a.v.GetBool("summary"),
		PromTextfile:    str("prom-textfile"),
		History:         str("history"),
		Retention:       a.retention,
		Registry:        a.registry,
		Timeout:         dur("timeout"),
		Concurrency:     num("concurrency"),
		SiteConcurrency: num("site-concurrency"),
		Patience:        dur("patience"),
		SaveTimeout:     dur("save-timeout"),
		Progress:        a.progress(),
		Source:          func(key string) string { return a.source(cmd, key) },
	}
}

// names reads a repeatable list setting (--site, --switch). Flags split on
// commas themselves; values from QOSAGENT_* or the config file come as one
// string that viper splits on white space only, so split those on commas.
func (a *app) names(key string) []string {
	var out []string
	for _, v := range a.v.GetStringSlice(key) {
		for n := range strings.SplitSeq(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

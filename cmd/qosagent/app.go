package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"golang.org/x/term"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/syslimit"
	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/cli"
	"github.com/qosagent/qosagent/vendors/netgear"
)

// Exit codes (README "Exit codes").
const (
	exitOK      = agent.ExitOK
	exitFailed  = agent.ExitError
	exitInvalid = agent.ExitInvalid
)

// exitError carries an exit code up through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func invalid(err error) error { return &exitError{code: exitInvalid, err: err} }
func failed(err error) error  { return &exitError{code: exitFailed, err: err} }

// app holds what one invocation needs; nothing is global.
type app struct {
	stdout, stderr *os.File
	v              *viper.Viper
	log            *slog.Logger
	registry       *vendors.Registry
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
	pf.String("format", "", "report format: table or json (default table on a terminal, json otherwise)")
	pf.String("log-level", "info", "log level on stderr: debug, info, warn, error")
	pf.String("log-format", "text", "log format on stderr: text or json")
	pf.String("history", "", "history store: a SQLite file (default $XDG_STATE_HOME/qosagent/history.db), a postgres:// URL, or none")
	pf.Bool("accept-new-host-keys", false, "SSH: record the host key of a switch not yet in known_hosts (trust on first use; logged); a changed key is always refused")
	root.AddCommand(a.auditCommand(), a.applyCommand(), a.historyCommand(), a.restoreCommand(), a.inventoryCommand(), a.demoCommand(), a.labCommand(), a.policyCommand(), a.endpointsCommand(), versionCommand())
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
	if err := a.readConfig(); err != nil {
		return invalid(err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.v.GetString("log-level"))); err != nil {
		return invalid(fmt.Errorf("--log-level %q: expected debug, info, warn or error", a.v.GetString("log-level")))
	}
	opts := &slog.HandlerOptions{Level: level}
	switch a.v.GetString("log-format") {
	case "text":
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	case "json":
		a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
	default:
		return invalid(fmt.Errorf("--log-format %q: expected text or json", a.v.GetString("log-format")))
	}
	if a.v.GetBool("accept-new-host-keys") {
		a.log.Warn("--accept-new-host-keys: unknown SSH host keys will be recorded without verification (trust on first use)")
	}
	return a.buildRegistry()
}

func (a *app) readConfig() error {
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
	return nil
}

// loadInventory loads and validates the inventory; any error is invalid input.
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
func (a *app) format() (string, error) {
	f := a.v.GetString("format")
	if f == "" {
		if term.IsTerminal(int(a.stdout.Fd())) {
			return "table", nil
		}
		return "json", nil
	}
	if f != "table" && f != "json" {
		return "", invalid(fmt.Errorf("--format %q: expected table or json", f))
	}
	return f, nil
}

func (a *app) writeReport(rep *agent.Report, format string) error {
	var err error
	if format == "json" {
		err = rep.WriteJSON(a.stdout)
	} else {
		err = rep.WriteTable(a.stdout)
	}
	if err != nil {
		return failed(fmt.Errorf("write report: %w", err))
	}
	return nil
}

// progress draws a progress bar on stderr when it is a terminal: switches
// done of total, errors so far, ETA. Redraws are throttled so a fleet of
// thousands does not flood the terminal; off a terminal it draws nothing.
func (a *app) progress() func(done, total, failed int) {
	if !term.IsTerminal(int(a.stderr.Fd())) {
		return nil
	}
	start := time.Now()
	var last time.Time
	return func(done, total, failedN int) {
		if done < total && time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		fmt.Fprint(a.stderr, "\r\033[K"+progressLine(done, total, failedN, time.Since(start)))
		if done == total {
			fmt.Fprintln(a.stderr)
		}
	}
}

// progressLine renders "[#####.....] 50/100 switches, 2 errors, ETA 3s".
func progressLine(done, total, failed int, elapsed time.Duration) string {
	const width = 30
	filled := 0
	if total > 0 {
		filled = done * width / total
	}
	eta := ""
	if done > 0 && done < total {
		left := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
		eta = ", ETA " + left.Round(time.Second).String()
	}
	return fmt.Sprintf("[%s%s] %d/%d switches, %d errors%s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, failed, eta)
}

// switchEngine is an engine for one switch (restore): no fleet pacing.
func (a *app) switchEngine(p agent.Policy) (*agent.Engine, error) {
	t := a.v.GetDuration("timeout")
	if t <= 0 {
		return nil, invalid(fmt.Errorf("--timeout %s: expected a positive duration", t))
	}
	return &agent.Engine{Registry: a.registry, Policy: p, Concurrency: 1, Timeout: t, Logger: a.log, Progress: a.progress()}, nil
}

// engine is an engine for a fleet, paced by --concurrency and
// --site-concurrency.
func (a *app) engine(p agent.Policy) (*agent.Engine, error) {
	eng, err := a.switchEngine(p)
	if err != nil {
		return nil, err
	}
	c := a.v.GetInt("concurrency")
	if c < 1 || c > 4096 {
		return nil, invalid(fmt.Errorf("--concurrency %d: expected 1..4096", c))
	}
	sc := a.v.GetInt("site-concurrency")
	if sc < 0 || sc > c {
		return nil, invalid(fmt.Errorf("--site-concurrency %d: expected 0..%d (--concurrency)", sc, c))
	}
	eng.Concurrency, eng.SiteConcurrency = c, sc
	// A fleet's results wait for the report on disk, not in memory.
	eng.Spool = true
	return eng, nil
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

// fleet loads inventory and policy, selects the switches in scope and builds
// the engine; every error is invalid input and nothing is contacted.
func (a *app) fleet() ([]inventory.Switch, *agent.Engine, error) {
	inv, err := a.loadInventory()
	if err != nil {
		return nil, nil, err
	}
	p, err := a.loadPolicy(inv)
	if err != nil {
		return nil, nil, err
	}
	sws, err := inv.Select(a.names("site"), a.names("switch"))
	if err != nil {
		return nil, nil, invalid(err)
	}
	if len(sws) == 0 {
		return nil, nil, invalid(errors.New("no switch in scope"))
	}
	eng, err := a.engine(p)
	if err != nil {
		return nil, nil, err
	}
	// Before any switch is contacted: a run that would run out of open
	// files or local ports half-way fails now, naming the limit.
	if lim, err := syslimit.Read(); err == nil {
		if err := lim.Check(eng.Concurrency, len(sws)); err != nil {
			return nil, nil, invalid(err)
		}
	}
	return sws, eng, nil
}

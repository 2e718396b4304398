package fleetrun

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/netgear"
)

// options are valid settings for a two-switch inventory whose addresses
// (TEST-NET-1) nothing answers; the tests stop every run before a switch
// is contacted.
func options(t *testing.T) Options {
	t.Helper()
	t.Setenv("FLEETRUN_TEST_COMMUNITY", "private")
	path := filepath.Join(t.TempDir(), "inventory.yaml")
	inv := strings.Join([]string{
		"defaults:",
		"  snmp: { version: 2c, community_env: FLEETRUN_TEST_COMMUNITY }",
		"sites:",
		"  lab:",
		"    switches:",
		"      - { name: lab-sw1, vendor: netgear-gs110tp, address: 192.0.2.10 }",
		"      - { name: lab-sw2, vendor: netgear-gs110tp, address: 192.0.2.11 }",
		"",
	}, "\n")
	if err := os.WriteFile(path, []byte(inv), 0o600); err != nil {
		t.Fatal(err)
	}
	return Options{
		Inventory:   path,
		Format:      "csv",
		History:     "none",
		Registry:    vendors.NewRegistry(netgear.Platform()),
		Timeout:     time.Second,
		Concurrency: 4,
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// checkExit checks the exit code and that err is an *ExitError of that
// code whose message holds want.
func checkExit(t *testing.T, code int, err error, wantCode int, want string) {
	t.Helper()
	var ex *ExitError
	if !errors.As(err, &ex) {
		t.Fatalf("err = %v (%T), want an *ExitError", err, err)
	}
	if code != wantCode || ex.Code != wantCode {
		t.Errorf("exit %d, error's code %d; want %d", code, ex.Code, wantCode)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q, want it to hold %q", err, want)
	}
}

func TestStoppedBeforeSwitchesAreKnown(t *testing.T) {
	tests := []struct {
		name string
		run  func(o Options, w io.Writer) (int, error)
		want string
	}{
		{"audit without inventory", func(o Options, w io.Writer) (int, error) {
			o.Inventory = filepath.Join(t.TempDir(), "missing.yaml")
			return Audit(context.Background(), o, w, quiet)
		}, "missing.yaml"},
		{"audit of an unknown site", func(o Options, w io.Writer) (int, error) {
			o.Sites = []string{"labb"}
			return Audit(context.Background(), o, w, quiet)
		}, `unknown site "labb"`},
		{"apply without scope", func(o Options, w io.Writer) (int, error) {
			return Apply(context.Background(), ApplyOptions{Options: o}, w, quiet)
		}, "apply needs --site, --switch or --all"},
		{"apply with --all and a site", func(o Options, w io.Writer) (int, error) {
			o.Sites = []string{"lab"}
			return Apply(context.Background(), ApplyOptions{Options: o, All: true}, w, quiet)
		}, "(and --all alone)"},
		{"restore without run", func(o Options, w io.Writer) (int, error) {
			return Restore(context.Background(), RestoreOptions{Options: o, Switch: "lab-sw1"}, w, quiet)
		}, "restore needs --switch NAME and --run RUN_ID"},
		{"restore of an unknown switch", func(o Options, w io.Writer) (int, error) {
			return Restore(context.Background(), RestoreOptions{Options: o, Switch: "lab-sw9", Run: 1}, w, quiet)
		}, `unknown switch "lab-sw9"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w bytes.Buffer
			code, err := tt.run(options(t), &w)
			checkExit(t, code, err, agent.ExitInvalid, tt.want)
			if w.Len() != 0 {
				t.Errorf("no switch is known, so no report; got %q", w.String())
			}
		})
	}
}

// Once the switches in scope are known, a run stopped before contacting
// them still writes its report, every switch skipped with the reason.
func TestStoppedAfterSwitchesAreKnown(t *testing.T) {
	tests := []struct {
		name     string
		run      func(o Options, w io.Writer) (int, error)
		wantCode int
		want     string
	}{
		{"audit with a bad concurrency from the environment", func(o Options, w io.Writer) (int, error) {
			o.Concurrency = 0
			o.Source = func(s string) string { return "QOSAGENT_" + strings.ToUpper(s) }
			return Audit(context.Background(), o, w, quiet)
		}, agent.ExitInvalid, "QOSAGENT_CONCURRENCY 0: expected 1..4096"},
		{"audit with site concurrency above concurrency", func(o Options, w io.Writer) (int, error) {
			o.SiteConcurrency = 5
			return Audit(context.Background(), o, w, quiet)
		}, agent.ExitInvalid, "--site-concurrency 5: expected 0..4 (the concurrency)"},
		{"audit with too much patience", func(o Options, w io.Writer) (int, error) {
			o.Patience = time.Hour
			return Audit(context.Background(), o, w, quiet)
		}, agent.ExitInvalid, "--patience 1h0m0s: expected 0 (the inventory's) up to 30m"},
		{"apply without history", func(o Options, w io.Writer) (int, error) {
			return Apply(context.Background(), ApplyOptions{Options: o, All: true}, w, quiet)
		}, agent.ExitInvalid, "--history none: apply keeps its backups"},
		{"restore without history", func(o Options, w io.Writer) (int, error) {
			return Restore(context.Background(), RestoreOptions{Options: o, Switch: "lab-sw2", Run: 7}, w, quiet)
		}, agent.ExitInvalid, "--history none: restore reads its backup"},
		{"restore with no timeout", func(o Options, w io.Writer) (int, error) {
			o.Timeout = 0
			return Restore(context.Background(), RestoreOptions{Options: o, Switch: "lab-sw2", Run: 7}, w, quiet)
		}, agent.ExitInvalid, "--timeout 0s: expected a positive duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w bytes.Buffer
			code, err := tt.run(options(t), &w)
			checkExit(t, code, err, tt.wantCode, tt.want)
			out := w.String()
			// A restore's scope is its one switch (lab-sw2).
			inScope := map[string]bool{"lab-sw1": !strings.HasPrefix(tt.name, "restore"), "lab-sw2": true}
			for sw, want := range inScope {
				if strings.Contains(out, sw) != want {
					t.Errorf("report lists %s: %v, want %v:\n%s", sw, !want, want, out)
				}
			}
			if !strings.Contains(out, "skipped") || !strings.Contains(out, tt.want) {
				t.Errorf("report does not skip the switches with the reason %q:\n%s", tt.want, out)
			}
		})
	}
}

func TestScope(t *testing.T) {
	tests := []struct {
		sites, switches []string
		want            string
	}{
		{nil, nil, "all"},
		{[]string{"lab", "dc"}, nil, "site=lab,dc"},
		{nil, []string{"sw1"}, "switch=sw1"},
		{[]string{"lab"}, []string{"sw1", "sw2"}, "site=lab switch=sw1,sw2"},
	}
	for _, tt := range tests {
		if got := (Options{Sites: tt.sites, Switches: tt.switches}).scope(); got != tt.want {
			t.Errorf("scope(%v, %v) = %q, want %q", tt.sites, tt.switches, got, tt.want)
		}
	}
}

func TestWriteReportFormats(t *testing.T) {
	rep := agent.SkippedReport("audit", false, agent.DefaultPolicy(), nil, "x", time.Unix(0, 0))
	writers := map[string]func(io.Writer) error{
		"table":         rep.WriteTable,
		"json":          rep.WriteJSON,
		"html":          rep.WriteHTML,
		"csv":           rep.WriteCSV,
		"table summary": rep.WriteSummaryTable,
		"json summary":  rep.WriteSummaryJSON,
	}
	for name, write := range writers {
		format, summary := strings.CutSuffix(name, " summary")
		var got, want bytes.Buffer
		if err := WriteReport(&got, rep, format, summary); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := write(&want); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: WriteReport wrote another writer's output", name)
		}
	}
}

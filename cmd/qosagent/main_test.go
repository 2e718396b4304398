package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/history"
	"github.com/qosagent/qosagent/agent/record"
	"github.com/qosagent/qosagent/internal/lab"
	"github.com/qosagent/qosagent/internal/sim"
)

// qosagent runs the CLI in-process and returns exit code, stdout and stderr.
func qosagent(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	out, _ := os.Create(filepath.Join(dir, "stdout"))
	errf, _ := os.Create(filepath.Join(dir, "stderr"))
	defer out.Close()
	defer errf.Close()
	// One state and config folder per test, shared by its runs, so a run
	// finds the history of the runs before it.
	if os.Getenv("QOSAGENT_TEST_STATE") != t.Name() {
		base := t.TempDir()
		t.Setenv("XDG_STATE_HOME", filepath.Join(base, "state"))
		t.Setenv("XDG_CONFIG_HOME", filepath.Join(base, "config"))
		t.Setenv("QOSAGENT_TEST_STATE", t.Name())
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	code := run(args, out, errf)
	o, _ := os.ReadFile(out.Name())
	e, _ := os.ReadFile(errf.Name())
	return code, string(o), string(e)
}

func startLab(t *testing.T, n int) (*lab.Lab, string) {
	t.Helper()
	l, err := lab.Start(context.Background(), lab.Config{SNMP: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	path := filepath.Join(t.TempDir(), "lab.yaml")
	if err := l.WriteInventory(path); err != nil {
		t.Fatal(err)
	}
	return l, path
}

func requests(l *lab.Lab) uint64 {
	var n uint64
	for _, s := range l.Switches {
		st := s.Stats()
		n += st.Get + st.GetNext + st.GetBulk + st.Set + st.Dropped
	}
	return n
}

func TestAuditApplyAuditExitCodes(t *testing.T) {
	l, inv := startLab(t, 3)

	code, out, errOut := qosagent(t, nil, "audit", "-i", inv, "--format", "json")
	if code != agent.ExitDrift {
		t.Fatalf("audit exit %d, stderr %s", code, errOut)
	}
	var rep agent.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("audit json: %v\n%s", err, out)
	}
	if rep.Summary.Drift != 3 || len(rep.Switches[0].DSCPMap) != 64 || rep.Switches[0].DSCPMap[46] != 2 {
		t.Fatalf("audit report: %+v", rep.Summary)
	}

	if code, _, errOut := qosagent(t, nil, "apply", "-i", inv); code != agent.ExitInvalid || !strings.Contains(errOut, "--site, --switch or --all") {
		t.Fatalf("apply without scope: exit %d, %s", code, errOut)
	}
	if code, _, errOut := qosagent(t, nil, "apply", "-i", inv, "--site", "nosuch"); code != agent.ExitInvalid || !strings.Contains(errOut, "nosuch") {
		t.Fatalf("apply unknown site: exit %d, %s", code, errOut)
	}
	code, out, errOut = qosagent(t, nil, "apply", "-i", inv, "--site", "lab", "--dry-run", "--format", "table")
	if code != agent.ExitDrift || !strings.Contains(out, "plan: dscp 46 (EF) queue 2 -> 3") {
		t.Fatalf("dry run exit %d:\n%s\n%s", code, out, errOut)
	}
	if l.Switches[0].DSCPMap()[46] != 2 {
		t.Fatal("dry run wrote")
	}
	code, out, errOut = qosagent(t, map[string]string{"QOSAGENT_FORMAT": "json"}, "apply", "-i", inv, "--site", "lab")
	if code != agent.ExitOK {
		t.Fatalf("apply exit %d:\n%s\n%s", code, out, errOut)
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Summary.Changed != 3 {
		t.Fatalf("apply report (QOSAGENT_FORMAT=json): %v %+v", err, rep.Summary)
	}
	if b := rep.Switches[0].Backup; !strings.HasPrefix(b, "history run ") {
		t.Fatalf("backup %q", b)
	}
	db := filepath.Join(os.Getenv("XDG_STATE_HOME"), "qosagent", "history.db")
	if fi, err := os.Stat(db); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("history %s: %v %v", db, fi, err)
	}
	if code, _, _ := qosagent(t, nil, "audit", "-i", inv, "--switch", "lab-sw2", "--format", "json"); code != agent.ExitOK {
		t.Fatalf("re-audit exit %d", code)
	}

	// The history shows the runs and lab-sw1's timeline.
	code, out, errOut = qosagent(t, nil, "history", "--format", "json")
	var runs []struct {
		ID      int64
		Command string
	}
	if code != 0 || json.Unmarshal([]byte(out), &runs) != nil || len(runs) != 4 || runs[0].Command != "audit" || runs[1].Command != "apply" {
		t.Fatalf("history: exit %d %s %s", code, out, errOut)
	}
	applyRun := runs[1].ID
	code, out, _ = qosagent(t, nil, "history", "--switch", "lab-sw1", "--format", "table")
	if code != 0 || !strings.Contains(out, "changed") || !strings.Contains(out, "drift") {
		t.Fatalf("timeline: %s", out)
	}
	code, out, _ = qosagent(t, nil, "history", "--drifted", "--since", "1h", "--format", "table")
	if code != 0 || !strings.Contains(out, "lab-sw1") || strings.Contains(out, "still drifted") {
		t.Fatalf("drifted: %s", out)
	}

	// Restore lab-sw1 to the backup the apply took: the factory map.
	// Fleet settings from the environment do not apply to a restore: no
	// refusal over --site-concurrency, no metrics file replaced, no other
	// site narrowing whose secrets are fetched, no summary for a report.
	prom := filepath.Join(t.TempDir(), "restore.prom")
	if code, out, errOut := qosagent(t, map[string]string{"QOSAGENT_SITE_CONCURRENCY": "4", "QOSAGENT_PROM_TEXTFILE": prom,
		"QOSAGENT_SITE": "elsewhere", "QOSAGENT_SUMMARY": "true"}, "restore", "-i", inv, "--switch", "lab-sw1", "--run", fmt.Sprint(applyRun), "--dry-run", "--format", "table"); code != agent.ExitDrift || !strings.Contains(out, "dscp 46 (EF) queue 3 -> 2") {
		t.Fatalf("restore dry run: %d\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(prom); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("restore wrote the metrics file: %v", err)
	}

	if code, out, errOut := qosagent(t, nil, "restore", "-i", inv, "--switch", "lab-sw1", "--run", fmt.Sprint(applyRun), "--format", "table"); code != agent.ExitOK {
		t.Fatalf("restore: %d\n%s\n%s", code, out, errOut)
	}
	if l.Switches[0].DSCPMap()[46] != 2 || l.Switches[0].DSCPMap() != sim.NewGS110TP("x").DSCPMap() || !l.Switches[0].Saved() {
		t.Fatal("restore did not bring lab-sw1 back to its backup")
	}
	if code, _, errOut := qosagent(t, nil, "restore", "-i", inv, "--switch", "lab-sw2", "--run", "999"); code != agent.ExitInvalid || !strings.Contains(errOut, "run 999 does not exist") {
		t.Fatalf("restore unknown run: %d %s", code, errOut)
	}
}

func TestApplyLockedSite(t *testing.T) {
	_, inv := startLab(t, 1)
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	store, err := history.Open(context.Background(), db, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	unlock, err := store.Lock(context.Background(), record.LockKey("lab"), 0)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := qosagent(t, nil, "apply", "-i", inv, "--all", "--history", db, "--format", "json")
	if code != agent.ExitError || !strings.Contains(errOut, "site lab is being written by another qosagent (pid "+fmt.Sprint(os.Getpid())) {
		t.Fatalf("locked apply: exit %d %s", code, errOut)
	}
	// The report is on stdout all the same: every switch skipped, with why.
	var rep struct {
		Command  string
		Summary  map[string]int
		Switches []struct {
			Name, Status, Reason string
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report of a refused apply: %v\n%q", err, out)
	}
	if rep.Command != "apply" || len(rep.Switches) != 1 || rep.Switches[0].Name != "lab-sw1" || rep.Switches[0].Status != "skipped" ||
		!strings.Contains(rep.Switches[0].Reason, "site lab is being written by another qosagent") || rep.Summary["skipped"] != 1 || rep.Summary["switches"] != 1 {
		t.Fatalf("report of a refused apply: %+v\n%s", rep, out)
	}
	// An audit does not need the lock.
	if code, _, errOut := qosagent(t, nil, "audit", "-i", inv, "--history", db, "--format", "json"); code != agent.ExitDrift {
		t.Fatalf("audit under lock: %d %s", code, errOut)
	}
	go func() { time.Sleep(300 * time.Millisecond); unlock() }()
	if code, _, errOut := qosagent(t, nil, "apply", "-i", inv, "--all", "--history", db, "--wait-lock", "20s", "--format", "json"); code != agent.ExitOK {
		t.Fatalf("apply --wait-lock: exit %d %s", code, errOut)
	}
}

func TestInvalidInputContactsNothing(t *testing.T) {
	l, inv := startLab(t, 2)
	data, _ := os.ReadFile(inv)
	dir := filepath.Dir(inv)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(string(data), "vendor: netgear-gs110tp", "vendor: netgear-gs110tx", 1)), 0o600)
	badPolicy := filepath.Join(dir, "policy.yaml")
	os.WriteFile(badPolicy, []byte("classes: [{name: a, dscp: [46]}, {name: b, dscp: [64]}]\n"), 0o600)

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown vendor", []string{"apply", "-i", bad, "--all"}, `vendor "netgear-gs110tx" is unknown`},
		{"bad policy", []string{"apply", "-i", inv, "--all", "--policy", badPolicy}, "dscp 64 is out of range"},
		{"missing inventory", []string{"audit", "-i", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{"bad format", []string{"audit", "-i", inv, "--format", "xml"}, `--format "xml"`},
		{"bad concurrency", []string{"audit", "-i", inv, "--concurrency", "0"}, "--concurrency 0"},
		{"unknown flag", []string{"audit", "--frobnicate"}, "unknown flag"},
		{"validate", []string{"inventory", "validate", "-i", bad}, "bad.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := qosagent(t, nil, c.args...)
			if code != agent.ExitInvalid || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q; want 3 and %q", code, errOut, c.want)
			}
		})
	}
	if n := requests(l); n != 0 {
		t.Fatalf("invalid input still sent %d requests", n)
	}
}

func TestInventoryListMasksSecrets(t *testing.T) {
	_, inv := startLab(t, 1)
	secret, _ := os.ReadFile(strings.TrimSuffix(inv, ".yaml") + ".community")
	for _, format := range []string{"table", "json"} {
		code, out, errOut := qosagent(t, nil, "inventory", "list", "-i", inv, "--format", format)
		if code != 0 || !strings.Contains(out, "lab-sw1") {
			t.Fatalf("%s: exit %d %s %s", format, code, out, errOut)
		}
		if strings.Contains(out+errOut, strings.TrimSpace(string(secret))) {
			t.Fatalf("%s: community printed:\n%s", format, out)
		}
	}
	if code, out, _ := qosagent(t, nil, "inventory", "validate", "-i", inv); code != 0 || !strings.Contains(out, "ok: 1 sites, 1 switches") {
		t.Fatalf("validate: %d %s", code, out)
	}
}

func TestDemo(t *testing.T) {
	code, out, errOut := qosagent(t, nil, "demo", "--format", "table")
	if code != 0 || !strings.Contains(out, "6 switches: 6 compliant") {
		t.Fatalf("demo exit %d:\n%s\n%s", code, out, errOut)
	}
}

func TestConfigFileBelowEnvBelowFlags(t *testing.T) {
	_, inv := startLab(t, 1)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("inventory: "+inv+"\nformat: xml\n"), 0o600)
	// The file's bad format is overridden by the environment...
	if code, out, errOut := qosagent(t, map[string]string{"QOSAGENT_FORMAT": "json"}, "audit", "--config", cfg); code != agent.ExitDrift || !strings.HasPrefix(out, "{") {
		t.Fatalf("env over file: exit %d %s %s", code, out, errOut)
	}
	// ...and the environment by the flag.
	if code, out, _ := qosagent(t, map[string]string{"QOSAGENT_FORMAT": "xml"}, "audit", "--config", cfg, "--format", "table"); code != agent.ExitDrift || !strings.HasPrefix(out, "SITE") {
		t.Fatalf("flag over env: exit %d %s", code, out)
	}
	// The file alone is used when nothing overrides it.
	if code, _, errOut := qosagent(t, nil, "audit", "--config", cfg); code != agent.ExitInvalid || !strings.Contains(errOut, `"xml"`) {
		t.Fatalf("file: exit %d %s", code, errOut)
	}
}

// TestNameListsFromEnvAndFile: --site and --switch take comma-separated
// lists from QOSAGENT_* and the config file too, not only as flags.
func TestNameListsFromEnvAndFile(t *testing.T) {
	_, inv := startLab(t, 3)
	count := func(env map[string]string, args ...string) int {
		t.Helper()
		code, out, errOut := qosagent(t, env, append([]string{"audit", "-i", inv, "--format", "json"}, args...)...)
		var rep agent.Report
		if code != agent.ExitDrift || json.Unmarshal([]byte(out), &rep) != nil {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return len(rep.Switches)
	}
	if n := count(map[string]string{"QOSAGENT_SWITCH": "lab-sw1,lab-sw3"}); n != 2 {
		t.Errorf("QOSAGENT_SWITCH=lab-sw1,lab-sw3: %d switches, want 2", n)
	}
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("switch: lab-sw2, lab-sw3\nsite: lab\n"), 0o600)
	if n := count(nil, "--config", cfg); n != 2 {
		t.Errorf("config switch: lab-sw2, lab-sw3: %d switches, want 2", n)
	}
	if n := count(nil, "--switch", "lab-sw1,lab-sw2", "--switch", "lab-sw3"); n != 3 {
		t.Errorf("flags: %d switches, want 3", n)
	}
}

func TestHistoryDoesNotCreateADatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "typo", "histroy.db")
	for _, args := range [][]string{{"history", "--history", db}, {"history", "--switch", "sw1", "--history", db}} {
		code, _, errOut := qosagent(t, nil, args...)
		if code != agent.ExitError || !strings.Contains(errOut, "no history at "+db) {
			t.Fatalf("%v: exit %d, %s", args, code, errOut)
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("history created %s: %v", db, err)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"24h", now.Add(-24 * time.Hour), false},
		{"90m", now.Add(-90 * time.Minute), false},
		{"7d", now.Add(-7 * 24 * time.Hour), false},
		{"0d", now, false},
		{"2026-11-20T08:00:00Z", time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), false},
		{"-1h", time.Time{}, true},
		{"-2d", time.Time{}, true},
		{"yesterday", time.Time{}, true},
		{"7", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := parseSince(tt.in, now)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestAuditRunsWithoutHistory: a history that cannot be opened is logged
// and the audit still reports, so monitoring does not go blind.
func TestAuditRunsWithoutHistory(t *testing.T) {
	_, inv := startLab(t, 1)
	bad := filepath.Join(t.TempDir(), "file")
	os.WriteFile(bad, nil, 0o600)
	code, out, errOut := qosagent(t, nil, "audit", "-i", inv, "--format", "json", "--history", filepath.Join(bad, "history.db"))
	var rep agent.Report
	if code != agent.ExitDrift || json.Unmarshal([]byte(out), &rep) != nil || rep.Summary.Drift != 1 || !strings.Contains(errOut, "audit runs without history") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

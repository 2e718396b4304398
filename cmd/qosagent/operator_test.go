package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/agent/history"
	"github.com/qosagent/qosagent/internal/lab"
	"github.com/qosagent/qosagent/internal/ptytest"
	"github.com/qosagent/qosagent/mibs"
)

// TestHistoryRecordsTheProcessExitCode: a metrics file that cannot be
// written makes the run exit 2, and the history says 2, not the report's 1.
func TestHistoryRecordsTheProcessExitCode(t *testing.T) {
	_, inv := startLab(t, 1)
	prom := filepath.Join(t.TempDir(), "missing-dir", "qosagent.prom")
	code, _, errOut := qosagent(t, nil, "audit", "-i", inv, "--format", "json", "--prom-textfile", prom)
	if code != agent.ExitError {
		t.Fatalf("audit with an unwritable metrics file: exit %d, want 2\n%s", code, errOut)
	}
	code, out, errOut := qosagent(t, nil, "history", "--format", "json")
	if code != 0 {
		t.Fatalf("history: exit %d %s", code, errOut)
	}
	var runs []struct {
		ExitCode *int `json:"exit_code"`
	}
	if err := json.Unmarshal([]byte(out), &runs); err != nil || len(runs) != 1 || runs[0].ExitCode == nil {
		t.Fatalf("history: %v\n%s", err, out)
	}
	if *runs[0].ExitCode != agent.ExitError {
		t.Fatalf("history says exit %d, the process returned %d", *runs[0].ExitCode, code)
	}
}

// TestDryRunListsTheExactCommands: a dry run's JSON carries, per switch,
// the CLI lines or SNMP varbinds apply would send, and the rollback's; the
// table lists them too.
func TestDryRunListsTheExactCommands(t *testing.T) {
	l, err := lab.Start(context.Background(), lab.Config{SNMP: 1, CLI: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	inv := filepath.Join(t.TempDir(), "lab.yaml")
	if err := l.WriteInventory(inv); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := qosagent(t, nil, "apply", "-i", inv, "--all", "--dry-run", "--format", "json")
	if code != agent.ExitDrift {
		t.Fatalf("dry run: exit %d\n%s", code, errOut)
	}
	var rep agent.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"netgear-gs110tp": {"SET 1.3.6.1.4.1.4526.11.", "Gauge32 3"},
		"cisco-ios":       {"configure terminal", "mls qos", "srr-queue", "end", "copy running-config startup-config"},
	}
	for _, sw := range rep.Switches {
		all := strings.Join(sw.Commands, "\n")
		for _, w := range want[sw.Vendor] {
			if !strings.Contains(all, w) {
				t.Errorf("%s: commands lack %q:\n%s", sw.Name, w, all)
			}
		}
		if len(sw.RollbackCommands) == 0 {
			t.Errorf("%s: no rollback commands", sw.Name)
		}
	}
	_, table, _ := qosagent(t, nil, "apply", "-i", inv, "--all", "--dry-run", "--format", "table")
	if !strings.Contains(table, "send: mls qos") || !strings.Contains(table, "rollback: ") {
		t.Errorf("the dry-run table does not list the commands:\n%s", table)
	}
}

// TestBadSettingsNameTheirSource: a setting that does not parse names the
// environment variable or config file it came from and the value, and an
// unknown config key is refused with the closest name.
func TestBadSettingsNameTheirSource(t *testing.T) {
	_, inv := startLab(t, 1)
	dir := t.TempDir()
	lots := filepath.Join(dir, "lots.yaml")
	os.WriteFile(lots, []byte("concurrency: lots\n"), 0o600)
	typo := filepath.Join(dir, "typo.yaml")
	os.WriteFile(typo, []byte("concurrncy: 3\n"), 0o600)
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"env", map[string]string{"QOSAGENT_CONCURRENCY": "abc"}, []string{"audit", "-i", inv}, `QOSAGENT_CONCURRENCY: "abc" is not a valid int`},
		{"env range", map[string]string{"QOSAGENT_CONCURRENCY": "0"}, []string{"audit", "-i", inv}, `QOSAGENT_CONCURRENCY 0: expected 1..4096`},
		{"file", nil, []string{"audit", "-i", inv, "--config", lots}, `concurrency in ` + lots + `: "lots" is not a valid int`},
		{"unknown key", nil, []string{"audit", "-i", inv, "--config", typo}, `concurrncy: unknown setting (did you mean "concurrency"?)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := qosagent(t, c.env, c.args...)
			if code != agent.ExitInvalid || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q; want 3 and %q", code, errOut, c.want)
			}
		})
	}
}

// TestProgressBarAndLogsOnATerminal: with stderr on a terminal, no log
// line is written onto the progress bar's line.
func TestProgressBarAndLogsOnATerminal(t *testing.T) {
	master, tty, err := ptytest.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer master.Close()
	var got bytes.Buffer
	read := make(chan struct{})
	go func() { io.Copy(&got, master); close(read) }()

	_, inv := startLab(t, 12)
	out, _ := os.Create(filepath.Join(t.TempDir(), "stdout"))
	defer out.Close()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	code := run([]string{"apply", "-i", inv, "--all", "--format", "json", "--log-level", "debug", "--concurrency", "2"}, out, tty)
	tty.Close()
	<-read
	if code != agent.ExitOK {
		t.Fatalf("apply: exit %d\n%s", code, got.String())
	}
	screen := got.String()
	if !strings.Contains(screen, "switches, 0 errors") || !strings.Contains(screen, "msg=writing") {
		t.Fatalf("expected both the bar and log lines on the terminal:\n%q", screen)
	}
	for _, line := range strings.Split(screen, "\n") {
		// What stays visible of a line is what follows its last carriage
		// return (the bar is redrawn after "\r" and an erase).
		visible := line[strings.LastIndex(line, "\r")+1:]
		if strings.Contains(visible, "switches, ") && strings.Contains(visible, "level=") {
			t.Fatalf("a log line shares the bar's line: %q", visible)
		}
	}
}

// TestHistoryShowPruneAndRestoreOfAMissingRun: history show prints a run
// and which switches it backed up, history --switch marks the runs that
// hold a backup, restore of a run that does not exist says so, and prune
// keeps the run that holds a switch's newest backup.
func TestHistoryShowPruneAndRestoreOfAMissingRun(t *testing.T) {
	_, inv := startLab(t, 2)
	if code, _, errOut := qosagent(t, nil, "apply", "-i", inv, "--all", "--format", "json"); code != 0 {
		t.Fatalf("apply: exit %d %s", code, errOut)
	}
	if code, _, errOut := qosagent(t, nil, "audit", "-i", inv, "--format", "json"); code != 0 {
		t.Fatalf("audit: exit %d %s", code, errOut)
	}
	code, out, errOut := qosagent(t, nil, "history", "show", "1", "--format", "table")
	if code != 0 || !strings.Contains(out, "apply") || !strings.Contains(out, "lab-sw2") || !strings.Contains(out, "yes (restore --run 1)") {
		t.Fatalf("history show 1: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = qosagent(t, nil, "history", "show", "1", "--format", "json")
	var shown struct {
		Run      struct{ ID int64 }
		Switches []struct {
			Switch string
			Backup bool
			Result json.RawMessage
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil || shown.Run.ID != 1 || len(shown.Switches) != 2 || !shown.Switches[0].Backup || len(shown.Switches[0].Result) == 0 {
		t.Fatalf("history show 1 --format json: exit %d\n%s", code, out)
	}
	code, out, _ = qosagent(t, nil, "history", "--switch", "lab-sw1", "--format", "table")
	if code != 0 || strings.Count(out, "yes (restore --run 1)") != 1 {
		t.Fatalf("history --switch:\n%s", out)
	}
	if code, _, errOut := qosagent(t, nil, "history", "show", "999"); code != agent.ExitInvalid || !strings.Contains(errOut, "run 999 does not exist") {
		t.Fatalf("history show 999: exit %d %s", code, errOut)
	}
	if code, _, errOut := qosagent(t, nil, "restore", "-i", inv, "--switch", "lab-sw1", "--run", "999"); code != agent.ExitInvalid || !strings.Contains(errOut, "run 999 does not exist") {
		t.Fatalf("restore --run 999: exit %d %s", code, errOut)
	}
	// Stopped after the inventory loaded: the report is on stdout all the
	// same, the switch skipped with why.
	code, out, errOut = qosagent(t, nil, "restore", "-i", inv, "--switch", "lab-sw1", "--run", "999", "--format", "json")
	var skipped struct {
		Command  string
		Switches []struct{ Name, Status, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &skipped); err != nil || code != agent.ExitInvalid || skipped.Command != "restore" || len(skipped.Switches) != 1 ||
		skipped.Switches[0].Status != "skipped" || !strings.Contains(skipped.Switches[0].Reason, "run 999 does not exist") {
		t.Fatalf("restore --run 999 --format json: exit %d, %v\n%q\n%s", code, err, out, errOut)
	}
	if code, _, errOut := qosagent(t, nil, "history", "prune"); code != agent.ExitInvalid || !strings.Contains(errOut, "--older-than") {
		t.Fatalf("prune without --older-than: exit %d %s", code, errOut)
	}
	// Everything is older than 0s... but a negative or zero age is refused;
	// 1ns prunes every run but the apply that holds the newest backups.
	code, out, errOut = qosagent(t, nil, "history", "prune", "--older-than", "1ns")
	if code != 0 || !strings.Contains(out, "pruned 1 runs") || !strings.Contains(out, "kept 1 older runs") {
		t.Fatalf("prune: exit %d %s %s", code, out, errOut)
	}
	if code, _, errOut := qosagent(t, nil, "restore", "-i", inv, "--switch", "lab-sw1", "--run", "1", "--dry-run", "--format", "json"); code != agent.ExitDrift {
		t.Fatalf("restore from the kept run: exit %d %s", code, errOut)
	}
	if code, _, errOut := qosagent(t, nil, "audit", "-i", inv, "--format", "json", "--history-retention", "lots"); code != agent.ExitInvalid || !strings.Contains(errOut, `--history-retention "lots"`) {
		t.Fatalf("bad retention: exit %d %s", code, errOut)
	}
}

// TestLabSNMPv3: a lab started with SNMP version 3 answers only its v3
// user at authPriv, and qosagent audits and fixes it through the
// inventory the lab writes.
func TestLabSNMPv3(t *testing.T) {
	l, err := lab.Start(context.Background(), lab.Config{SNMP: 2, SNMPVersion: "3"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	inv := filepath.Join(t.TempDir(), "lab.yaml")
	if err := l.WriteInventory(inv); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := qosagent(t, nil, "inventory", "list", "-i", inv, "--format", "table")
	if code != 0 || !strings.Contains(out, "v3 user "+lab.V3User+" authPriv") {
		t.Fatalf("inventory list: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := qosagent(t, nil, "audit", "-i", inv, "--format", "json"); code != agent.ExitDrift {
		t.Fatalf("audit over v3: exit %d %s", code, errOut)
	}
	if code, _, errOut := qosagent(t, nil, "apply", "-i", inv, "--all", "--format", "json"); code != agent.ExitOK {
		t.Fatalf("apply over v3: exit %d %s", code, errOut)
	}
}

// TestInventoryValidateFilesAndConnect: validate refuses a known_hosts or
// key file that is missing, and --connect reaches every switch read-only
// and reports per switch, exit 2 when one is not reached.
func TestInventoryValidateFilesAndConnect(t *testing.T) {
	l, err := lab.Start(context.Background(), lab.Config{SNMP: 1, CLI: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	dir := t.TempDir()
	inv := filepath.Join(dir, "lab.yaml")
	if err := l.WriteInventory(inv); err != nil {
		t.Fatal(err)
	}
	before := requests(l)
	code, out, errOut := qosagent(t, nil, "inventory", "validate", "-i", inv, "--connect", "--format", "json")
	var res []agent.ProbeResult
	if code != 0 || json.Unmarshal([]byte(out[strings.Index(out, "["):]), &res) != nil || len(res) != 2 || !res[0].OK || !res[1].OK {
		t.Fatalf("validate --connect: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(res[0].Detail, "1.3.6.1.4.1.4526.100.4.19 (GS110TP)") || !strings.Contains(res[1].Detail, "host key ssh-ed25519 SHA256:") {
		t.Fatalf("details: %+v", res)
	}
	if st := l.Switches[0].Stats(); st.Set != 0 || requests(l)-before != 1 {
		t.Fatalf("probe sent %d requests (%d SETs); want one GET", requests(l)-before, st.Set)
	}
	// A known_hosts without the switch's key: not reached, exit 2.
	kh := strings.TrimSuffix(inv, ".yaml") + ".known_hosts"
	os.WriteFile(kh, nil, 0o600)
	code, out, _ = qosagent(t, nil, "inventory", "validate", "-i", inv, "--connect", "--format", "table")
	if code != agent.ExitError || !strings.Contains(out, "NO") || !strings.Contains(out, "1 of 2 switches reached") {
		t.Fatalf("unknown host key: exit %d\n%s", code, out)
	}
	// No known_hosts at all, or a missing key file: invalid input, nothing contacted.
	os.Remove(kh)
	code, _, errOut = qosagent(t, nil, "inventory", "validate", "-i", inv)
	if code != agent.ExitInvalid || !strings.Contains(errOut, "ssh.known_hosts "+kh) || !strings.Contains(errOut, "does not exist") {
		t.Fatalf("missing known_hosts: exit %d %s", code, errOut)
	}
	data, _ := os.ReadFile(inv)
	os.WriteFile(inv, []byte(strings.Replace(string(data), "  ssh:\n", "  ssh:\n    key_file: missing_ed25519\n", 1)), 0o600)
	os.WriteFile(kh, nil, 0o600)
	code, _, errOut = qosagent(t, nil, "inventory", "validate", "-i", inv)
	if code != agent.ExitInvalid || !strings.Contains(errOut, "ssh.key_file "+filepath.Join(dir, "missing_ed25519")) {
		t.Fatalf("missing key file: exit %d %s", code, errOut)
	}
}

// TestExamplesValidate: the commented examples load as they are, cover
// every platform and both SNMP versions.
func TestExamplesValidate(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "qosagent_ed25519")
	kh := filepath.Join(dir, "known_hosts")
	os.WriteFile(key, []byte("not read by validate\n"), 0o600)
	os.WriteFile(kh, nil, 0o600)
	community := "/etc/qosagent/hq.community"
	data, err := os.ReadFile("../../examples/inventory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Files the example names live elsewhere on a real host; point them here.
	text := strings.NewReplacer("~/.ssh/qosagent_ed25519", key, "~/.ssh/qosagent_known_hosts", kh,
		community, filepath.Join(dir, "hq.community"), "policy: policy.yaml", "policy: "+filepath.Join(must(filepath.Abs("../../examples")), "policy.yaml")).Replace(string(data))
	os.WriteFile(filepath.Join(dir, "hq.community"), []byte("example\n"), 0o600)
	inv := filepath.Join(dir, "inventory.yaml")
	os.WriteFile(inv, []byte(text), 0o600)
	env := map[string]string{"QOSAGENT_SNMP_AUTH": "auth-secret", "QOSAGENT_SNMP_PRIV": "priv-secret",
		"QOSAGENT_ENABLE_SECRET": "enable", "QOSAGENT_SB_PASSWORD": "pw"}
	code, out, errOut := qosagent(t, env, "inventory", "validate", "-i", inv)
	if code != 0 || !strings.Contains(out, "ok: 2 sites, 5 switches, policy with 4 classes") {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = qosagent(t, env, "inventory", "list", "-i", inv, "--format", "table")
	a := newApp(os.Stdout, os.Stderr)
	if err := a.buildRegistry(); err != nil {
		t.Fatal(err)
	}
	for _, want := range append(a.registry.Names(), "v3 user qosagent authPriv", "v2c community") {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("the example lacks %q:\n%s", want, out)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestHelpHasExamplesAndExitCodes: every command's --help shows examples
// (version aside) and its exit codes.
func TestHelpHasExamplesAndExitCodes(t *testing.T) {
	root := newApp(os.Stdout, os.Stderr).rootCommand()
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		if !strings.Contains(c.Long, "Exit codes:") {
			t.Errorf("%s: --help shows no exit codes", c.CommandPath())
		}
		if c.Example == "" && c.Name() != "version" {
			t.Errorf("%s: --help shows no examples", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if n < 12 {
		t.Fatalf("only %d commands", n)
	}
	code, out, _ := qosagent(t, nil, "history", "prune", "--help")
	if code != 0 || !strings.Contains(out, "--older-than 90d") || !strings.Contains(out, "Exit codes:") {
		t.Fatalf("history prune --help: exit %d\n%s", code, out)
	}
}

// TestCompletion: site and switch names come from the inventory, and the
// values of --format and --log-level are offered.
func TestCompletion(t *testing.T) {
	_, inv := startLab(t, 3)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "audit", "-i", inv, "--switch", "lab-sw"}, []string{"lab-sw1", "lab-sw2", "lab-sw3"}},
		{[]string{"__complete", "apply", "-i", inv, "--site", ""}, []string{"lab"}},
		{[]string{"__complete", "audit", "--format", ""}, []string{"table", "json", "html", "csv"}},
		{[]string{"__complete", "history", "--log-level", ""}, []string{"debug", "info", "warn", "error"}},
	}
	for _, c := range cases {
		code, out, errOut := qosagent(t, nil, c.args...)
		got := strings.Split(strings.TrimSpace(out), "\n")
		if code != 0 || len(got) != len(c.want)+1 {
			t.Errorf("%v: exit %d\n%s%s", c.args, code, out, errOut)
			continue
		}
		for i, w := range c.want {
			if got[i] != w {
				t.Errorf("%v: got %q, want %q", c.args, got, c.want)
				break
			}
		}
	}
}

// TestHTMLAndCSVReports: audit and apply write a self-contained HTML page
// and a CSV with one row per switch; the audit's page lists the commands.
func TestHTMLAndCSVReports(t *testing.T) {
	_, inv := startLab(t, 2)
	code, out, errOut := qosagent(t, nil, "audit", "-i", inv, "--format", "html")
	if code != agent.ExitDrift || !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(out, "lab/lab-sw2") || !strings.Contains(out, "send: SET 1.3.6.1.4.1.4526.11.3.3.1.2.1.3.0.46 Gauge32 3") {
		t.Fatalf("audit --format html: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = qosagent(t, nil, "apply", "-i", inv, "--all", "--dry-run", "--format", "csv")
	if code != agent.ExitDrift || strings.Count(strings.TrimSpace(out), "\n") < 2 || !strings.HasPrefix(out, "site,switch,vendor") {
		t.Fatalf("apply --dry-run --format csv: exit %d\n%s", code, out)
	}
	code, out, _ = qosagent(t, nil, "audit", "-i", inv, "--summary", "--format", "table")
	if code != agent.ExitDrift || strings.Contains(out, "lab-sw1") || !strings.Contains(out, "site lab: 2 switches") {
		t.Fatalf("audit --summary: exit %d\n%s", code, out)
	}
	if code, _, errOut := qosagent(t, nil, "history", "--format", "html"); code != agent.ExitInvalid || !strings.Contains(errOut, "expected table or json") {
		t.Fatalf("history --format html: exit %d %s", code, errOut)
	}
}

// TestHistoryRetention: --history-retention prunes after the run, never
// the run itself nor the run holding a switch's newest backup.
func TestHistoryRetention(t *testing.T) {
	_, inv := startLab(t, 1)
	for _, args := range [][]string{{"apply", "--all"}, {"audit"}, {"audit"}} {
		if code, _, errOut := qosagent(t, nil, append(args, "-i", inv, "--format", "json")...); code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
	}
	time.Sleep(1100 * time.Millisecond) // the runs so far are over a second old
	if code, _, errOut := qosagent(t, nil, "audit", "-i", inv, "--format", "json", "--history-retention", "1s"); code != 0 {
		t.Fatalf("audit with retention: exit %d %s", code, errOut)
	}
	code, out, _ := qosagent(t, nil, "history", "--format", "json")
	var runs []struct {
		ID      int64  `json:"id"`
		Command string `json:"command"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &runs) != nil {
		t.Fatalf("history: %d %s", code, out)
	}
	if len(runs) != 2 || runs[0].ID != 4 || runs[1].ID != 1 || runs[1].Command != "apply" {
		t.Fatalf("after retention: %+v; want the new audit (4) and the apply holding the backup (1)", runs)
	}
}

// TestPreviewIsWhatApplySends: the commands a dry run lists are what apply
// then sends. On the GS110TP every previewed SET's value is what the
// switch holds afterwards; on each CLI switch the session typed exactly as
// many config-mode lines as the preview lists between entering config mode
// and saving.
func TestPreviewIsWhatApplySends(t *testing.T) {
	l, err := lab.Start(context.Background(), lab.Config{SNMP: 1, CLI: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	inv := filepath.Join(t.TempDir(), "lab.yaml")
	if err := l.WriteInventory(inv); err != nil {
		t.Fatal(err)
	}
	_, out, errOut := qosagent(t, nil, "apply", "-i", inv, "--all", "--dry-run", "--format", "json")
	var rep agent.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	preview := map[string][]string{}
	for _, sw := range rep.Switches {
		preview[sw.Name] = sw.Commands
	}
	if code, _, errOut := qosagent(t, nil, "apply", "-i", inv, "--all", "--format", "json"); code != agent.ExitOK {
		t.Fatalf("apply: exit %d %s", code, errOut)
	}
	gs := l.Switches[0]
	sets := 0
	for _, c := range preview[gs.Name()] {
		var oid, typ string
		var val int
		if _, err := fmt.Sscanf(c, "SET %s %s %d", &oid, &typ, &val); err != nil {
			t.Fatalf("%q: %v", c, err)
		}
		sets++
		idx := strings.Split(oid, ".")
		n := func(i int) int { v, _ := strconv.Atoi(idx[len(idx)-i]); return v }
		var got int
		switch {
		case strings.HasPrefix(oid, mibs.AgentCosMapIpDscpTrafficClass+"."):
			got = gs.PortDSCPMap(n(2))[n(1)]
		case strings.HasPrefix(oid, mibs.AgentCosQueueSchedulerType+"."):
			got = gs.PortScheduler(n(2), n(1))
		case strings.HasPrefix(oid, mibs.AgentCosMapIntfTrustMode+"."):
			got = gs.Trust(n(1))
		case oid == mibs.AgentSaveConfig:
			got = val
			if !gs.Saved() {
				t.Error("previewed save, switch not saved")
			}
		default:
			t.Fatalf("unexpected OID in the preview: %s", c)
		}
		if got != val {
			t.Errorf("%s: the switch holds %d after apply", c, got)
		}
	}
	if sets < 3 {
		t.Fatalf("GS110TP preview: %q", preview[gs.Name()])
	}
	for i, cs := range l.CLISwitches {
		name := fmt.Sprintf("lab-cli%d", i+1)
		// The preview: config enter, the config-mode lines (leaving config
		// mode included), the save command.
		if want := len(preview[name]) - 2; cs.ConfigLines() != want || want < 2 {
			t.Errorf("%s (%s): %d config-mode lines sent, the preview lists %d: %q", name, cs.Dialect(), cs.ConfigLines(), want, preview[name])
		}
	}
}

// TestApplyStoppedByUnreadableIntentsClosesItsRun: an apply that cannot
// read the earlier runs' intents writes nothing, prints the skipped report
// and closes its run in the history with the exit code it returns (the
// run was left open, as if the process had been killed).
func TestApplyStoppedByUnreadableIntentsClosesItsRun(t *testing.T) {
	_, inv := startLab(t, 1)
	db := filepath.Join(t.TempDir(), "history.db")
	store, err := history.Open(context.Background(), db, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DROP TABLE intents`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	code, out, errOut := qosagent(t, nil, "apply", "-i", inv, "--all", "--history", db, "--format", "json")
	var rep struct {
		Switches []struct{ Status, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != agent.ExitError || len(rep.Switches) != 1 || rep.Switches[0].Status != "skipped" {
		t.Fatalf("apply: exit %d, %v\n%s\n%s", code, err, out, errOut)
	}
	code, out, errOut = qosagent(t, nil, "history", "--history", db, "--format", "json")
	var runs []struct {
		ExitCode   *int       `json:"exit_code"`
		FinishedAt *time.Time `json:"finished_at"`
	}
	if err := json.Unmarshal([]byte(out), &runs); err != nil || code != 0 || len(runs) != 1 {
		t.Fatalf("history: exit %d, %v\n%s\n%s", code, err, out, errOut)
	}
	if runs[0].FinishedAt == nil || runs[0].ExitCode == nil || *runs[0].ExitCode != agent.ExitError {
		t.Fatalf("the refused apply's run is not closed with exit 2: %s", out)
	}
}

// TestOutputWriteFailureIsExit2: a report that cannot be written (stdout
// on a full disk) is a run that failed, exit 2, for the history and
// inventory commands in both formats, as for audit.
func TestOutputWriteFailureIsExit2(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	_, inv := startLab(t, 1)
	if code, _, errOut := qosagent(t, nil, "audit", "-i", inv, "--format", "json"); code != agent.ExitDrift {
		t.Fatalf("audit: exit %d %s", code, errOut)
	}
	errf, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	for _, args := range [][]string{
		{"history", "--format", "json"}, {"history", "--format", "table"},
		{"history", "show", "1", "--format", "json"}, {"history", "show", "1", "--format", "table"},
		{"inventory", "list", "-i", inv, "--format", "json"}, {"inventory", "list", "-i", inv, "--format", "table"},
	} {
		if code := run(args, full, errf); code != agent.ExitError {
			t.Errorf("%v with stdout on /dev/full: exit %d, want 2", args, code)
		}
	}
}

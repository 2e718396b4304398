package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/internal/lab"
)

// TestSecretsNeverLeak runs every command against a lab whose secrets are
// known, with debug logs, and looks for them in everything qosagent leaves
// behind: stdout, stderr, the history database and the metrics file.
func TestSecretsNeverLeak(t *testing.T) {
	l, err := lab.Start(context.Background(), lab.Config{SNMP: 2, CLI: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dir := t.TempDir()
	inv := filepath.Join(dir, "lab.yaml")
	if err := l.WriteInventory(inv); err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for _, ext := range []string{".community", ".password", ".enable"} {
		b, err := os.ReadFile(filepath.Join(dir, "lab"+ext))
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, strings.TrimSpace(string(b)))
	}
	// The community also reaches one run through the environment.
	data, _ := os.ReadFile(inv)
	envInv := filepath.Join(dir, "env.yaml")
	os.WriteFile(envInv, []byte(strings.Replace(string(data), "community_file: lab.community", "community_env: LAB_COMMUNITY", 1)), 0o600)
	env := map[string]string{"LAB_COMMUNITY": secrets[0]}

	hist := filepath.Join(dir, "history.db")
	prom := filepath.Join(dir, "qosagent.prom")
	common := []string{"--history", hist, "--log-level", "debug"}
	runs := [][]string{
		{"inventory", "list", "-i", inv, "--format", "json"},
		{"inventory", "list", "-i", inv, "--format", "table"},
		{"inventory", "validate", "-i", envInv},
		{"audit", "-i", envInv, "--format", "json", "--prom-textfile", prom},
		{"apply", "-i", inv, "--all", "--dry-run", "--format", "table"},
		{"apply", "-i", inv, "--all", "--format", "json", "--prom-textfile", prom},
		{"audit", "-i", inv, "--format", "table"},
		{"history", "--format", "json"},
		{"history", "--switch", "lab-cli1", "--format", "json"},
		{"history", "--drifted", "--format", "table"},
		// Run 3 is the apply above; a restore reads its backup back.
		{"restore", "-i", inv, "--switch", "lab-cli1", "--run", "3", "--dry-run", "--format", "table"},
		{"restore", "-i", inv, "--switch", "lab-cli1", "--run", "3", "--format", "json"},
	}
	var all strings.Builder
	for _, args := range runs {
		code, out, errOut := qosagent(t, env, append(args, common...)...)
		if code == exitInvalid {
			t.Fatalf("%v: exit 3: %s", args, errOut)
		}
		all.WriteString(out + errOut)
	}
	for _, f := range []string{hist, prom} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	wal, _ := filepath.Glob(hist + "*")
	for _, f := range wal {
		b, _ := os.ReadFile(f)
		all.Write(b)
	}
	for i, s := range secrets {
		if strings.Contains(all.String(), s) {
			t.Errorf("secret %d leaked", i)
		}
	}
	if !strings.Contains(all.String(), "lab-cli1") {
		t.Fatal("the runs produced nothing to search")
	}
}

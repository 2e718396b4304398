package agent_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/peer"
)

const promExamples = "../examples/prometheus"

// writtenMetrics are the metric names WriteTextfile writes.
func writtenMetrics(t *testing.T) map[string]bool {
	t.Helper()
	path := filepath.Join(t.TempDir(), "qosagent.prom")
	now := time.Now()
	if err := agent.WriteTextfile(path, fixedReport(), agent.RunInfo{Started: now.Add(-time.Second), Finished: now}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) `).FindAllStringSubmatch(string(data), -1) {
		names[m[1]] = true
	}
	if len(names) < 5 {
		t.Fatalf("only %d metric names in\n%s", len(names), data)
	}
	return names
}

var metricName = regexp.MustCompile(`\bqosagent_[a-z0-9_]+`)

func checkNames(t *testing.T, where, expr string, known map[string]bool) {
	t.Helper()
	for _, n := range metricName.FindAllString(expr, -1) {
		if !known[n] {
			t.Errorf("%s: %q uses %s, which qosagent does not write", where, expr, n)
		}
	}
}

// TestAlertRulesUseWrittenMetrics: every expression of the alert rules
// names only metrics that --prom-textfile writes.
func TestAlertRulesUseWrittenMetrics(t *testing.T) {
	known := writtenMetrics(t)
	data, err := os.ReadFile(filepath.Join(promExamples, "qosagent-alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(data, &rules); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			checkNames(t, r.Alert, r.Expr, known)
			n++
		}
	}
	if n < 3 {
		t.Fatalf("%d rules", n)
	}
}

// TestAlertRulesWithPromtool runs the rules' unit tests with promtool.
func TestAlertRulesWithPromtool(t *testing.T) {
	bin, err := exec.LookPath("promtool")
	if err != nil {
		peer.Missing(t, "promtool", "apt-get install prometheus", err)
		return
	}
	for _, args := range [][]string{{"check", "rules", "qosagent-alerts.yml"}, {"test", "rules", "qosagent-alerts_test.yml"}} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = promExamples
		if out, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("SUCCESS")) {
			t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestGrafanaDashboard: the dashboard is valid JSON with panels, and its
// queries name only metrics qosagent writes.
func TestGrafanaDashboard(t *testing.T) {
	known := writtenMetrics(t)
	data, err := os.ReadFile(filepath.Join(promExamples, "qosagent-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	panels, _ := dash["panels"].([]any)
	if len(panels) < 4 || dash["title"] == nil {
		t.Fatalf("%d panels", len(panels))
	}
	exprs := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "expr" || k == "query" || k == "definition") {
					checkNames(t, path+"."+k, s, known)
					exprs++
				}
				walk(path+"."+k, x)
			}
		case []any:
			for _, x := range v {
				walk(path, x)
			}
		}
	}
	walk("dashboard", dash)
	if exprs < 8 {
		t.Fatalf("only %d queries", exprs)
	}
}

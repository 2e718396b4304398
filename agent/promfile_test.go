package agent

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestWriteTextfileParses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qosagent.prom")
	t0 := time.Unix(1_800_000_000, 0)
	rep := &Report{Command: "audit", Switches: []SwitchResult{
		{Site: "lab", Name: "sw1", Vendor: "netgear-gs110tp", Status: StatusCompliant, Requests: 2},
		{Site: "lab", Name: `odd"name`, Vendor: "cisco-ios", Status: StatusDrift, Findings: []Finding{{}, {}}},
		{Site: "lab", Name: "sw3", Vendor: "netgear-gs110tp", Status: StatusError, ErrorClass: "auth", Requests: 3, Retries: 2},
	}}
	rep.summarize()
	if err := WriteTextfile(path, rep, RunInfo{Started: t0, Finished: t0.Add(1500 * time.Millisecond), ExitCode: 2}); err != nil {
		t.Fatal(err)
	}
	fams := parse(t, path)
	if v := value(t, fams, "qosagent_switch_compliant", "sw1"); v != 1 {
		t.Errorf("sw1 compliant = %v", v)
	}
	if v := value(t, fams, "qosagent_switch_findings", `odd"name`); v != 2 {
		t.Errorf("findings = %v", v)
	}
	if v := value(t, fams, "qosagent_run_snmp_retries", ""); v != 2 {
		t.Errorf("retries = %v", v)
	}
	if v := value(t, fams, "qosagent_run_duration_seconds", ""); v != 1.5 {
		t.Errorf("duration = %v", v)
	}
	if m := fams["qosagent_switch_error"].GetMetric(); len(m) != 1 || label(m[0], "switch") != "sw3" || label(m[0], "class") != "auth" {
		t.Errorf("qosagent_switch_error = %v", m)
	}
	for _, m := range fams["qosagent_run_switch_errors"].GetMetric() {
		if want := map[bool]float64{true: 1, false: 0}[label(m, "class") == "auth"]; m.GetGauge().GetValue() != want {
			t.Errorf("run errors of class %s = %v, want %v", label(m, "class"), m.GetGauge().GetValue(), want)
		}
	}

	// Next run: sw1 fails, so it keeps the previous success time; sw3 succeeds.
	rep.Switches[0].Status, rep.Switches[2].Status = StatusError, StatusCompliant
	t1 := t0.Add(time.Hour)
	if err := WriteTextfile(path, rep, RunInfo{Started: t1, Finished: t1, ExitCode: 2}); err != nil {
		t.Fatal(err)
	}
	fams = parse(t, path)
	if v := value(t, fams, "qosagent_switch_last_success_timestamp_seconds", "sw1"); v != float64(t0.Add(1500*time.Millisecond).Unix()) {
		t.Errorf("sw1 last success = %v, want the previous run's", v)
	}
	if v := value(t, fams, "qosagent_switch_last_success_timestamp_seconds", "sw3"); v != float64(t1.Unix()) {
		t.Errorf("sw3 last success = %v", v)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func parse(t *testing.T, path string) map[string]*dto.MetricFamily {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(f)
	if err != nil {
		data, _ := os.ReadFile(path)
		t.Fatalf("%v\n%s", err, data)
	}
	return fams
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// value returns the gauge of family name whose switch label is sw ("" for unlabelled-by-switch).
func value(t *testing.T, fams map[string]*dto.MetricFamily, name, sw string) float64 {
	t.Helper()
	fam, ok := fams[name]
	if !ok {
		t.Fatalf("no %s", name)
	}
	for _, m := range fam.GetMetric() {
		got := ""
		for _, l := range m.GetLabel() {
			if l.GetName() == "switch" {
				got = l.GetValue()
			}
		}
		if got == sw {
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("%s has no switch %q", name, sw)
	return 0
}

package agent_test

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/peer"
	"github.com/qosagent/qosagent/vendors"
)

// updating says -update was given: the package's internal tests define
// the flag (report_golden_test.go), for both test packages.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func intp(v int) *int { return &v }

// gs110tpFactory is the GS110TP factory map: IP precedence through the
// IEEE 802.1D four-queue table (0-15 queue 1, 16-31 0, 32-47 2, 48-63 3).
func gs110tpFactory() agent.DSCPMap {
	m := make(agent.DSCPMap, 64)
	for d := range m {
		m[d] = []int{1, 0, 2, 3}[d/16]
	}
	m[24] = 1
	return m
}

// fixedReport is a dry run over two sites: a GS110TP with a plan, its
// commands and rollback, a compliant Catalyst and an unreachable switch.
func fixedReport() *agent.Report {
	m := gs110tpFactory()
	ok := make(agent.DSCPMap, 64)
	for d := range ok {
		ok[d] = 4
	}
	ok[46], ok[34], ok[24] = 1, 2, 3
	rep := &agent.Report{GeneratedAt: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), Command: "apply", DryRun: true,
		Policy:  agent.DefaultPolicy(),
		Summary: agent.Summary{Switches: 3, Compliant: 1, Error: 1, Planned: 1},
		Switches: []agent.SwitchResult{
			{Site: "hq", Name: "hq-sw1", Vendor: "netgear-gs110tp", Address: "192.0.2.10", Status: agent.StatusPlanned,
				Queues: []int{0, 1, 2, 3}, DSCPMap: m, TopQueue: intp(3), Order: vendors.OrderStrict,
				Findings:         []agent.Finding{{Rule: "ef-top", DSCP: intp(46), WantQueue: intp(3), GotQueue: intp(2), Message: "EF (46) is on queue 2, not the top queue 3"}},
				Changes:          []vendors.MapChange{{DSCP: 0, From: 1, To: 0}, {DSCP: 24, From: 1, To: 1}, {DSCP: 34, From: 2, To: 2}, {DSCP: 46, From: 2, To: 3}},
				Commands:         []string{"SET 1.3.6.1.4.1.4526.11.3.3.1.2.1.3.0.46 Gauge32 3", "SET 1.3.6.1.4.1.4526.11.1.3.1.0 Integer 1"},
				RollbackCommands: []string{"SET 1.3.6.1.4.1.4526.11.3.3.1.2.1.3.0.46 Gauge32 2"}},
			{Site: "hq", Name: "hq-core", Vendor: "cisco-ios", Address: "192.0.2.11", Status: agent.StatusCompliant,
				Queues: []int{4, 3, 2, 1}, DSCPMap: ok, TopQueue: intp(1), Order: vendors.OrderWeighted,
				OrderPairs: []agent.OrderPair{{Above: "audio", Below: "video", Kind: vendors.OrderStrict}, {Above: "video", Below: "signaling", Kind: vendors.OrderWeighted}},
				Findings:   []agent.Finding{}, Changes: []vendors.MapChange{}},
			{Site: "branch", Name: "br-sw1", Vendor: "cisco-sb", Address: "192.0.2.20", Status: agent.StatusError,
				Error: "192.0.2.20:22: dial: connection refused", Findings: []agent.Finding{}, Changes: []vendors.MapChange{}},
		}}
	return rep
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updating() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
}

// TestReportFormatsGolden pins the table, summary, CSV and HTML of one
// fixed report.
func TestReportFormatsGolden(t *testing.T) {
	rep := fixedReport()
	for _, f := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"report.table", func(b *bytes.Buffer) error { return rep.WriteTable(b) }},
		{"report.summary", func(b *bytes.Buffer) error { return rep.WriteSummaryTable(b) }},
		{"report-summary.json", func(b *bytes.Buffer) error { return rep.WriteSummaryJSON(b) }},
		{"report.csv", func(b *bytes.Buffer) error { return rep.WriteCSV(b) }},
		{"report.html", func(b *bytes.Buffer) error { return rep.WriteHTML(b) }},
	} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			t.Fatalf("%s: %v", f.file, err)
		}
		golden(t, f.file, b.Bytes())
	}
}

// TestTableFollowsThePolicy: the class columns are the policy's, not a
// fixed EF/AF41/CS3/BE, and the top queue is marked.
func TestTableFollowsThePolicy(t *testing.T) {
	rep := fixedReport()
	rep.Policy.Classes = []agent.Class{{Name: "voice", DSCP: []int{46}}, {Name: "rest", DSCP: []int{0}}}
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	head := strings.SplitN(b.String(), "\n", 2)[0]
	if !strings.Contains(head, "VOICE(46)") || !strings.Contains(head, "REST(0)") || strings.Contains(head, "AF41") {
		t.Fatalf("header %q does not follow the policy", head)
	}
	if !strings.Contains(b.String(), "site hq: 2 switches") || !strings.Contains(b.String(), "1*") {
		t.Fatalf("no site line or top-queue mark:\n%s", b.String())
	}
}

func TestCSVOneRowPerSwitch(t *testing.T) {
	var b bytes.Buffer
	if err := fixedReport().WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if rows[1][1] != "hq-sw1" || rows[3][slices.Index(rows[0], "error")] == "" {
		t.Fatalf("rows %q", rows)
	}
}

// TestHTMLRendersInChromium renders the HTML report in headless Chromium:
// it must load without console errors and give a page of some size.
func TestHTMLRendersInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		peer.Missing(t, "chromium", "apt-get install chromium", err)
		return
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	if err := fixedReport().WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("http://")) || bytes.Contains(b.Bytes(), []byte("https://")) || bytes.Contains(b.Bytes(), []byte("<script")) {
		t.Fatal("the report is not self-contained: it references external assets or scripts")
	}
	if err := os.WriteFile(page, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "report.png")
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0",
		"--screenshot="+png, "--window-size=1200,1600", "file://"+page)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	for _, bad := range []string{"Uncaught", "CONSOLE"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Fatalf("console output while rendering:\n%s", out)
		}
	}
	st, err := os.Stat(png)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out)
	}
	if st.Size() < 20000 {
		t.Fatalf("screenshot is %d bytes: the page rendered next to nothing", st.Size())
	}
}

// TestCSVSaysWhyASwitchFailedOrWasSkipped: a skipped switch's row carries
// its reason, a failed one its error class, as the JSON report does.
func TestCSVSaysWhyASwitchFailedOrWasSkipped(t *testing.T) {
	rep := fixedReport()
	rep.Switches[2].ErrorClass = vendors.ClassUnreachable
	rep.Switches = append(rep.Switches, agent.SwitchResult{Site: "branch", Name: "br-sw2", Vendor: "cisco-sb",
		Status: agent.StatusSkipped, Reason: "site branch is being written by another qosagent"})
	var b bytes.Buffer
	if err := rep.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 5 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if !slices.Contains(rows[3], vendors.ClassUnreachable) {
		t.Errorf("failed switch's row lacks its error class: %q", rows[3])
	}
	if !slices.Contains(rows[4], "site branch is being written by another qosagent") {
		t.Errorf("skipped switch's row lacks its reason: %q", rows[4])
	}
}

package agent

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/qosagent/qosagent/vendors"
)

// The report's JSON and table forms are contracts that monitoring and
// scripts read. They are pinned here byte for byte against files under
// testdata/, not by decoding into the structs that wrote them: renaming,
// dropping or re-typing a field fails this test.
//
// After an intended change of the report format (a new field, say), rewrite
// the golden files, review the diff and commit it with the change:
//
//	go test ./agent -run TestReportGolden -update
//	git diff agent/testdata/
//
// Add the new field to goldenReport too, so the golden file shows it.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenMap is a full 64-entry DSCP map: base for every value, then the
// given overrides.
func goldenMap(base int, set map[int]int) DSCPMap {
	m := make(DSCPMap, vendors.NumDSCP)
	for d := range m {
		m[d] = base
		if q, ok := set[d]; ok {
			m[d] = q
		}
	}
	return m
}

// goldenReport covers the statuses a run can give: compliant, drift with
// findings and a plan, error, changed with the writes made and a backup,
// and skipped (the run was interrupted before it).
func goldenReport() *Report {
	boolp := func(b bool) *bool { return &b }
	r := &Report{
		GeneratedAt: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC),
		Command:     "apply",
		Interrupted: true,
		Policy: Policy{
			Classes: []Class{
				{Name: "EF", DSCP: []int{46}},
				{Name: "AF41", DSCP: []int{34}},
				{Name: "CS3", DSCP: []int{24}},
				{Name: "BE", DSCP: []int{0}},
			},
			EFExclusive: true,
			Trust:       "dscp",
			TrustPorts:  []string{},
		},
		Switches: []SwitchResult{
			{
				Site: "hq", Name: "core1", Vendor: "netgear-gs110tp", Address: "192.0.2.10:161",
				Status:   StatusCompliant,
				Queues:   []int{0, 1, 2, 3},
				DSCPMap:  goldenMap(0, map[int]int{46: 3, 34: 2, 24: 1}),
				Trust:    []vendors.PortTrust{{Port: vendors.GlobalPort, Trust: vendors.TrustDSCP}},
				TopQueue: intp(3), Order: vendors.OrderStrict,
				OrderPairs: []OrderPair{
					{Above: "EF", Below: "AF41", Kind: vendors.OrderStrict},
					{Above: "AF41", Below: "CS3", Kind: vendors.OrderStrict},
					{Above: "CS3", Below: "BE", Kind: vendors.OrderStrict},
				},
				Findings:   []Finding{},
				Changes:    []vendors.MapChange{},
				DurationMS: 42, Requests: 3,
			},
			{
				Site: "hq", Name: "access2", Vendor: "cisco-ios", Address: "192.0.2.11:22",
				Status:   StatusDrift,
				Queues:   []int{4, 3, 2, 1},
				DSCPMap:  goldenMap(2, map[int]int{46: 1, 34: 4, 24: 3}),
				Trust:    []vendors.PortTrust{{Port: vendors.GlobalPort, Trust: vendors.TrustDSCP}, {Port: "Gi1/0/1", Trust: vendors.TrustDSCP}, {Port: "Gi1/0/2", Trust: vendors.TrustUntrusted}},
				TopQueue: intp(1), Order: vendors.OrderWeighted,
				OrderPairs: []OrderPair{
					{Above: "EF", Below: "AF41", Kind: vendors.OrderWeighted},
				},
				Findings: []Finding{
					{Rule: RuleTrust, Scope: "Gi1/0/2", Port: "Gi1/0/2", GotTrust: "untrusted", Message: "port Gi1/0/2 trusts untrusted, not dscp"},
					{Rule: RuleEFTop, Scope: vendors.GlobalPort, DSCP: intp(46), WantQueue: intp(1), GotQueue: intp(4), Message: "EF (46) is on queue 4, not the top queue 1"},
					{Rule: RuleEFTop, Scope: "Gi1/0/1", Message: "top queue 1 is not strict priority; EF is not served first"},
					{Rule: RuleSaved, Scope: vendors.GlobalPort, Message: "the switch would boot with other QoS settings than it runs: running-config has \"mls qos\", startup-config does not"},
				},
				Changes:      []vendors.MapChange{{Scope: vendors.GlobalPort, DSCP: 46, From: 4, To: 1}},
				QoSEnable:    boolp(true),
				TrustChanges: []vendors.TrustChange{{Port: "Gi1/0/2", From: vendors.TrustUntrusted, To: vendors.TrustDSCP}},
				SchedulerChanges: []vendors.SchedulerChange{
					{Scope: "Gi1/0/1", Rank: 3, Queue: 1, FromStrict: false, ToStrict: true, FromWeight: 25, ToWeight: 25},
					{Scope: "Gi1/0/1", Rank: 2, Queue: 4, FromStrict: false, ToStrict: false, FromWeight: 25, ToWeight: 255},
				},
				Save:        true,
				RemarkPorts: []string{"Gi1/0/3"},
				DurationMS:  812, Retries: 1,
			},
			{
				Site: "branch", Name: "edge3", Vendor: "cisco-sb", Address: "192.0.2.12:22",
				Status:     StatusError,
				Findings:   []Finding{},
				Changes:    []vendors.MapChange{},
				Error:      "edge3: read dscp map: ssh: handshake failed: unable to authenticate",
				ErrorClass: vendors.ClassAuth,
				DurationMS: 5000,
			},
			{
				Site: "branch", Name: "edge4", Vendor: "netgear-fastpath", Address: "192.0.2.13:22",
				Status:   StatusChanged,
				Queues:   []int{0, 1, 2, 3},
				DSCPMap:  goldenMap(0, map[int]int{46: 3, 34: 2, 24: 1}),
				Trust:    []vendors.PortTrust{{Port: vendors.GlobalPort, Trust: vendors.TrustDSCP}},
				TopQueue: intp(3), Order: vendors.OrderStrict,
				Findings:         []Finding{},
				Changes:          []vendors.MapChange{{Scope: vendors.GlobalPort, DSCP: 46, From: 2, To: 3}, {Scope: vendors.GlobalPort, DSCP: 0, From: 1, To: 0}},
				TrustChanges:     []vendors.TrustChange{{Port: vendors.GlobalPort, From: vendors.TrustDot1p, To: vendors.TrustDSCP}},
				SchedulerChanges: []vendors.SchedulerChange{{Scope: vendors.GlobalPort, Rank: 3, Queue: 3, FromStrict: false, ToStrict: true}},
				Commands: []string{"configure", "classofservice ip-dscp-mapping 0 0", "classofservice ip-dscp-mapping 46 3",
					"cos-queue strict 3", "classofservice trust ip-dscp", "exit", "write memory"},
				RollbackCommands: []string{"configure", "classofservice ip-dscp-mapping 0 1", "classofservice ip-dscp-mapping 46 2",
					"no cos-queue strict 3", "classofservice trust dot1p", "exit"},
				Backup:     "backups/branch/edge4/20260314T150926Z.json",
				DurationMS: 1500, Requests: 0, Retries: 0,
			},
			{
				Site: "branch", Name: "edge5", Vendor: "cisco-ios", Address: "192.0.2.14:22",
				Status:   StatusSkipped,
				Findings: []Finding{},
				Changes:  []vendors.MapChange{},
				Reason:   "not started: run interrupted",
			},
		},
	}
	r.summarize()
	return r
}

// goldenDryRun is an apply --dry-run: a planned switch.
func goldenDryRun() *Report {
	r := &Report{
		GeneratedAt: time.Date(2026, 3, 14, 15, 10, 0, 0, time.UTC),
		Command:     "apply",
		DryRun:      true,
		Policy:      goldenReport().Policy,
		Switches: []SwitchResult{{
			Site: "hq", Name: "core1", Vendor: "netgear-gs110tp", Address: "192.0.2.10:161",
			Status:   StatusPlanned,
			Queues:   []int{0, 1, 2, 3},
			DSCPMap:  goldenMap(1, map[int]int{46: 2, 34: 2, 24: 1}),
			Trust:    []vendors.PortTrust{{Port: vendors.GlobalPort, Trust: vendors.TrustDSCP}},
			TopQueue: intp(3),
			Findings: []Finding{
				{Rule: RuleEFTop, Scope: vendors.GlobalPort, DSCP: intp(46), WantQueue: intp(3), GotQueue: intp(2), Message: "EF (46) is on queue 2, not the top queue 3"},
				{Rule: RuleEFTop, Scope: "5", DSCP: intp(46), WantQueue: intp(3), GotQueue: intp(1), Message: "EF (46) is on queue 1, not the top queue 3"},
			},
			Changes:    []vendors.MapChange{{Scope: vendors.GlobalPort, DSCP: 46, From: 2, To: 3}, {Scope: "5", DSCP: 46, From: 1, To: 3}},
			DurationMS: 30, Requests: 2,
		}},
	}
	r.summarize()
	return r
}

func TestReportGolden(t *testing.T) {
	for _, tc := range []struct {
		file  string
		write func(*Report, *bytes.Buffer) error
	}{
		{"report.golden.json", func(r *Report, b *bytes.Buffer) error { return r.WriteJSON(b) }},
		{"report.golden.txt", func(r *Report, b *bytes.Buffer) error { return r.WriteTable(b) }},
		{"report-dry-run.golden.json", func(_ *Report, b *bytes.Buffer) error { return goldenDryRun().WriteJSON(b) }},
		{"report-dry-run.golden.txt", func(_ *Report, b *bytes.Buffer) error { return goldenDryRun().WriteTable(b) }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var got bytes.Buffer
			if err := tc.write(goldenReport(), &got); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%s differs from the golden file; if the change is intended, rerun with -update and review the diff\n%s",
					path, firstDiff(want, got.Bytes()))
			}
		})
	}
}

// Every field of the report and of a switch's result must show in the golden
// file, so a new field is pinned as soon as it exists: give it a value in
// goldenReport.
func TestReportGoldenCoversFields(t *testing.T) {
	var b bytes.Buffer
	if err := goldenReport().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if err := goldenDryRun().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []reflect.Type{reflect.TypeOf(Report{}), reflect.TypeOf(SwitchResult{}), reflect.TypeOf(Finding{})} {
		for i := 0; i < typ.NumField(); i++ {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !bytes.Contains(b.Bytes(), []byte(`"`+name+`":`)) {
				t.Errorf("%s.%s (json %q) has no value in goldenReport, so the golden file does not pin it", typ.Name(), typ.Field(i).Name, name)
			}
		}
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got []byte) string {
	wl, gl := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, w, g)
		}
	}
	return "(same lines, different bytes)"
}

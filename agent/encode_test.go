package agent

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/qosagent/qosagent/vendors"
)

// TestEncodeResultMatchesMarshal: both forms are byte for byte what
// json.Marshal writes, for the golden reports' results (findings, changes,
// trust, order pairs, commands) and for a result with the optional
// scalars and strings set, with and without timings.
func TestEncodeResultMatchesMarshal(t *testing.T) {
	var results []SwitchResult
	for _, f := range []string{"testdata/report.golden.json", "testdata/report-dry-run.golden.json"} {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Switches []SwitchResult `json:"switches"`
		}
		if err := json.Unmarshal(raw, &rep); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(rep.Switches) == 0 {
			t.Fatalf("%s: no switches", f)
		}
		results = append(results, rep.Switches...)
	}
	top := 3
	on := true
	full := SwitchResult{Site: "lab \"quoted\"", Name: "sw<1>", Vendor: "netgear-gs110tp", Address: "192.0.2.1:161",
		Status: StatusDrift, Queues: []int{0, 1, 2, 3}, DSCPMap: make(DSCPMap, vendors.NumDSCP), TopQueue: &top,
		Order: "strict", Findings: []Finding{{Rule: "ef-top", Message: "EF (46) is on queue 2 \u2028"}}, QoSEnable: &on,
		Save: true, RemarkPorts: []string{"g1"}, Commands: []string{"a"}, RollbackCommands: []string{"b"},
		Backup: "history run 1", Error: "x", ErrorClass: "timeout", Reason: "r"}
	for _, timings := range [][3]int64{{0, 0, 0}, {41, 0, 0}, {41, 3, 0}, {41, 0, 2}, {-1, 9, 9}} {
		r := full
		r.DurationMS, r.Requests, r.Retries = timings[0], timings[1], timings[2]
		results = append(results, r, SwitchResult{Name: "bare", DurationMS: timings[0], Requests: timings[1], Retries: timings[2]})
	}
	for i := range results {
		res := &results[i]
		report, stored, err := EncodeResult(res)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(res)
		kept := *res
		kept.DurationMS, kept.Requests, kept.Retries = 0, 0, 0
		wantStored, _ := json.Marshal(&kept)
		if string(report) != string(want) {
			t.Errorf("%s: report form\n got %s\nwant %s", res.Name, report, want)
		}
		if string(stored) != string(wantStored) {
			t.Errorf("%s: stored form\n got %s\nwant %s", res.Name, stored, wantStored)
		}
	}
}

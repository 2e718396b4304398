package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/sim"
)

// durations differ between two runs of the same fleet; nothing else may.
var durationField = regexp.MustCompile(`"duration_ms":\d+`)

// TestSpooledReportMatchesInMemory: a run that keeps its results in the
// spool writes every report format and the metrics the same, byte for byte, as
// one that keeps them in memory; switches come in inventory order whatever
// the order they finished in.
func TestSpooledReportMatchesInMemory(t *testing.T) {
	l, sws := startLab(t, 7)
	l.Switches[2].SetFaults(sim.Faults{Silent: true}) // an error with details
	l.Switches[4].SetFaults(sim.Faults{Delay: 30 * time.Millisecond})
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	outputs := func(spooled bool) (map[string][]byte, *agent.Report) {
		e := newEngine(t)
		e.Now = func() time.Time { return at }
		e.Spool, e.SpoolDir = spooled, t.TempDir()
		rep := e.Audit(context.Background(), sws)
		out := map[string][]byte{}
		for name, write := range map[string]func(io.Writer) error{
			"json": rep.WriteJSON, "table": rep.WriteTable, "csv": rep.WriteCSV, "html": rep.WriteHTML,
			"summary json": rep.WriteSummaryJSON, "summary table": rep.WriteSummaryTable,
		} {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out[name] = durationField.ReplaceAll(b.Bytes(), []byte(`"duration_ms":0`))
		}
		path := filepath.Join(t.TempDir(), "m.prom")
		if err := agent.WriteTextfile(path, rep, agent.RunInfo{Started: at, Finished: at.Add(time.Second), ExitCode: rep.ExitCode()}); err != nil {
			t.Fatal(err)
		}
		pb, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out["metrics"] = pb
		if spooled {
			ents, _ := os.ReadDir(e.SpoolDir)
			if len(ents) != 0 {
				t.Errorf("spool left %d files in its folder; it must be unlinked at once", len(ents))
			}
		}
		return out, rep
	}
	mo, mem := outputs(false)
	so, spo := outputs(true)
	defer spo.Close()
	if spo.Switches != nil {
		t.Error("a spooled report holds its results in memory")
	}
	if mem.Summary != spo.Summary || spo.Summary.Error != 1 || spo.Summary.Drift != 6 || spo.Len() != 7 {
		t.Errorf("summaries: memory %+v, spooled %+v", mem.Summary, spo.Summary)
	}
	for name, m := range mo {
		if !bytes.Equal(m, so[name]) {
			t.Errorf("%s reports differ:\nmemory:\n%s\nspooled:\n%s", name, m, so[name])
		}
	}
	sj := so["json"]
	var doc struct {
		Switches []agent.SwitchResult `json:"switches"`
	}
	if err := json.Unmarshal(sj, &doc); err != nil {
		t.Fatal(err)
	}
	for i, s := range doc.Switches {
		if s.Name != sws[i].Name {
			t.Errorf("switch %d is %s, want %s (inventory order)", i, s.Name, sws[i].Name)
		}
	}
	n := 0
	if err := spo.Each(func(s *agent.SwitchResult) error {
		if s.Name != sws[n].Name || len(s.DSCPMap) != 64 && s.Status != agent.StatusError {
			t.Errorf("Each %d: %s %s", n, s.Name, s.Status)
		}
		n++
		return nil
	}); err != nil || n != 7 {
		t.Errorf("Each: %d results, %v", n, err)
	}
}

// TestSpooledInterruptedRun: switches an interrupt kept from starting are in
// a spooled report too.
func TestSpooledInterruptedRun(t *testing.T) {
	_, sws := startLab(t, 3)
	e := newEngine(t)
	e.Spool, e.SpoolDir = true, t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := e.Audit(ctx, sws)
	defer rep.Close()
	if !rep.Interrupted || rep.Summary.Skipped != 3 || rep.Len() != 3 {
		t.Fatalf("interrupted=%v summary %+v", rep.Interrupted, rep.Summary)
	}
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("not started: run interrupted")) {
		t.Errorf("report:\n%s", b.Bytes())
	}
}

// TestLinesOnlyCounts: a run that only counts (--summary) keeps no result,
// writes the same summaries and metrics, and refuses the per-switch formats.
func TestLinesOnlyCounts(t *testing.T) {
	_, sws := startLab(t, 4)
	e := newEngine(t)
	mem := e.Audit(context.Background(), sws)
	e.LinesOnly, e.Spool, e.SpoolDir = true, true, t.TempDir()
	rep := e.Audit(context.Background(), sws)
	defer rep.Close()
	if rep.Switches != nil || rep.Summary != mem.Summary || rep.Len() != 4 {
		t.Fatalf("summary %+v (in memory %+v), %d results held", rep.Summary, mem.Summary, len(rep.Switches))
	}
	if ents, _ := os.ReadDir(e.SpoolDir); len(ents) != 0 {
		t.Errorf("%d files in the spool folder", len(ents))
	}
	var a, b bytes.Buffer
	if err := rep.WriteSummaryTable(&a); err != nil {
		t.Fatal(err)
	}
	if err := mem.WriteSummaryTable(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("summary tables differ:\n%s\n%s", a.String(), b.String())
	}
	for name, write := range map[string]func(io.Writer) error{"json": rep.WriteJSON, "table": rep.WriteTable, "csv": rep.WriteCSV} {
		if err := write(io.Discard); err == nil || !strings.Contains(err.Error(), "counts") {
			t.Errorf("%s of a counting run: %v", name, err)
		}
	}
}

package agent

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/qosagent/qosagent/internal/fsutil"
	"github.com/qosagent/qosagent/vendors"
)

// RunInfo describes one run for its metrics.
type RunInfo struct {
	Started, Finished time.Time
	ExitCode          int
}

// WriteTextfile writes the report as Prometheus metrics for node_exporter's
// textfile collector. It writes a temporary file in the same folder and
// renames it, so the collector never reads a half-written file. A switch
// that failed this run keeps the last-success time the previous file had.
func WriteTextfile(path string, rep *Report, run RunInfo) error {
	prev := lastSuccess(path)
	var b strings.Builder
	help := func(name, typ, text string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, typ)
	}
	sws := append([]Line(nil), rep.Lines()...)
	sort.Slice(sws, func(i, j int) bool {
		if sws[i].Site != sws[j].Site {
			return sws[i].Site < sws[j].Site
		}
		return sws[i].Name < sws[j].Name
	})
	// Each switch's labels, built once for its four series.
	lbl := make([]string, len(sws))
	for i, s := range sws {
		lbl[i] = fmt.Sprintf(`site="%s",switch="%s",vendor="%s"`, escape(s.Site), escape(s.Name), escape(s.Vendor))
	}
	help("qosagent_switch_compliant", "gauge", "1 when the switch met the policy at the end of the last run (compliant or changed), else 0.")
	for i, s := range sws {
		fmt.Fprintf(&b, "qosagent_switch_compliant{%s} %d\n", lbl[i], btoi(s.Status == StatusCompliant || s.Status == StatusChanged))
	}
	help("qosagent_switch_up", "gauge", "1 when the switch could be read in the last run, else 0.")
	for i, s := range sws {
		fmt.Fprintf(&b, "qosagent_switch_up{%s} %d\n", lbl[i], btoi(s.Status != StatusError && s.Status != StatusSkipped))
	}
	help("qosagent_switch_findings", "gauge", "Policy findings on the switch in the last run.")
	for i, s := range sws {
		fmt.Fprintf(&b, "qosagent_switch_findings{%s} %d\n", lbl[i], s.Findings)
	}
	help("qosagent_switch_last_success_timestamp_seconds", "gauge", "When the switch was last read (and written, for apply) without error.")
	for i, s := range sws {
		l := lbl[i]
		switch {
		case s.Status != StatusError && s.Status != StatusSkipped:
			fmt.Fprintf(&b, "qosagent_switch_last_success_timestamp_seconds{%s} %d\n", l, run.Finished.Unix())
		case prev[l] != "":
			fmt.Fprintf(&b, "qosagent_switch_last_success_timestamp_seconds{%s} %s\n", l, prev[l])
		}
	}
	help("qosagent_switch_error", "gauge", "1 for a switch whose last run failed, labelled with the class of the failure (see vendors.Classes).")
	for i, s := range sws {
		if s.Status == StatusError {
			cls := s.ErrorClass
			if cls == "" {
				cls = vendors.ClassOther
			}
			fmt.Fprintf(&b, "qosagent_switch_error{%s,class=\"%s\"} 1\n", lbl[i], escape(cls))
		}
	}
	cmd := fmt.Sprintf(`command="%s"`, escape(rep.Command))
	help("qosagent_run_duration_seconds", "gauge", "Wall time of the last run.")
	fmt.Fprintf(&b, "qosagent_run_duration_seconds{%s} %g\n", cmd, run.Finished.Sub(run.Started).Seconds())
	help("qosagent_run_timestamp_seconds", "gauge", "When the last run finished.")
	fmt.Fprintf(&b, "qosagent_run_timestamp_seconds{%s} %d\n", cmd, run.Finished.Unix())
	help("qosagent_run_exit_code", "gauge", "Exit code of the last run: 0 ok, 1 drift, 2 error, 3 invalid input.")
	fmt.Fprintf(&b, "qosagent_run_exit_code{%s} %d\n", cmd, run.ExitCode)
	help("qosagent_run_switches", "gauge", "Switches of the last run by status.")
	sm := rep.Summary
	for _, st := range []struct {
		name string
		n    int
	}{{"compliant", sm.Compliant}, {"drift", sm.Drift}, {"error", sm.Error}, {"changed", sm.Changed}, {"planned", sm.Planned}, {"skipped", sm.Skipped}} {
		fmt.Fprintf(&b, "qosagent_run_switches{%s,status=\"%s\"} %d\n", cmd, st.name, st.n)
	}
	help("qosagent_run_switch_errors", "gauge", "Switches of the last run that failed, by class of failure.")
	byClass := map[string]int{}
	for _, s := range sws {
		if s.Status == StatusError {
			cls := s.ErrorClass
			if cls == "" {
				cls = vendors.ClassOther
			}
			byClass[cls]++
		}
	}
	for _, cls := range vendors.Classes {
		fmt.Fprintf(&b, "qosagent_run_switch_errors{%s,class=\"%s\"} %d\n", cmd, cls, byClass[cls])
	}
	var reqs, retries int64
	for _, s := range sws {
		reqs += s.Requests
		retries += s.Retries
	}
	help("qosagent_run_snmp_requests", "gauge", "SNMP requests sent in the last run, retries included.")
	fmt.Fprintf(&b, "qosagent_run_snmp_requests{%s} %d\n", cmd, reqs)
	help("qosagent_run_snmp_retries", "gauge", "SNMP retries in the last run.")
	fmt.Fprintf(&b, "qosagent_run_snmp_retries{%s} %d\n", cmd, retries)
	return fsutil.WriteAtomic(path, []byte(b.String()), 0o644)
}

// labelEscaper escapes a label value as the text format wants.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escape(s string) string { return labelEscaper.Replace(s) }

var lastSuccessLine = regexp.MustCompile(`^qosagent_switch_last_success_timestamp_seconds\{(.*)\} (\S+)$`)

// lastSuccess reads the previous file's last-success times, keyed by labels.
func lastSuccess(path string) map[string]string {
	m := map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if g := lastSuccessLine.FindStringSubmatch(sc.Text()); g != nil {
			if _, err := strconv.ParseFloat(g[2], 64); err == nil {
				m[g[1]] = g[2]
			}
		}
	}
	return m
}

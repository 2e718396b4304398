package agent

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/qosagent/qosagent/vendors"
)

//go:embed report.html.tmpl
var htmlTemplate string

var reportHTML = template.Must(template.New("report").Parse(htmlTemplate))

// queueView is one queue of a switch in the HTML picture, top queue first.
type queueView struct {
	ID      int
	Top     bool
	Sched   string   // "strict", "weighted" or "" when the report does not say
	Classes []string // "audio: 46", the policy's classes whose values sit here
}

type switchHTML struct {
	*SwitchResult
	Before, After []queueView
	Changed       bool // After differs from Before
	Details       []string
}

type reportHTMLData struct {
	*Report
	Title    string
	Sites    []SiteSummary
	Switches []switchHTML
}

// WriteHTML writes the report as one self-contained HTML page (no
// external assets, no scripts) a change ticket can carry: the summary per
// site, then per switch its queues before and after the change (which
// classes sit on which queue, strict or weighted), the findings and the
// exact commands.
func (r *Report) WriteHTML(w io.Writer) error {
	title := "qosagent " + r.Command
	if r.DryRun {
		title += " --dry-run"
	}
	d := reportHTMLData{Report: r, Title: title, Sites: r.Sites()}
	err := r.Each(func(s *SwitchResult) error {
		before, after := queuePictures(r.Policy, s)
		d.Switches = append(d.Switches, switchHTML{SwitchResult: s, Before: before, After: after,
			Changed: fmt.Sprint(before) != fmt.Sprint(after), Details: detailLines(s)})
		return nil
	})
	if err != nil {
		return err
	}
	return reportHTML.Execute(w, d)
}

// queuePictures draws the switch's queues before and after its changes.
// The map read from the switch is the "before" of an audit or a plan and
// the "after" of an applied change; the other side follows from the
// changes. Scheduling is what the report knows: the scheduler changes, and
// the order pairs of the state read.
func queuePictures(p Policy, s *SwitchResult) (before, after []queueView) {
	if len(s.DSCPMap) == 0 || len(s.Queues) == 0 {
		return nil, nil
	}
	read := slices.Clone([]int(s.DSCPMap))
	other := slices.Clone(read)
	applied := s.Status == StatusChanged
	for _, c := range s.Changes {
		if c.DSCP < 0 || c.DSCP >= len(other) || !isGlobal(c.Scope) {
			continue // the picture is of the global map, as dscp_map is
		}
		if applied {
			other[c.DSCP] = c.From
		} else {
			other[c.DSCP] = c.To
		}
	}
	readSched := map[int]string{}
	for _, pair := range s.OrderPairs {
		for _, c := range p.Classes {
			if c.Name == pair.Above && len(c.DSCP) > 0 && c.DSCP[0] < len(read) {
				readSched[read[c.DSCP[0]]] = string(pair.Kind)
			}
		}
	}
	otherSched := map[int]string{}
	for q, k := range readSched {
		otherSched[q] = k
	}
	for _, c := range s.SchedulerChanges {
		if !isGlobal(c.Scope) {
			continue
		}
		from, to := schedName(c.FromStrict), schedName(c.ToStrict)
		if applied {
			readSched[c.Queue], otherSched[c.Queue] = to, from
		} else {
			readSched[c.Queue], otherSched[c.Queue] = from, to
		}
	}
	rb, ra := picture(p, s, read, readSched), picture(p, s, other, otherSched)
	if applied {
		return ra, rb
	}
	return rb, ra
}

func picture(p Policy, s *SwitchResult, m []int, sched map[int]string) []queueView {
	out := make([]queueView, 0, len(s.Queues))
	for i := len(s.Queues) - 1; i >= 0; i-- {
		id := s.Queues[i]
		qv := queueView{ID: id, Top: i == len(s.Queues)-1, Sched: sched[id]}
		for _, c := range p.Classes {
			var vals []string
			for _, d := range c.DSCP {
				if d < len(m) && m[d] == id {
					vals = append(vals, fmt.Sprint(d))
				}
			}
			if len(vals) > 0 {
				qv.Classes = append(qv.Classes, c.Name+": "+strings.Join(vals, ", "))
			}
		}
		out = append(out, qv)
	}
	return out
}

// isGlobal says a change is to the switch-wide setting ("" in reports
// written before changes carried their scope).
func isGlobal(scope string) bool { return scope == "" || scope == vendors.GlobalPort }

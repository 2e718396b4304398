package agent

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// SiteSummary counts one site's switches by status.
type SiteSummary struct {
	Site    string  `json:"site"`
	Summary Summary `json:"summary"`
}

// Sites counts switches by status per site, sites in the order the report
// first names them.
func (r *Report) Sites() []SiteSummary {
	idx := map[string]int{}
	var out []SiteSummary
	for _, sw := range r.Lines() {
		i, ok := idx[sw.Site]
		if !ok {
			i = len(out)
			idx[sw.Site] = i
			out = append(out, SiteSummary{Site: sw.Site})
		}
		out[i].Summary.add(sw.Status)
	}
	return out
}

func (s *Summary) add(st Status) {
	s.Switches++
	switch st {
	case StatusCompliant:
		s.Compliant++
	case StatusDrift:
		s.Drift++
	case StatusError:
		s.Error++
	case StatusChanged:
		s.Changed++
	case StatusPlanned:
		s.Planned++
	case StatusSkipped:
		s.Skipped++
	}
}

// bySite returns the indexes of the report's switches grouped by site, in
// the order of Sites.
func (r *Report) bySite() [][]int {
	idx := map[string]int{}
	var out [][]int
	for i, sw := range r.Lines() {
		g, ok := idx[sw.Site]
		if !ok {
			g = len(out)
			idx[sw.Site] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], i)
	}
	return out
}

// classColumn names a policy class in the table: its name and the DSCP
// value whose queue the column shows (the class's first).
func classColumn(c Class) string {
	if len(c.DSCP) == 0 {
		return c.Name
	}
	return fmt.Sprintf("%s(%d)", c.Name, c.DSCP[0])
}

// classQueue is the native queue of the class's first DSCP value on the
// switch, "*" marking the switch's top queue; "-" when unread.
func classQueue(s *Line, c Class) string {
	if len(c.DSCP) == 0 || !s.Mapped || c.DSCP[0] < 0 || c.DSCP[0] >= len(s.DSCP) {
		return "-"
	}
	q := s.DSCP[c.DSCP[0]]
	out := strconv.Itoa(int(q))
	if s.Top >= 0 && s.Top == q {
		out += "*"
	}
	return out
}

// WriteTable writes a human-readable report: one row per switch grouped
// by site with a line per site, then the findings, changes, commands and
// errors of those that are not compliant. The class columns follow the
// report's policy.
func (r *Report) WriteTable(w io.Writer) error {
	head := []string{"SITE", "SWITCH", "VENDOR", "STATUS"}
	for _, c := range r.Policy.Classes {
		head = append(head, strings.ToUpper(classColumn(c)))
	}
	head = append(head, "ORDER", "FINDINGS", "CHANGES")
	rows := [][]string{head}
	groups := r.bySite()
	sites := r.Sites()
	lines := r.Lines()
	type siteLine struct {
		before int
		text   string
	}
	var siteLines []siteLine
	for g, ids := range groups {
		if len(groups) > 1 {
			siteLines = append(siteLines, siteLine{len(rows), fmt.Sprintf("site %s: %s", sites[g].Site, sites[g].Summary)})
		}
		for _, i := range ids {
			s := &lines[i]
			order := string(s.Order)
			if order == "" {
				order = "-"
			}
			row := []string{s.Site, s.Name, s.Vendor, string(s.Status)}
			for _, c := range r.Policy.Classes {
				row = append(row, classQueue(s, c))
			}
			rows = append(rows, append(row, order, strconv.Itoa(int(s.Findings)), strconv.Itoa(int(s.Changes))))
		}
	}
	widths := make([]int, len(head))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], len(c))
		}
	}
	var b strings.Builder
	next := 0
	for n, row := range rows {
		if next < len(siteLines) && siteLines[next].before == n {
			fmt.Fprintf(&b, "%s\n", siteLines[next].text)
			next++
		}
		for i, c := range row {
			if i == len(row)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-len(c)+2))
		}
		b.WriteByte('\n')
	}
	if len(r.Policy.Classes) > 0 {
		b.WriteString("class columns: the switch's native queue id of the class's first DSCP value; * marks the switch's top (highest-priority) queue\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	// Only the switches with details are read back from a spool.
	err := r.each(func(l *Line) bool { return l.Detail }, func(s *SwitchResult) error {
		lines := detailLines(s)
		if len(lines) == 0 {
			return nil
		}
		_, err := fmt.Fprintf(w, "\n%s/%s (%s):\n  %s\n", s.Site, s.Name, s.Status, strings.Join(lines, "\n  "))
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", r.Summary)
	if r.Interrupted {
		fmt.Fprintln(w, "run interrupted: switches not started are reported as skipped")
	}
	return nil
}

// WriteSummaryTable writes only the per-site and overall counts.
func (r *Report) WriteSummaryTable(w io.Writer) error {
	var b strings.Builder
	for _, s := range r.Sites() {
		fmt.Fprintf(&b, "site %s: %s\n", s.Site, s.Summary)
	}
	fmt.Fprintf(&b, "all: %s\n", r.Summary)
	if r.Interrupted {
		b.WriteString("run interrupted: switches not started are reported as skipped\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// summaryReport is the JSON of --summary: the report without its
// switches, with counts per site.
type summaryReport struct {
	Report
	Switches []SwitchResult `json:"switches,omitempty"`
	Sites    []SiteSummary  `json:"sites"`
}

// WriteSummaryJSON writes the report's head, its summary and the counts
// per site, without the switches.
func (r *Report) WriteSummaryJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	return enc.Encode(summaryReport{Report: *r, Sites: r.Sites()})
}

// WriteCSV writes one row per switch, for spreadsheets: the class columns
// follow the policy, as in the table.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"site", "switch", "vendor", "address", "status", "top_queue"}
	for _, c := range r.Policy.Classes {
		head = append(head, classColumn(c)+"_queue")
	}
	head = append(head, "order", "findings", "changes", "commands", "error", "error_class", "reason")
	if err := cw.Write(head); err != nil {
		return err
	}
	err := r.Each(func(s *SwitchResult) error {
		top := ""
		if s.TopQueue != nil {
			top = strconv.Itoa(*s.TopQueue)
		}
		row := []string{s.Site, s.Name, s.Vendor, s.Address, string(s.Status), top}
		for _, c := range r.Policy.Classes {
			q := ""
			if len(c.DSCP) > 0 && c.DSCP[0] < len(s.DSCPMap) {
				q = strconv.Itoa(s.DSCPMap[c.DSCP[0]])
			}
			row = append(row, q)
		}
		row = append(row, string(s.Order), strconv.Itoa(len(s.Findings)), strconv.Itoa(s.ChangeCount()),
			strings.Join(s.Commands, "\n"), s.Error, s.ErrorClass, s.Reason)
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

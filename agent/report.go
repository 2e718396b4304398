package agent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
)

// Status of one switch in a report.
type Status string

const (
	StatusCompliant Status = "compliant"
	StatusDrift     Status = "drift"
	StatusError     Status = "error"
	StatusChanged   Status = "changed" // apply wrote, verified and saved
	StatusPlanned   Status = "planned" // dry run: changes computed, nothing written
	StatusSkipped   Status = "skipped" // not contacted (lock refused, interrupted, invalid input); Reason says why
)

// Exit codes, Nagios style (README documents them).
const (
	ExitOK      = 0
	ExitDrift   = 1
	ExitError   = 2
	ExitInvalid = 3
)

// SwitchResult is one switch's line of a report.
type SwitchResult struct {
	Site     string              `json:"site"`
	Name     string              `json:"name"`
	Vendor   string              `json:"vendor"`
	Address  string              `json:"address"`
	Status   Status              `json:"status"`
	Queues   []int               `json:"queues"`
	DSCPMap  DSCPMap             `json:"dscp_map"`
	Trust    []vendors.PortTrust `json:"trust,omitempty"`
	TopQueue *int                `json:"top_queue,omitempty"`
	// Order is "strict" when every class is kept ahead of the next by strict
	// priority, "weighted" when at least one pair relies on share weights only.
	Order            vendors.Order             `json:"order,omitempty"`
	OrderPairs       []OrderPair               `json:"order_pairs,omitempty"`
	Findings         []Finding                 `json:"findings"`
	Changes          []vendors.MapChange       `json:"changes"`
	QoSEnable        *bool                     `json:"qos_enable,omitempty"`
	TrustChanges     []vendors.TrustChange     `json:"trust_changes,omitempty"`
	SchedulerChanges []vendors.SchedulerChange `json:"scheduler_changes,omitempty"`
	// Save is set when the plan saves the running config (the saved rule).
	Save bool `json:"save,omitempty"`
	// RemarkPorts are the ports that re-mark DSCP to 0 once the plan turns
	// QoS on, because the policy leaves them untrusted.
	RemarkPorts []string `json:"remark_ports,omitempty"`
	// Commands are the exact lines (CLI) or SET varbinds (SNMP) the change
	// sends, then those that save it; RollbackCommands are what restoring
	// the backup would send. Set when the adapter can preview its writes.
	Commands         []string `json:"commands,omitempty"`
	RollbackCommands []string `json:"rollback_commands,omitempty"`
	Backup           string   `json:"backup,omitempty"`
	Error            string   `json:"error"`
	// ErrorClass says what kind of failure Error is (vendors.Classes).
	ErrorClass string `json:"error_class,omitempty"`
	// Reason says why a switch was skipped (status skipped).
	Reason     string `json:"reason,omitempty"`
	DurationMS int64  `json:"duration_ms"`
	Requests   int64  `json:"requests,omitempty"` // SNMP requests sent, retries included
	Retries    int64  `json:"retries,omitempty"`

	budgets budgets // the switch's patience and save timeout, for the transaction
}

// Summary counts switches by status.
type Summary struct {
	Switches  int `json:"switches"`
	Compliant int `json:"compliant"`
	Drift     int `json:"drift"`
	Error     int `json:"error"`
	Changed   int `json:"changed"`
	Planned   int `json:"planned"`
	Skipped   int `json:"skipped,omitempty"`
}

// String is the summary line of the table report and of the history.
func (s Summary) String() string {
	line := fmt.Sprintf("%d switches: %d compliant, %d drift, %d error, %d changed, %d planned",
		s.Switches, s.Compliant, s.Drift, s.Error, s.Changed, s.Planned)
	if s.Skipped > 0 {
		line += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	return line
}

// Report is the result of one audit or apply run. Switches are the results
// in inventory order, unless the run spooled them (Engine.Spool): then
// Switches is nil, and Len, Lines, Each and the writers read the spool.
type Report struct {
	GeneratedAt time.Time      `json:"generated_at"`
	Command     string         `json:"command"`
	DryRun      bool           `json:"dry_run,omitempty"`
	Interrupted bool           `json:"interrupted,omitempty"`
	Policy      Policy         `json:"policy"`
	Summary     Summary        `json:"summary"`
	Switches    []SwitchResult `json:"switches"`

	spool *spool
}

// Len is the number of switches in the report.
func (r *Report) Len() int {
	if r.spool != nil {
		return len(r.spool.lines)
	}
	return len(r.Switches)
}

// Lines returns every switch's Line, in inventory order.
func (r *Report) Lines() []Line {
	if r.spool != nil {
		return r.spool.lines
	}
	out := make([]Line, len(r.Switches))
	for i := range r.Switches {
		out[i] = lineOf(&r.Switches[i])
	}
	return out
}

// Each calls fn with every switch's result in inventory order, reading a
// spooled report back one result at a time (each a value of its own).
func (r *Report) Each(fn func(*SwitchResult) error) error {
	return r.each(nil, fn)
}

// each is Each for the switches whose Line want accepts (nil: all).
func (r *Report) each(want func(*Line) bool, fn func(*SwitchResult) error) error {
	if r.spool == nil {
		for i := range r.Switches {
			if want != nil {
				if l := lineOf(&r.Switches[i]); !want(&l) {
					continue
				}
			}
			if err := fn(&r.Switches[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if err := r.spool.flush(); err != nil {
		return err
	}
	var buf []byte
	for i := range r.spool.lines {
		if want != nil && !want(&r.spool.lines[i]) {
			continue
		}
		b, err := r.spool.raw(i, buf)
		if err != nil {
			return err
		}
		buf = b
		res := new(SwitchResult)
		if err := json.Unmarshal(b, res); err != nil {
			return fmt.Errorf("report spool: switch %d: %w", i, err)
		}
		if err := fn(res); err != nil {
			return err
		}
	}
	return nil
}

// Close releases what a spooled report holds (its temporary file); the
// report cannot be written afterwards. It is a no-op otherwise.
func (r *Report) Close() error {
	if r.spool == nil {
		return nil
	}
	err := r.spool.close()
	r.spool = nil
	return err
}

func (r *Report) summarize() {
	lines := r.Lines()
	var s Summary
	for _, sw := range lines {
		s.add(sw.Status)
	}
	r.Summary = s
}

// Skipped is the result of a switch the run did not contact, and why.
func Skipped(sw inventory.Switch, reason string) SwitchResult {
	res := baseResult(sw)
	res.Status, res.Reason = StatusSkipped, reason
	return res
}

// SkippedReport is the report of a run that contacted no switch: every
// switch in scope skipped for reason (a site lock refused, invalid input
// found after the inventory loaded). Its exit code is the caller's.
func SkippedReport(command string, dryRun bool, p Policy, sws []inventory.Switch, reason string, now time.Time) *Report {
	rep := &Report{GeneratedAt: now.UTC(), Command: command, DryRun: dryRun, Policy: p, Switches: make([]SwitchResult, len(sws))}
	for i, sw := range sws {
		rep.Switches[i] = Skipped(sw, reason)
	}
	rep.summarize()
	return rep
}

// ExitCode maps the report to the documented exit codes.
func (r *Report) ExitCode() int {
	switch {
	case r.Summary.Error > 0 || r.Summary.Skipped > 0 || r.Interrupted:
		return ExitError
	case r.Summary.Drift > 0 || r.Summary.Planned > 0:
		return ExitDrift
	}
	return ExitOK
}

// DSCPMap holds the native queue of each DSCP value 0..63, indexed by the
// value; nil when the switch could not be read. In JSON it is the object
// the README's report contract gives, keyed by the value in decimal, in
// DSCP order.
type DSCPMap []int

// MarshalJSON writes {"0":q0,"1":q1,...} without reflection: a fleet report
// encodes one map per switch twice (report and history).
func (m DSCPMap) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 2+len(m)*8)
	b = append(b, '{')
	for d, q := range m {
		if d > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(d), 10)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, int64(q), 10)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads the object back (reports and history rows); every
// DSCP value 0..63 must be there once, and nothing else.
func (m *DSCPMap) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*m = nil
		return nil
	}
	var raw map[string]int
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if len(raw) != vendors.NumDSCP {
		return fmt.Errorf("dscp_map has %d entries; expected %d", len(raw), vendors.NumDSCP)
	}
	out := make(DSCPMap, vendors.NumDSCP)
	for k, q := range raw {
		d, err := strconv.Atoi(k)
		if err != nil || d < 0 || d >= vendors.NumDSCP || strconv.Itoa(d) != k {
			return fmt.Errorf("dscp_map: key %q is not a DSCP value 0..63", k)
		}
		out[d] = q
	}
	*m = out
	return nil
}

// setState fills the state columns of a result.
func (res *SwitchResult) setState(p Policy, st vendors.State) {
	res.Queues = append([]int(nil), st.Queues...)
	res.DSCPMap = nil
	if m := st.GlobalMap(); len(m) == vendors.NumDSCP {
		res.DSCPMap = DSCPMap(append([]int(nil), m...))
	}
	res.Trust = st.Trusts()
	if len(st.Queues) > 0 {
		res.TopQueue = intp(st.Top())
		if len(p.Classes) <= len(st.Queues) && st.Validate() == nil {
			res.Order, res.OrderPairs = Ordering(p, st)
		}
	}
}

func (res *SwitchResult) setChange(ch vendors.Change) {
	res.Changes = ch.Map
	if res.Changes == nil {
		res.Changes = []vendors.MapChange{} // [] in JSON, like an audit's
	}
	res.QoSEnable = ch.QoSEnable
	res.TrustChanges = ch.Trust
	res.SchedulerChanges = ch.Scheduler
	res.Save = ch.Save
	res.RemarkPorts = ch.RemarkPorts
}

// setFindings sets the findings, [] rather than null in JSON when none.
func (res *SwitchResult) setFindings(fs []Finding) {
	res.Findings = fs
	if fs == nil {
		res.Findings = []Finding{}
	}
}

// ChangeCount is the number of changes planned or made: map rows, trust,
// scheduler and QoS enable alike.
func (res *SwitchResult) ChangeCount() int {
	return vendors.Change{Map: res.Changes, QoSEnable: res.QoSEnable, Trust: res.TrustChanges,
		Scheduler: res.SchedulerChanges, Save: res.Save}.Len()
}

// WriteJSON writes the report as one JSON document, one switch per line.
// It streams switch by switch: a fleet of thousands must not be held twice
// in memory, as a whole-report encoding would.
func (r *Report) WriteJSON(w io.Writer) error {
	head := *r
	head.Switches = nil
	hb, err := json.Marshal(head)
	if err != nil {
		return err
	}
	const tail = `"switches":null}`
	if !bytes.HasSuffix(hb, []byte(tail)) {
		return fmt.Errorf("report: switches must be the last field")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(hb[:len(hb)-len(tail)])
	bw.WriteString(`"switches":[`)
	if r.spool != nil {
		if err := r.spool.flush(); err != nil {
			return err
		}
	}
	var buf []byte
	for i := range r.Len() {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n  ")
		var err error
		if r.spool != nil {
			buf, err = r.spool.raw(i, buf)
		} else {
			buf, err = json.Marshal(&r.Switches[i])
		}
		if err != nil {
			return err
		}
		bw.Write(buf)
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// detailLines are the findings, planned or made changes, commands and
// errors of one switch, one line each, as the table and HTML reports show
// them.
func detailLines(s *SwitchResult) []string {
	var lines []string
	if s.Error != "" {
		cls := ""
		if s.ErrorClass != "" {
			cls = " [" + s.ErrorClass + "]"
		}
		lines = append(lines, "error"+cls+": "+s.Error)
	}
	if s.Reason != "" {
		lines = append(lines, "skipped: "+s.Reason)
	}
	var trustPorts []string
	// Findings alike in many scopes are told once, with the scopes.
	type key struct{ rule, msg string }
	byFinding := map[key][]string{}
	var order []key
	for _, f := range s.Findings {
		if f.Rule == RuleTrust && f.GotTrust != "" {
			trustPorts = append(trustPorts, f.Port)
			continue
		}
		k := key{f.Rule, f.Message}
		if byFinding[k] == nil {
			order = append(order, k)
		}
		byFinding[k] = append(byFinding[k], f.Scope)
	}
	for _, k := range order {
		lines = append(lines, fmt.Sprintf("%s: %s%s", k.rule, k.msg, scopeSuffix(byFinding[k])))
	}
	if len(trustPorts) > 0 {
		lines = append(lines, fmt.Sprintf("%s: %s not trusting dscp", RuleTrust, portList(trustPorts)))
	}
	verb := "change"
	if s.Status == StatusPlanned || s.Status == StatusDrift {
		verb = "plan"
	}
	type move struct{ dscp, from, to int }
	byMap := map[move][]string{}
	var moves0 []move
	for _, c := range s.Changes {
		k := move{c.DSCP, c.From, c.To}
		if byMap[k] == nil {
			moves0 = append(moves0, k)
		}
		byMap[k] = append(byMap[k], c.Scope)
	}
	for _, c := range moves0 {
		lines = append(lines, fmt.Sprintf("%s: dscp %d (%s) queue %d -> %d%s", verb, c.dscp, dscpName(c.dscp), c.from, c.to, scopeSuffix(byMap[c])))
	}
	if s.QoSEnable != nil {
		lines = append(lines, fmt.Sprintf("%s: global QoS enabled -> %v", verb, *s.QoSEnable))
	}
	if len(s.RemarkPorts) > 0 {
		lines = append(lines, fmt.Sprintf("warning: once QoS is on, DSCP is re-marked to 0 on %s (untrusted under the policy)", portList(s.RemarkPorts)))
	}
	bySched := map[string][]string{}
	var scheds []string
	for _, c := range s.SchedulerChanges {
		var k string
		if c.FromStrict != c.ToStrict {
			k = fmt.Sprintf("queue %d scheduler %s -> %s", c.Queue, schedName(c.FromStrict), schedName(c.ToStrict))
		}
		if c.FromWeight != c.ToWeight {
			if k != "" {
				k += ", "
			}
			k += fmt.Sprintf("queue %d share weight %d -> %d", c.Queue, c.FromWeight, c.ToWeight)
		}
		if bySched[k] == nil {
			scheds = append(scheds, k)
		}
		bySched[k] = append(bySched[k], c.Scope)
	}
	for _, k := range scheds {
		lines = append(lines, fmt.Sprintf("%s: %s%s", verb, k, scopeSuffix(bySched[k])))
	}
	if s.Save {
		lines = append(lines, verb+": save the running config (the switch would boot with other settings)")
	}
	// One line per (from, to) pair: a switch has dozens of ports.
	byMove := map[string][]string{}
	var moves []string
	for _, c := range s.TrustChanges {
		k := fmt.Sprintf("trust %s -> %s", c.From, c.To)
		if byMove[k] == nil {
			moves = append(moves, k)
		}
		byMove[k] = append(byMove[k], c.Port)
	}
	for _, k := range moves {
		lines = append(lines, fmt.Sprintf("%s: %s on %s", verb, k, portList(byMove[k])))
	}
	if s.Backup != "" {
		lines = append(lines, "backup: "+s.Backup)
	}
	for _, c := range s.Commands {
		lines = append(lines, "send: "+c)
	}
	for _, c := range s.RollbackCommands {
		lines = append(lines, "rollback: "+c)
	}
	return lines
}

// portList names ports compactly: "global setting and ports 1, 2, 3".
func portList(ports []string) string {
	var names []string
	global := false
	for _, p := range ports {
		if p == vendors.GlobalPort {
			global = true
		} else {
			names = append(names, p)
		}
	}
	out := ""
	if global {
		out = "global setting"
		if len(names) > 0 {
			out += " and "
		}
	}
	switch len(names) {
	case 0:
	case 1:
		out += "port " + names[0]
	default:
		out += "ports " + strings.Join(names, ", ")
	}
	return out
}

// scopeSuffix names the scopes of a line, "" when it is the global one alone.
func scopeSuffix(scopes []string) string {
	if len(scopes) == 0 || len(scopes) == 1 && (scopes[0] == vendors.GlobalPort || scopes[0] == "") {
		return ""
	}
	return " (" + portList(scopes) + ")"
}

func schedName(strict bool) string {
	if strict {
		return "strict"
	}
	return "weighted"
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

package cli

import (
	"bufio"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/qosagent/qosagent/vendors"
)

// reading collects what the show commands of a dialect say; toState turns
// it into the platform-neutral state.
type reading struct {
	d           *Dialect
	trustWords  map[string]vendors.Trust // the dialect's (Dialect.TrustWords)
	numQueues   int                      // queue count the device showed; 0 = not shown
	configs     map[string]*config       // "running" and "startup", where read
	qosDisabled *bool
	dscp        map[int]int
	globalTrust vendors.Trust
	ports       []string // in the order the device lists them
	portTrust   map[string]vendors.Trust
	portPQ      map[string]bool  // port has its expedite (top) queue enabled
	portWeights map[string][]int // share weights per port, queue 1..n order
	strict      map[int]bool     // queue ID -> strict, where the platform says so per queue
	strictTop   *int             // number of top queues that are strict (count platforms)
	shownStrict map[int]bool     // queue ID -> EF priority (strict) as a queue show prints it, where it does
	threshold   map[int]int      // dscp -> drop threshold, where the map has them
}

// detail is what a device says beyond the neutral state that config lines
// must preserve: drop thresholds.
type detail struct {
	threshold map[int]int
}

// newReading starts reading a switch of this dialect.
func (d *Dialect) newReading() *reading {
	return &reading{d: d, trustWords: d.TrustWords, configs: map[string]*config{}, dscp: map[int]int{}, portTrust: map[string]vendors.Trust{}, portPQ: map[string]bool{},
		portWeights: map[string][]int{}, strict: map[int]bool{}, threshold: map[int]int{}}
}

// trust turns the device's word for a trust mode into ours.
func (r *reading) trust(word string) (vendors.Trust, error) {
	if t, ok := r.trustWords[word]; ok {
		return t, nil
	}
	return "", fmt.Errorf("trust mode %q is unknown", word)
}

// parser reads one show command's output into r.
type parser func(out string, r *reading) error

var parsers = map[string]parser{
	"ios-qos":                parseIOSQoS,
	"grid-queue-threshold":   gridParser(regexp.MustCompile(`^(\d{1,2})-(\d{1,2})$`)),
	"grid-queue":             gridParser(regexp.MustCompile(`^(\d{1,2})$`)),
	"rows-dscp-queue":        parseDSCPRows,
	"ios-interface-trust":    parseIOSTrust,
	"ios-interface-queueing": parseIOSQueueing,
	"sb-qos":                 parseSBQoS,
	"fastpath-trust":         parseFastpathTrust,
	"fastpath-cos-queue":     parseFastpathCosQueue,
	"running-config":         configParser("running"),
	"startup-config":         configParser("startup"),
	"sb-queuing":             parseSBQueuing,
}

func lines(out string) []string {
	var ls []string
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		ls = append(ls, strings.TrimRight(sc.Text(), " \t\r"))
	}
	return ls
}

func parseIOSQoS(out string, r *reading) error {
	for _, l := range lines(out) {
		switch strings.TrimSpace(l) {
		case "QoS is enabled":
			r.qosDisabled = ptr(false)
			return nil
		case "QoS is disabled":
			r.qosDisabled = ptr(true)
			return nil
		}
	}
	return fmt.Errorf("no \"QoS is enabled\" or \"QoS is disabled\" line")
}

func ptr[T any](v T) *T { return &v }

var gridRow = regexp.MustCompile(`^\s*(\d)\s*:\s+(\S.*)$`)

// gridParser reads a d1 x d2 matrix (DSCP = 10*d1 + d2) whose cells match
// cell, the queue being the first submatch.
func gridParser(cell *regexp.Regexp) parser {
	return func(out string, r *reading) error {
		for _, l := range lines(out) {
			m := gridRow.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			d1, _ := strconv.Atoi(m[1])
			for d2, c := range strings.Fields(m[2]) {
				cm := cell.FindStringSubmatch(c)
				if cm == nil {
					return fmt.Errorf("row %d: cell %q is not a queue", d1, c)
				}
				d := d1*10 + d2
				if d2 > 9 || d >= vendors.NumDSCP {
					return fmt.Errorf("row %d: too many cells", d1)
				}
				q, _ := strconv.Atoi(cm[1])
				if err := r.setDSCP(d, q); err != nil {
					return err
				}
				if len(cm) > 2 {
					r.threshold[d], _ = strconv.Atoi(cm[2])
				}
			}
		}
		return r.fullMap()
	}
}

// setDSCP records one map entry; a value listed twice is garbled output.
func (r *reading) setDSCP(d, q int) error {
	if d < 0 || d >= vendors.NumDSCP {
		return fmt.Errorf("dscp %d out of range", d)
	}
	if _, dup := r.dscp[d]; dup {
		return fmt.Errorf("dscp %d listed twice", d)
	}
	r.dscp[d] = q
	return nil
}

// fullMap checks that every DSCP value was listed.
func (r *reading) fullMap() error {
	if len(r.dscp) != vendors.NumDSCP {
		return fmt.Errorf("map lists %d DSCP values; expected %d", len(r.dscp), vendors.NumDSCP)
	}
	return nil
}

var dscpRow = regexp.MustCompile(`^\s*(\d{1,2})(?:\([\w/]+\))?\s+(\d{1,2})$`)

func parseDSCPRows(out string, r *reading) error {
	for _, l := range lines(out) {
		m := dscpRow.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		d, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		if err := r.setDSCP(d, q); err != nil {
			return err
		}
	}
	return r.fullMap()
}

// blocks splits "Port\nkey: value\n..." output into per-port key/value maps.
func blocks(out string) (ports []string, kv map[string]map[string]string) {
	kv = map[string]map[string]string{}
	cur := ""
	for _, l := range lines(out) {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if k, v, ok := strings.Cut(t, ":"); ok && cur != "" {
			kv[cur][strings.ToLower(strings.Join(strings.Fields(k), " "))] = strings.TrimSpace(v)
			continue
		}
		if !strings.ContainsAny(t, " :") {
			cur = t
			ports = append(ports, cur)
			kv[cur] = map[string]string{}
		}
	}
	return ports, kv
}

func parseIOSTrust(out string, r *reading) error {
	ports, kv := blocks(out)
	if len(ports) == 0 {
		return fmt.Errorf("no interfaces listed")
	}
	for _, p := range ports {
		v, ok := kv[p]["trust mode"]
		if !ok {
			return fmt.Errorf("%s: no \"trust mode\" line", p)
		}
		t, err := r.trust(v)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		// Both rewrite what a trusted port classifies by, which the
		// model does not hold: "mls qos cos override" gives every packet
		// the port's default CoS whatever the port trusts, and a DSCP
		// mutation map rewrites trusted DSCP before the queue map (Catalyst
		// 3750 QoS configuration guide). Such a port is not judged.
		if o := kv[p]["cos override"]; o != "" && o != "dis" {
			return fmt.Errorf("%s: COS override %q: every packet gets the port's default CoS, whatever it trusts (no mls qos cos override): %w", p, o, vendors.ErrUnsupported)
		}
		if m, ok := kv[p]["dscp mutation map"]; ok && m != "Default DSCP Mutation Map" {
			return fmt.Errorf("%s: DSCP mutation map %q rewrites trusted DSCP before the queue map: %w", p, m, vendors.ErrUnsupported)
		}
		r.ports = append(r.ports, p)
		r.portTrust[p] = t
	}
	return nil
}

func parseIOSQueueing(out string, r *reading) error {
	ports, kv := blocks(out)
	if len(ports) == 0 {
		return fmt.Errorf("no interfaces listed")
	}
	for _, p := range ports {
		switch v := kv[p]["egress priority queue"]; v {
		case "enabled":
			r.portPQ[p] = true
		case "disabled":
			r.portPQ[p] = false
		default:
			return fmt.Errorf("%s: egress priority queue %q; expected enabled or disabled", p, v)
		}
		ws := strings.Fields(kv[p]["shared queue weights"])
		if len(ws) == 0 {
			return fmt.Errorf("%s: no shared queue weights", p)
		}
		for _, w := range ws {
			n, err := strconv.Atoi(w)
			if err != nil || n < 0 || n > 255 {
				return fmt.Errorf("%s: shared queue weight %q", p, w)
			}
			r.portWeights[p] = append(r.portWeights[p], n)
		}
		// A shaped queue is rate-limited and its share weight ignored
		// ("the shaped mode overrides the shared mode", Catalyst 3750 QoS
		// configuration guide): the share ranking of Q2-Q4 would claim an
		// order the port does not keep. Q1's shaping is moot once it is
		// the expedite queue, and not strict without it.
		for i, w := range strings.Fields(kv[p]["shaped queue weights (absolute)"]) {
			if i > 0 && w != "0" {
				return fmt.Errorf("%s: queue %d is shaped (shaped queue weights %q): share weights do not rank it: %w", p, i+1, kv[p]["shaped queue weights (absolute)"], vendors.ErrUnsupported)
			}
		}
		if r.numQueues != 0 && r.numQueues != len(ws) {
			return fmt.Errorf("%s: %d share weights, other ports %d: %w", p, len(ws), r.numQueues, vendors.ErrParse)
		}
		r.numQueues = len(ws) // one weight per queue
	}
	return nil
}

func parseSBQoS(out string, r *reading) error {
	for _, l := range lines(out) {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "qos":
			// Basic mode is what the model holds; advanced mode classifies
			// by policy maps and trusts by other settings.
			switch w := strings.ToLower(v); {
			case w == "disabled":
				r.qosDisabled = ptr(true)
			case w == "basic" || w == "basic mode":
				r.qosDisabled = ptr(false)
			case strings.HasPrefix(w, "advanced"):
				return fmt.Errorf("QoS runs in %s: qosagent reads basic mode only: %w", v, vendors.ErrUnsupported)
			default:
				return fmt.Errorf("\"Qos: %s\" is neither disabled nor basic mode", v)
			}
		case "basic trust":
			t, err := r.trust(v)
			if err != nil {
				return err
			}
			r.globalTrust = t
		}
	}
	if r.qosDisabled == nil {
		return fmt.Errorf("no \"Qos:\" line")
	}
	if r.globalTrust == "" && !*r.qosDisabled {
		return fmt.Errorf("no \"Basic trust:\" line")
	}
	if r.globalTrust == "" {
		r.globalTrust = vendors.TrustUntrusted
	}
	return nil
}

var sbQueuingRow = regexp.MustCompile(`^\s*(\d{1,2})\.?\s*-\s*(\S+)\s+(ena|dis)\s*-\s*(\d+|N/A)\s*$`)

// parseSBQueuing reads the queue rows of "show qos interface queuing"
// (qid - weight, EF priority ena/dis - priority) of the first interface
// listed: every interface has the same queues, as many as the switch's
// queue mode gives (4 or 8). The rows follow the one public layout found
// for this CLI family, "qid - weight dis- N/A" for a WRR queue and
// "qid - N/A ena- qid" for a strict one (the "show qos queueing" example of
// the AQ NOS Lite traffic management guide, which also writes "1." for the
// qid); no Cisco capture was found, so output without such rows is a
// parse error, never a guessed count.
func parseSBQueuing(out string, r *reading) error {
	seen := map[int]bool{}
	for _, l := range lines(out) {
		m := sbQueuingRow.FindStringSubmatch(l)
		if m == nil {
			if len(seen) > 0 && strings.TrimSpace(l) != "" && !strings.Contains(l, "-") {
				break // the next interface's block
			}
			continue
		}
		q, _ := strconv.Atoi(m[1])
		if seen[q] {
			break
		}
		seen[q] = true
		if r.shownStrict == nil {
			r.shownStrict = map[int]bool{}
		}
		r.shownStrict[q] = m[3] == "ena"
	}
	if len(seen) == 0 {
		return fmt.Errorf("no queue rows (qid - weight  ena/dis- priority): %w", vendors.ErrParse)
	}
	for q := 1; q <= len(seen); q++ {
		if !seen[q] {
			return fmt.Errorf("queue ids %v are not 1..%d: %w", slices.Sorted(maps.Keys(seen)), len(seen), vendors.ErrParse)
		}
	}
	r.numQueues = len(seen)
	return nil
}

func parseFastpathTrust(out string, r *reading) error {
	for _, l := range lines(out) {
		k, v, ok := strings.Cut(l, ":")
		if !ok || strings.TrimSpace(k) != "Class of Service Trust Mode" {
			continue
		}
		t, err := r.trust(strings.TrimSpace(v))
		if err != nil {
			return err
		}
		r.globalTrust = t
		return nil
	}
	return fmt.Errorf("no \"Class of Service Trust Mode\" line")
}

// cosQueueRow is a row of "show interfaces cos-queue": the queue id, the
// min and max bandwidth columns where the platform has them, the scheduler.
// The scheduler word is matched in any case: the FASTPATH source prints a
// string constant whose text was not found, and the M4300 CLI manual writes
// strict/weighted in lower case.
var cosQueueRow = regexp.MustCompile(`^\s*(\d{1,2})\s+(?:\d+\s+){0,2}((?i:strict|weighted))\b`)

func parseFastpathCosQueue(out string, r *reading) error {
	for _, l := range lines(out) {
		if strings.Contains(l, "Interface") && len(r.strict) > 0 {
			break // per-interface blocks follow the global one
		}
		if m := cosQueueRow.FindStringSubmatch(l); m != nil {
			q, _ := strconv.Atoi(m[1])
			if _, dup := r.strict[q]; dup {
				break
			}
			r.strict[q] = strings.EqualFold(m[2], "strict")
		}
	}
	if len(r.strict) == 0 {
		return fmt.Errorf("no queue rows: %w", vendors.ErrParse)
	}
	for q := 0; q < len(r.strict); q++ {
		if _, ok := r.strict[q]; !ok {
			return fmt.Errorf("queue ids are not 0..%d: %w", len(r.strict)-1, vendors.ErrParse)
		}
	}
	r.numQueues = len(r.strict)
	return nil
}

// toState assembles the neutral state from a reading: queues as the device
// showed them, in the dialect's priority order, the global scope, and one
// scope per port with settings of its own.
func (d *Dialect) toState(r *reading) (vendors.State, error) {
	var st vendors.State
	if len(r.dscp) != vendors.NumDSCP {
		return st, fmt.Errorf("no DSCP map read: %w", vendors.ErrParse)
	}
	n := r.numQueues
	if n == 0 {
		return st, fmt.Errorf("the switch showed no queue count: %w", vendors.ErrParse)
	}
	if len(d.Queues.Counts) > 0 && !slices.Contains(d.Queues.Counts, n) {
		return st, fmt.Errorf("the switch has %d queues; this dialect knows %v: %w", n, d.Queues.Counts, vendors.ErrUnsupported)
	}
	st.Queues = d.queueIDs(n)
	g := vendors.Scope{Name: vendors.GlobalPort, DSCP: make([]int, vendors.NumDSCP)}
	for dscp, q := range r.dscp {
		if st.Rank(q) < 0 {
			return st, fmt.Errorf("dscp %d maps to queue %d, which this switch does not have (queues %v): %w", dscp, q, st.Queues, vendors.ErrParse)
		}
		g.DSCP[dscp] = q
	}
	if r.qosDisabled != nil {
		st.QoSDisabled = *r.qosDisabled
	}
	run := r.configs["running"]
	if r.strictTop == nil && run != nil {
		r.strictTop = run.strictCount
	}
	switch d.Write.Strict.Scope {
	case "queue":
		g.Sched = make([]vendors.Sched, n)
		for i, id := range st.Queues {
			strict, ok := r.strict[id]
			if !ok {
				return st, fmt.Errorf("no scheduler shown for queue %d: %w", id, vendors.ErrParse)
			}
			g.Sched[i].Strict = strict
		}
	case "count":
		k := n // no line: the factory scheduler
		if d.Write.Strict.Default == "none" {
			k = 0
		}
		if r.strictTop != nil {
			k = *r.strictTop
		}
		if k < 0 || k > n {
			return st, fmt.Errorf("%d strict queues of %d: %w", k, n, vendors.ErrParse)
		}
		g.Sched = make([]vendors.Sched, n)
		for i := n - k; i < n; i++ {
			g.Sched[i].Strict = true
		}
		// The queue show prints each queue's EF priority: where it
		// disagrees with the config (or with the factory default assumed
		// for a config without the line), the device is not what the
		// model thinks it is.
		if len(r.shownStrict) == n {
			for i, id := range st.Queues {
				if r.shownStrict[id] != g.Sched[i].Strict {
					return st, fmt.Errorf("queue %d: the config gives %d strict queues of %d, but the queue show prints its EF priority %s: %w",
						id, k, n, map[bool]string{true: "ena", false: "dis"}[r.shownStrict[id]], vendors.ErrParse)
				}
			}
		}
	}
	g.Trust = r.globalTrust
	st.Scopes = append(st.Scopes, g)
	// Where ports are listed by one show and scheduled by another, both
	// must list the same ports: one missing from either is judged by
	// nobody.
	if len(r.portPQ) > 0 {
		for _, p := range r.ports {
			if _, ok := r.portPQ[p]; !ok && (d.Queues.noQueues == nil || !d.Queues.noQueues.MatchString(p)) {
				return st, fmt.Errorf("%s has no egress queue block (output cut short?): %w", p, vendors.ErrParse)
			}
		}
		for p := range r.portPQ {
			if _, ok := r.portTrust[p]; !ok {
				return st, fmt.Errorf("%s has egress queues but no trust block: %w", p, vendors.ErrParse)
			}
		}
	}
	for _, p := range r.ports {
		sc := vendors.Scope{Name: p, Trust: r.portTrust[p]}
		if pq, ok := r.portPQ[p]; ok {
			ws := r.portWeights[p]
			if len(ws) != n {
				return st, fmt.Errorf("%s: %d share weights; expected %d: %w", p, len(ws), n, vendors.ErrParse)
			}
			sc.Sched = make([]vendors.Sched, n)
			for i, id := range st.Queues {
				sc.Sched[i].Weight = ws[id-d.Queues.First]
			}
			sc.Sched[n-1].Strict = pq
		}
		st.Scopes = append(st.Scopes, sc)
	}
	if run != nil {
		for _, p := range run.ports {
			t := run.portTrust[p]
			if t == trustFollows {
				continue // "qos trust": the port uses the global mode
			}
			if sc := st.Scope(p); sc != nil {
				sc.Trust = t
			} else {
				st.Scopes = append(st.Scopes, vendors.Scope{Name: p, Trust: t})
			}
		}
	}
	if run != nil {
		for _, p := range run.strictPorts {
			// Its own strict queues are all it has strict; a port that only
			// turned queues weighted keeps the global scheduler's others.
			sched := make([]vendors.Sched, n)
			if _, own := run.portStrict[p]; !own {
				if g := st.Global(); g != nil && len(g.Sched) == n {
					copy(sched, g.Sched)
				}
			}
			for _, q := range run.portStrict[p] {
				r := st.Rank(q)
				if r < 0 {
					return st, fmt.Errorf("interface %s: strict queue %d, which this switch does not have (queues %v): %w", p, q, st.Queues, vendors.ErrParse)
				}
				sched[r].Strict = true
			}
			for _, q := range run.portNoStrict[p] {
				r := st.Rank(q)
				if r < 0 {
					return st, fmt.Errorf("interface %s: weighted queue %d, which this switch does not have (queues %v): %w", p, q, st.Queues, vendors.ErrParse)
				}
				sched[r].Strict = false
			}
			if sc := st.Scope(p); sc != nil {
				sc.Sched = sched
			} else {
				st.Scopes = append(st.Scopes, vendors.Scope{Name: p, Sched: sched})
			}
		}
	}
	if len(st.Trusts()) == 0 {
		return st, fmt.Errorf("no trust state read: %w", vendors.ErrParse)
	}
	if start := r.configs["startup"]; start != nil && run != nil {
		st.BootRead = true
		st.Unsaved = run.differs(start)
	}
	return st, st.Validate()
}

// queueIDs lists n native queue IDs in priority order, lowest first.
func (d *Dialect) queueIDs(n int) []int {
	ids := make([]int, 0, n)
	first := d.Queues.First
	if d.Queues.Top == "first" { // the first queue is the expedite queue, the rest ascend
		for i := 1; i < n; i++ {
			ids = append(ids, first+i)
		}
		return append(ids, first)
	}
	for i := 0; i < n; i++ {
		ids = append(ids, first+i)
	}
	return ids
}

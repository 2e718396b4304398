package cli

import (
	"bufio"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/qosagent/qosagent/vendors"
)

// reading collects what the show commands of a dialect say; toState turns
// it into the platform-neutral state.
type reading struct {
	trustWords  map[string]vendors.Trust // the dialect's (Dialect.TrustWords)
	qosDisabled *bool
	dscp        map[int]int
	globalTrust vendors.Trust
	ports       []string // in the order the device lists them
	portTrust   map[string]vendors.Trust
	portPQ      map[string]bool  // port has its expedite (top) queue enabled
	portWeights map[string][]int // share weights per port, queue 1..n order
	strict      map[int]bool     // queue ID -> strict, where the platform says so per queue
	strictTop   *int             // number of top queues that are strict (count platforms)
	threshold   map[int]int      // dscp -> drop threshold, where the map has them
}

// detail is what a device says beyond the neutral state that config lines
// must preserve: drop thresholds.
type detail struct {
	threshold map[int]int
}

// newReading starts reading a switch of this dialect.
func (d *Dialect) newReading() *reading {
	return &reading{trustWords: d.TrustWords, dscp: map[int]int{}, portTrust: map[string]vendors.Trust{}, portPQ: map[string]bool{},
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
	"sb-priority-queue":      parseSBPriorityQueue,
	"fastpath-trust":         parseFastpathTrust,
	"fastpath-cos-queue":     parseFastpathCosQueue,
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
			r.qosDisabled = ptr(strings.EqualFold(v, "disabled"))
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

var sbPQ = regexp.MustCompile(`^\s*priority-queue out num-of-queues (\d+)\s*$`)

func parseSBPriorityQueue(out string, r *reading) error {
	n := 0 // no line: every queue is weighted (WRR)
	for _, l := range lines(out) {
		if m := sbPQ.FindStringSubmatch(l); m != nil {
			n, _ = strconv.Atoi(m[1])
		}
	}
	r.strictTop = &n
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

var cosQueueRow = regexp.MustCompile(`^\s*(\d)\s+\d+\s+\d+\s+(Strict|Weighted)\b`)

func parseFastpathCosQueue(out string, r *reading) error {
	for _, l := range lines(out) {
		if m := cosQueueRow.FindStringSubmatch(l); m != nil {
			q, _ := strconv.Atoi(m[1])
			r.strict[q] = m[2] == "Strict"
		}
	}
	if len(r.strict) == 0 {
		return fmt.Errorf("no queue rows")
	}
	return nil
}

// toState assembles the neutral state from a reading, with the dialect's
// queue order.
func (d *Dialect) toState(r *reading) (vendors.State, error) {
	var st vendors.State
	if len(r.dscp) != vendors.NumDSCP {
		return st, fmt.Errorf("no DSCP map read")
	}
	known := map[int]bool{}
	for _, q := range d.Queues {
		known[q] = true
	}
	for dscp, q := range r.dscp {
		if !known[q] {
			return st, fmt.Errorf("dscp %d maps to queue %d, which this platform does not have (queues %v)", dscp, q, d.Queues)
		}
		st.DSCP[dscp] = q
	}
	if r.qosDisabled != nil {
		st.QoSDisabled = *r.qosDisabled
	}
	n := len(d.Queues)
	st.Queues = make([]vendors.Queue, n)
	for i, id := range d.Queues {
		st.Queues[i] = vendors.Queue{ID: id, Strict: r.strict[id]}
		if r.strictTop != nil && i >= n-*r.strictTop {
			st.Queues[i].Strict = true
		}
	}
	if len(r.portPQ) > 0 {
		// The expedite queue is strict for the switch only when every port has it.
		all := true
		for _, p := range r.ports {
			all = all && r.portPQ[p]
		}
		st.Queues[n-1].Strict = all
	}
	if len(r.portWeights) > 0 {
		w, err := commonWeights(r, n)
		if err != nil {
			return st, err
		}
		for i, id := range d.Queues {
			if id >= 1 && id <= len(w) {
				st.Queues[i].Weight = w[id-1]
			}
		}
	}
	if len(r.portPQ) > 0 || len(r.portWeights) > 0 {
		for _, p := range r.ports {
			st.PortScheduler = append(st.PortScheduler, vendors.PortScheduler{Port: p, Expedite: r.portPQ[p], Weights: r.portWeights[p]})
		}
	}
	if r.globalTrust != "" {
		st.Trust = append(st.Trust, vendors.PortTrust{Port: vendors.GlobalPort, Trust: r.globalTrust})
	}
	for _, p := range r.ports {
		st.Trust = append(st.Trust, vendors.PortTrust{Port: p, Trust: r.portTrust[p]})
	}
	if len(st.Trust) == 0 {
		return st, fmt.Errorf("no trust state read")
	}
	return st, nil
}

// commonWeights returns the share weights all ports agree on. Ports that
// disagree make the switch's order undefined: reported as all-equal weights,
// so the order rule flags it and apply sets every port alike.
func commonWeights(r *reading, n int) ([]int, error) {
	var w []int
	for _, p := range r.ports {
		pw := r.portWeights[p]
		if len(pw) != n {
			return nil, fmt.Errorf("%s: %d share weights; expected %d", p, len(pw), n)
		}
		if w == nil {
			w = pw
			continue
		}
		for i := range w {
			if w[i] != pw[i] {
				eq := make([]int, n)
				for j := range eq {
					eq[j] = 1
				}
				return eq, nil
			}
		}
	}
	return w, nil
}

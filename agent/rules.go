package agent

import (
	"fmt"
	"slices"
	"strings"

	"github.com/qosagent/qosagent/vendors"
)

// Rule names, as they appear in reports.
const (
	RuleEFTop       = "ef-top"
	RuleOrder       = "order"
	RuleTrust       = "trust"
	RuleEFExclusive = "ef-exclusive"
	RuleSaved       = "saved"
)

// Finding is one way a switch breaks the policy, in one scope. Messages do
// not name the scope, so findings alike in many ports can be told as one.
type Finding struct {
	Rule      string `json:"rule"`
	Scope     string `json:"scope"` // vendors.GlobalPort or the port
	DSCP      *int   `json:"dscp,omitempty"`
	Port      string `json:"port,omitempty"`
	GotTrust  string `json:"got_trust,omitempty"` // trust rule: what the port trusts instead of dscp
	WantQueue *int   `json:"want_queue,omitempty"`
	GotQueue  *int   `json:"got_queue,omitempty"`
	Message   string `json:"message"`
}

func intp(v int) *int { return &v }

// Check evaluates every rule of p against st, in every scope. An error means
// the state cannot be judged: the policy does not fit the switch's queues
// (ErrUnsupported) or the state is not whole (ErrParse).
func Check(p Policy, st vendors.State) ([]Finding, error) {
	if err := fits(p, st); err != nil {
		return nil, err
	}
	var fs []Finding
	for i := range st.Scopes {
		sc := &st.Scopes[i]
		fs = append(fs, checkEFTop(p, st, sc)...)
		fs = append(fs, checkOrder(p, st, sc)...)
		if p.EFExclusive {
			fs = append(fs, checkEFExclusive(p, st, sc)...)
		}
	}
	fs = append(fs, checkTrust(p, st)...)
	if st.Unsaved != "" {
		fs = append(fs, Finding{Rule: RuleSaved, Scope: vendors.GlobalPort,
			Message: "the switch would boot with other QoS settings than it runs: " + st.Unsaved})
	}
	return fs, nil
}

// fits reports whether the state is whole and has enough queues for the policy.
func fits(p Policy, st vendors.State) error {
	if len(st.Queues) == 0 {
		return fmt.Errorf("switch reports no queues: %w", vendors.ErrParse)
	}
	if err := st.Validate(); err != nil {
		return fmt.Errorf("state read is not whole: %v: %w", err, vendors.ErrParse)
	}
	for _, sc := range st.Scopes {
		for _, c := range p.Classes {
			for _, d := range c.DSCP {
				if sc.DSCP != nil && sc.DSCP[d] == vendors.Unread {
					return fmt.Errorf("scope %s: dscp %d of the policy was not read: %w", sc.Name, d, vendors.ErrParse)
				}
			}
		}
		// ef_exclusive judges every value: one not read may share the top queue.
		if p.EFExclusive && sc.DSCP != nil {
			if d := slices.Index(sc.DSCP, vendors.Unread); d >= 0 {
				return fmt.Errorf("scope %s: dscp %d was not read, and ef_exclusive judges every value: %w", sc.Name, d, vendors.ErrParse)
			}
		}
	}
	if len(p.Classes) > len(st.Queues) {
		return fmt.Errorf("policy has %d classes but the switch has %d queues; merge classes or drop one: %w", len(p.Classes), len(st.Queues), vendors.ErrUnsupported)
	}
	return nil
}

func checkEFTop(p Policy, st vendors.State, sc *vendors.Scope) []Finding {
	var fs []Finding
	top := st.Top()
	if sc.DSCP != nil {
		got := sc.DSCP[DSCPEF]
		if got != top {
			msg := fmt.Sprintf("EF is on queue %d; the top queue is %d", got, top)
			if others := sharers(p, sc.DSCP, got, DSCPEF); len(others) > 0 {
				msg = fmt.Sprintf("EF shares queue %d with %s; the top queue is %d", got, others, top)
			}
			fs = append(fs, Finding{Rule: RuleEFTop, Scope: sc.Name, DSCP: intp(DSCPEF), WantQueue: intp(top), GotQueue: intp(got), Message: msg})
		}
	}
	if sc.Sched != nil && !sc.Sched[len(sc.Sched)-1].Strict {
		fs = append(fs, Finding{Rule: RuleEFTop, Scope: sc.Name, Message: fmt.Sprintf("top queue %d is not strict priority; EF is not served first", top)})
	}
	return fs
}

// sharers names the DSCP values of the policy's classes, other than self,
// on queue q.
func sharers(p Policy, m []int, q, self int) string {
	var names []string
	for _, c := range p.Classes {
		for _, d := range c.DSCP {
			if d != self && m[d] == q {
				names = append(names, dscpName(d))
			}
		}
	}
	if len(names) == 0 {
		return ""
	}
	return joinAnd(names)
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 1:
		return xs[0]
	case 2:
		return xs[0] + " and " + xs[1]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// checkOrder finds every pair of values where a class is not strictly above
// a later one. Queue ranks are judged where the scope has its own map;
// share weights where it has its own scheduling or its own map (a map of
// its own under the global scheduling orders differently).
func checkOrder(p Policy, st vendors.State, sc *vendors.Scope) []Finding {
	ownMap, ownSched := sc.DSCP != nil, sc.Sched != nil
	if !ownMap && !ownSched {
		return nil
	}
	m, sched := st.Map(sc), st.SchedOf(sc)
	if m == nil {
		return nil
	}
	var fs []Finding
	for i := range p.Classes {
		for j := i + 1; j < len(p.Classes); j++ {
			for _, hi := range p.Classes[i].DSCP {
				for _, lo := range p.Classes[j].DSCP {
					qh, ql := m[hi], m[lo]
					if st.Rank(qh) > st.Rank(ql) {
						if msg := weightProblem(st, sched, qh, ql); msg != "" {
							fs = append(fs, Finding{Rule: RuleOrder, Scope: sc.Name, DSCP: intp(hi), GotQueue: intp(qh),
								Message: fmt.Sprintf("%s (%s) on queue %d is not ahead of %s (%s) on queue %d: %s",
									p.Classes[i].Name, dscpName(hi), qh, p.Classes[j].Name, dscpName(lo), ql, msg)})
						}
						continue
					}
					if !ownMap {
						continue // the global scope reports its own map
					}
					verb := "is below"
					if qh == ql {
						verb = "shares a queue with"
					}
					fs = append(fs, Finding{
						Rule: RuleOrder, Scope: sc.Name, DSCP: intp(hi), GotQueue: intp(qh),
						Message: fmt.Sprintf("%s (%s, dscp %d) on queue %d %s %s (%s, dscp %d) on queue %d",
							p.Classes[i].Name, dscpName(hi), hi, qh, verb, p.Classes[j].Name, dscpName(lo), lo, ql),
					})
				}
			}
		}
	}
	return fs
}

// weightProblem explains why a higher-ranked weighted queue hi does not get
// more service than lo, or returns "" when it does (or weights do not apply).
func weightProblem(st vendors.State, sched []vendors.Sched, hi, lo int) string {
	if sched == nil {
		return ""
	}
	qh, ql := sched[st.Rank(hi)], sched[st.Rank(lo)]
	if qh.Strict || qh.Weight == 0 || ql.Weight == 0 || qh.Weight > ql.Weight {
		return ""
	}
	if qh.Weight == ql.Weight {
		return fmt.Sprintf("both have share weight %d, so they are not ordered", qh.Weight)
	}
	return fmt.Sprintf("share weight %d is below %d", qh.Weight, ql.Weight)
}

func checkEFExclusive(p Policy, st vendors.State, sc *vendors.Scope) []Finding {
	if sc.DSCP == nil {
		return nil
	}
	var fs []Finding
	top := st.Top()
	inTop := map[int]bool{}
	for _, d := range p.Classes[0].DSCP {
		inTop[d] = true
	}
	want := sc.DSCP[p.Classes[len(p.Classes)-1].DSCP[0]]
	for d := 0; d < vendors.NumDSCP; d++ {
		if sc.DSCP[d] == top && !inTop[d] {
			fs = append(fs, Finding{Rule: RuleEFExclusive, Scope: sc.Name, DSCP: intp(d), GotQueue: intp(top), WantQueue: intp(want),
				Message: fmt.Sprintf("%s shares top queue %d with EF", dscpLabel(d), top)})
		}
	}
	return fs
}

// trustScope lists the scopes with a trust setting that the policy's trust
// rule covers. A named port without a setting of its own follows the
// global one: inherit lists those, missing the ports nothing covers.
func trustScope(p Policy, st vendors.State) (ports, inherit, missing []string) {
	if p.AllPorts() {
		for _, pt := range st.Trusts() {
			ports = append(ports, pt.Port)
		}
		return ports, nil, nil
	}
	_, globalTrust := st.TrustOf(vendors.GlobalPort)
	for _, want := range p.TrustPorts {
		switch _, ok := st.TrustOf(want); {
		case ok:
			ports = append(ports, want)
		case globalTrust:
			inherit = append(inherit, want)
		default:
			missing = append(missing, want)
		}
	}
	return ports, inherit, missing
}

func checkTrust(p Policy, st vendors.State) []Finding {
	var fs []Finding
	if st.QoSDisabled {
		fs = append(fs, Finding{Rule: RuleTrust, Scope: vendors.GlobalPort, Message: "QoS is disabled globally; no port trusts DSCP and the map is not consulted"})
	}
	ports, inherit, missing := trustScope(p, st)
	for _, port := range ports {
		t, _ := st.TrustOf(port)
		if t != vendors.TrustDSCP {
			what := "port " + port
			if port == vendors.GlobalPort {
				what = "the global setting"
			}
			fs = append(fs, Finding{Rule: RuleTrust, Scope: port, Port: port, GotTrust: string(t), Message: fmt.Sprintf("%s trusts %s; expected dscp", what, t)})
		}
	}
	if g, _ := st.TrustOf(vendors.GlobalPort); len(inherit) > 0 && g != vendors.TrustDSCP {
		for _, port := range inherit {
			fs = append(fs, Finding{Rule: RuleTrust, Scope: port, Port: port, GotTrust: string(g),
				Message: fmt.Sprintf("port %s follows the global setting, which trusts %s; expected dscp", port, g)})
		}
	}
	for _, port := range missing {
		fs = append(fs, Finding{Rule: RuleTrust, Scope: port, Port: port, Message: fmt.Sprintf("port %s named in trust_ports does not exist on this switch", port)})
	}
	if len(st.Trusts()) == 0 {
		fs = append(fs, Finding{Rule: RuleTrust, Scope: vendors.GlobalPort, Message: "switch reports no trust settings"})
	}
	return fs
}

// OrderPair says how one class is kept ahead of the next on a switch.
type OrderPair struct {
	Above string        `json:"above"`
	Below string        `json:"below"`
	Kind  vendors.Order `json:"kind"`
}

// Ordering describes, per adjacent pair of classes, whether the switch keeps
// the upper class ahead strictly or only by weight. It never claims more than
// the queues' scheduling gives: a pair is strict only when the upper class's
// queue is strict priority in every scope that has scheduling.
func Ordering(p Policy, st vendors.State) (vendors.Order, []OrderPair) {
	overall := vendors.OrderStrict
	var pairs []OrderPair
	for i := 0; i+1 < len(p.Classes); i++ {
		kind, seen := vendors.OrderStrict, false
		for k := range st.Scopes {
			sc := &st.Scopes[k]
			if sc.DSCP == nil && sc.Sched == nil {
				continue
			}
			m, sched := st.Map(sc), st.SchedOf(sc)
			if m == nil || sched == nil {
				continue
			}
			seen = true
			if r := st.Rank(m[p.Classes[i].DSCP[0]]); r < 0 || !sched[r].Strict {
				kind = vendors.OrderWeighted
			}
		}
		if !seen {
			kind = vendors.OrderWeighted
		}
		if kind != vendors.OrderStrict {
			overall = vendors.OrderWeighted
		}
		pairs = append(pairs, OrderPair{Above: p.Classes[i].Name, Below: p.Classes[i+1].Name, Kind: kind})
	}
	return overall, pairs
}

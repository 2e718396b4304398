package agent

import (
	"fmt"
	"strings"

	"github.com/qosagent/qosagent/vendors"
)

// Rule names, as they appear in reports.
const (
	RuleEFTop       = "ef-top"
	RuleOrder       = "order"
	RuleTrust       = "trust"
	RuleEFExclusive = "ef-exclusive"
)

// Finding is one way a switch breaks the policy.
type Finding struct {
	Rule      string `json:"rule"`
	DSCP      *int   `json:"dscp,omitempty"`
	Port      string `json:"port,omitempty"`
	GotTrust  string `json:"got_trust,omitempty"` // trust rule: what the port trusts instead of dscp
	WantQueue *int   `json:"want_queue,omitempty"`
	GotQueue  *int   `json:"got_queue,omitempty"`
	Message   string `json:"message"`
}

func intp(v int) *int { return &v }

// Check evaluates every rule of p against st. An error means the policy cannot
// be met on this switch at all (e.g. more classes than queues).
func Check(p Policy, st vendors.State) ([]Finding, error) {
	if err := fits(p, st); err != nil {
		return nil, err
	}
	var fs []Finding
	fs = append(fs, checkEFTop(p, st)...)
	fs = append(fs, checkOrder(p, st)...)
	if p.EFExclusive {
		fs = append(fs, checkEFExclusive(p, st)...)
	}
	fs = append(fs, checkTrust(p, st)...)
	return fs, nil
}

// fits reports whether the switch has enough queues for the policy.
func fits(p Policy, st vendors.State) error {
	if len(st.Queues) == 0 {
		return fmt.Errorf("switch reports no queues")
	}
	if len(p.Classes) > len(st.Queues) {
		return fmt.Errorf("policy has %d classes but the switch has %d queues; merge classes or drop one", len(p.Classes), len(st.Queues))
	}
	return nil
}

func checkEFTop(p Policy, st vendors.State) []Finding {
	var fs []Finding
	top := st.Top()
	got := st.DSCP[DSCPEF]
	if got != top.ID {
		msg := fmt.Sprintf("EF is on queue %d; the top queue is %d", got, top.ID)
		if others := sharers(p, st, got, DSCPEF); len(others) > 0 {
			msg = fmt.Sprintf("EF shares queue %d with %s; the top queue is %d", got, others, top.ID)
		}
		fs = append(fs, Finding{Rule: RuleEFTop, DSCP: intp(DSCPEF), WantQueue: intp(top.ID), GotQueue: intp(got), Message: msg})
	}
	if !top.Strict {
		fs = append(fs, Finding{Rule: RuleEFTop, Message: fmt.Sprintf("top queue %d is not strict priority; EF is not served first", top.ID)})
	}
	return fs
}

// sharers names the DSCP values of the policy's classes, other than self,
// on queue q.
func sharers(p Policy, st vendors.State, q, self int) string {
	var names []string
	for _, c := range p.Classes {
		for _, d := range c.DSCP {
			if d != self && st.DSCP[d] == q {
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

// checkOrder finds every pair of values where a class is not strictly above a later one.
func checkOrder(p Policy, st vendors.State) []Finding {
	var fs []Finding
	for i := range p.Classes {
		for j := i + 1; j < len(p.Classes); j++ {
			for _, hi := range p.Classes[i].DSCP {
				for _, lo := range p.Classes[j].DSCP {
					qh, ql := st.DSCP[hi], st.DSCP[lo]
					if st.Rank(qh) > st.Rank(ql) {
						if msg := weightProblem(st, qh, ql); msg != "" {
							fs = append(fs, Finding{Rule: RuleOrder, DSCP: intp(hi), GotQueue: intp(qh),
								Message: fmt.Sprintf("%s (%s) on queue %d is not ahead of %s (%s) on queue %d: %s",
									p.Classes[i].Name, dscpName(hi), qh, p.Classes[j].Name, dscpName(lo), ql, msg)})
						}
						continue
					}
					verb := "is below"
					if qh == ql {
						verb = "shares a queue with"
					}
					fs = append(fs, Finding{
						Rule: RuleOrder, DSCP: intp(hi), GotQueue: intp(qh),
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
func weightProblem(st vendors.State, hi, lo int) string {
	qh, ql := st.Queues[st.Rank(hi)], st.Queues[st.Rank(lo)]
	if qh.Strict || qh.Weight == 0 || ql.Weight == 0 || qh.Weight > ql.Weight {
		return ""
	}
	if qh.Weight == ql.Weight {
		return fmt.Sprintf("both have share weight %d, so they are not ordered", qh.Weight)
	}
	return fmt.Sprintf("share weight %d is below %d", qh.Weight, ql.Weight)
}

func checkEFExclusive(p Policy, st vendors.State) []Finding {
	var fs []Finding
	top := st.Top().ID
	inTop := map[int]bool{}
	for _, d := range p.Classes[0].DSCP {
		inTop[d] = true
	}
	want := st.DSCP[p.Classes[len(p.Classes)-1].DSCP[0]]
	for d := 0; d < vendors.NumDSCP; d++ {
		if st.DSCP[d] == top && !inTop[d] {
			fs = append(fs, Finding{Rule: RuleEFExclusive, DSCP: intp(d), GotQueue: intp(top), WantQueue: intp(want),
				Message: fmt.Sprintf("%s shares top queue %d with EF", dscpLabel(d), top)})
		}
	}
	return fs
}

// trustScope lists the ports the policy's trust rule covers.
func trustScope(p Policy, st vendors.State) (ports []string, missing []string) {
	if p.AllPorts() {
		for _, pt := range st.Trust {
			ports = append(ports, pt.Port)
		}
		return ports, nil
	}
	for _, want := range p.TrustPorts {
		if _, ok := st.TrustOf(want); ok {
			ports = append(ports, want)
		} else {
			missing = append(missing, want)
		}
	}
	return ports, missing
}

func checkTrust(p Policy, st vendors.State) []Finding {
	var fs []Finding
	if st.QoSDisabled {
		fs = append(fs, Finding{Rule: RuleTrust, Message: "QoS is disabled globally; no port trusts DSCP and the map is not consulted"})
	}
	ports, missing := trustScope(p, st)
	for _, port := range ports {
		t, _ := st.TrustOf(port)
		if t != vendors.TrustDSCP {
			what := "port " + port
			if port == vendors.GlobalPort {
				what = "the global setting"
			}
			fs = append(fs, Finding{Rule: RuleTrust, Port: port, GotTrust: string(t), Message: fmt.Sprintf("%s trusts %s; expected dscp", what, t)})
		}
	}
	for _, port := range missing {
		fs = append(fs, Finding{Rule: RuleTrust, Port: port, Message: fmt.Sprintf("port %s named in trust_ports does not exist on this switch", port)})
	}
	if len(st.Trust) == 0 {
		fs = append(fs, Finding{Rule: RuleTrust, Message: "switch reports no trust settings"})
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
// queue is strict priority.
func Ordering(p Policy, st vendors.State) (vendors.Order, []OrderPair) {
	overall := vendors.OrderStrict
	var pairs []OrderPair
	for i := 0; i+1 < len(p.Classes); i++ {
		q := st.DSCP[p.Classes[i].DSCP[0]]
		kind := vendors.OrderWeighted
		if r := st.Rank(q); r >= 0 && st.Queues[r].Strict {
			kind = vendors.OrderStrict
		}
		if kind != vendors.OrderStrict {
			overall = vendors.OrderWeighted
		}
		pairs = append(pairs, OrderPair{Above: p.Classes[i].Name, Below: p.Classes[i+1].Name, Kind: kind})
	}
	return overall, pairs
}

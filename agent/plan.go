package agent

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/qosagent/qosagent/vendors"
)

// Target computes the state the switch should have under p, changing as
// little of st as possible: each class is placed on one queue, ranks strictly
// decreasing from the top queue, choosing the placement that moves the fewest
// listed DSCP values; unlisted values stay where they are unless ef_exclusive
// moves them off the top queue.
func Target(p Policy, st vendors.State) (vendors.State, error) {
	if err := fits(p, st); err != nil {
		return vendors.State{}, err
	}
	want := st.Clone()
	ranks := placeClasses(p, st)
	for i, c := range p.Classes {
		q := st.Queues[ranks[i]].ID
		for _, d := range c.DSCP {
			want.DSCP[d] = q
		}
	}
	top := st.Top().ID
	if p.EFExclusive {
		listed := p.classOf()
		defaultQ := st.Queues[ranks[len(ranks)-1]].ID
		for d := 0; d < vendors.NumDSCP; d++ {
			if _, ok := listed[d]; !ok && want.DSCP[d] == top {
				want.DSCP[d] = defaultQ
			}
		}
	}
	want.Queues[len(want.Queues)-1].Strict = true
	if err := rankWeights(p, &want); err != nil {
		return vendors.State{}, err
	}
	want.QoSDisabled = false
	if len(want.PortScheduler) > 0 {
		ws := weightsByID(want.Queues)
		for i := range want.PortScheduler {
			want.PortScheduler[i].Expedite = true
			if ws != nil {
				want.PortScheduler[i].Weights = ws
			}
		}
	}
	ports, _ := trustScope(p, st)
	for i, pt := range want.Trust {
		for _, port := range ports {
			if pt.Port == port {
				want.Trust[i].Trust = vendors.TrustDSCP
			}
		}
	}
	return want, nil
}

// weightsByID lists queue weights by native queue ID ascending, or nil when
// the platform has none.
func weightsByID(qs []vendors.Queue) []int {
	sorted := append([]vendors.Queue(nil), qs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	ws := make([]int, len(sorted))
	has := false
	for i, q := range sorted {
		ws[i] = q.Weight
		has = has || q.Weight > 0
	}
	if !has {
		return nil
	}
	return ws
}

// rankWeights gives the weighted queues that hold a class strictly
// increasing share weights in priority order, keeping the current weights
// when they already are. Queues without a class are left alone: the order
// rule does not look at them, so neither may the plan.
func rankWeights(p Policy, st *vendors.State) error {
	holds := make([]bool, len(st.Queues))
	for _, c := range p.Classes {
		for _, d := range c.DSCP {
			if r := st.Rank(st.DSCP[d]); r >= 0 {
				holds[r] = true
			}
		}
	}
	var weighted []int // indexes into st.Queues, lowest priority first
	for i, q := range st.Queues {
		if holds[i] && !q.Strict && q.Weight > 0 {
			weighted = append(weighted, i)
		}
	}
	ordered := true
	for k := 1; k < len(weighted); k++ {
		if st.Queues[weighted[k]].Weight <= st.Queues[weighted[k-1]].Weight {
			ordered = false
		}
	}
	if ordered {
		return nil
	}
	shares, err := p.shares(len(weighted))
	if err != nil {
		return err
	}
	for k, i := range weighted {
		st.Queues[i].Weight = shares[k]
	}
	return nil
}

// placeClasses returns the queue rank of each class: class 0 on the top rank,
// every later class strictly lower, minimising the number of listed DSCP
// values that move. Ties go to the higher rank, so results are deterministic.
func placeClasses(p Policy, st vendors.State) []int {
	n, q := len(p.Classes), len(st.Queues)
	cost := func(class, rank int) int {
		c := 0
		for _, d := range p.Classes[class].DSCP {
			if st.Rank(st.DSCP[d]) != rank {
				c++
			}
		}
		return c
	}
	const inf = 1 << 30
	// best[i][r]: least cost of placing classes i..n-1 with class i on rank r.
	best := make([][]int, n)
	next := make([][]int, n)
	for i := range best {
		best[i] = make([]int, q)
		next[i] = make([]int, q)
	}
	for i := n - 1; i >= 0; i-- {
		for r := 0; r < q; r++ {
			best[i][r] = inf
			if r < n-1-i { // not enough lower ranks left for the classes below
				continue
			}
			if i == n-1 {
				best[i][r] = cost(i, r)
				continue
			}
			for r2 := r - 1; r2 >= 0; r2-- {
				if best[i+1][r2] < inf && cost(i, r)+best[i+1][r2] < best[i][r] {
					best[i][r] = cost(i, r) + best[i+1][r2]
					next[i][r] = r2
				}
			}
		}
	}
	ranks := make([]int, n)
	ranks[0] = q - 1
	for i := 1; i < n; i++ {
		ranks[i] = next[i-1][ranks[i-1]]
	}
	return ranks
}

// Diff lists the edits that turn from into to. It serves both apply (current
// -> target) and rollback (current -> backup).
func Diff(from, to vendors.State) (vendors.Change, error) {
	var ch vendors.Change
	if from.QoSDisabled != to.QoSDisabled {
		enable := !to.QoSDisabled
		ch.QoSEnable = &enable
	}
	for d := 0; d < vendors.NumDSCP; d++ {
		if from.DSCP[d] != to.DSCP[d] {
			ch.Map = append(ch.Map, vendors.MapChange{DSCP: d, From: from.DSCP[d], To: to.DSCP[d]})
		}
	}
	if len(from.Queues) != len(to.Queues) {
		return ch, fmt.Errorf("queue layout changed: %d queues now, %d expected", len(from.Queues), len(to.Queues))
	}
	for i, q := range from.Queues {
		if to.Queues[i].ID != q.ID {
			return ch, fmt.Errorf("queue layout changed: queue %d at rank %d, expected %d", q.ID, i, to.Queues[i].ID)
		}
		if t := to.Queues[i]; q.Strict != t.Strict || q.Weight != t.Weight {
			ch.Scheduler = append(ch.Scheduler, vendors.SchedulerChange{Queue: q.ID, FromStrict: q.Strict, ToStrict: t.Strict, FromWeight: q.Weight, ToWeight: t.Weight})
		}
	}
	for _, ps := range to.PortScheduler {
		cur, ok := portScheduler(from, ps.Port)
		if !ok {
			return ch, fmt.Errorf("port %s has disappeared", ps.Port)
		}
		if cur.Expedite != ps.Expedite || !slices.Equal(cur.Weights, ps.Weights) {
			ch.PortScheduler = append(ch.PortScheduler, vendors.PortSchedulerChange{Port: ps.Port,
				FromExpedite: cur.Expedite, ToExpedite: ps.Expedite, FromWeights: cur.Weights, ToWeights: ps.Weights})
		}
	}
	for _, pt := range to.Trust {
		cur, ok := from.TrustOf(pt.Port)
		if !ok {
			return ch, fmt.Errorf("port %s has disappeared", pt.Port)
		}
		if cur != pt.Trust {
			ch.Trust = append(ch.Trust, vendors.TrustChange{Port: pt.Port, From: cur, To: pt.Trust})
		}
	}
	// The global setting goes first: on platforms where it fans out to every
	// port, the per-port rows after it then only fix exceptions.
	sort.SliceStable(ch.Trust, func(i, j int) bool {
		return ch.Trust[i].Port == vendors.GlobalPort && ch.Trust[j].Port != vendors.GlobalPort
	})
	return ch, nil
}

func portScheduler(st vendors.State, port string) (vendors.PortScheduler, bool) {
	for _, p := range st.PortScheduler {
		if p.Port == port {
			return p, true
		}
	}
	return vendors.PortScheduler{}, false
}

// Verify checks that every edit of ch is in effect in got.
func Verify(got vendors.State, ch vendors.Change) error {
	var bad []string
	if ch.QoSEnable != nil && got.QoSDisabled == *ch.QoSEnable {
		bad = append(bad, fmt.Sprintf("global QoS enabled=%v, expected %v", !got.QoSDisabled, *ch.QoSEnable))
	}
	for _, m := range ch.Map {
		if got.DSCP[m.DSCP] != m.To {
			bad = append(bad, fmt.Sprintf("dscp %d is on queue %d, expected %d", m.DSCP, got.DSCP[m.DSCP], m.To))
		}
	}
	for _, s := range ch.Scheduler {
		r := got.Rank(s.Queue)
		if r < 0 || got.Queues[r].Strict != s.ToStrict {
			bad = append(bad, fmt.Sprintf("queue %d strict=%v, expected %v", s.Queue, !s.ToStrict, s.ToStrict))
		} else if got.Queues[r].Weight != s.ToWeight {
			bad = append(bad, fmt.Sprintf("queue %d share weight %d, expected %d", s.Queue, got.Queues[r].Weight, s.ToWeight))
		}
	}
	for _, p := range ch.PortScheduler {
		cur, _ := portScheduler(got, p.Port)
		if cur.Expedite != p.ToExpedite || !slices.Equal(cur.Weights, p.ToWeights) {
			bad = append(bad, fmt.Sprintf("port %s expedite=%v weights=%v, expected %v %v", p.Port, cur.Expedite, cur.Weights, p.ToExpedite, p.ToWeights))
		}
	}
	for _, t := range ch.Trust {
		if cur, _ := got.TrustOf(t.Port); cur != t.To {
			bad = append(bad, fmt.Sprintf("port %s trusts %s, expected %s", t.Port, cur, t.To))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	if len(bad) > 5 {
		bad = append(bad[:5], fmt.Sprintf("and %d more", len(bad)-5))
	}
	return fmt.Errorf("read-back differs from what was written: %s", strings.Join(bad, "; "))
}

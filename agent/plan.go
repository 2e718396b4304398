package agent

import (
	"fmt"
	"sort"
	"strings"

	"github.com/qosagent/qosagent/vendors"
)

// Target computes the state the switch should have under p, changing as
// little of st as possible: each class is placed on one queue rank, ranks
// strictly decreasing from the top, choosing the placement that moves the
// fewest listed DSCP values of the global map; that placement holds in every
// scope with a map of its own. Unlisted values stay where they are unless
// ef_exclusive moves them off the top queue. Every scope with scheduling of
// its own gets a strict top queue and ranked share weights.
func Target(p Policy, st vendors.State) (vendors.State, error) {
	if err := fits(p, st); err != nil {
		return vendors.State{}, err
	}
	want := st.Clone()
	ranks := placeClasses(p, st, st.GlobalMap())
	top := st.Top()
	for k := range want.Scopes {
		sc := &want.Scopes[k]
		if sc.DSCP != nil {
			for i, c := range p.Classes {
				for _, d := range c.DSCP {
					sc.DSCP[d] = st.Queues[ranks[i]]
				}
			}
			if p.EFExclusive {
				listed := p.classOf()
				defaultQ := st.Queues[ranks[len(ranks)-1]]
				for d := 0; d < vendors.NumDSCP; d++ {
					if _, ok := listed[d]; !ok && sc.DSCP[d] == top {
						sc.DSCP[d] = defaultQ
					}
				}
			}
		}
	}
	// Scheduling after the maps: the weights rank the queues the classes
	// are on once placed.
	for k := range want.Scopes {
		sc := &want.Scopes[k]
		if sc.Sched == nil {
			continue
		}
		sc.Sched[len(sc.Sched)-1].Strict = true
		if err := rankWeights(p, want, want.Map(sc), sc.Sched); err != nil {
			return vendors.State{}, err
		}
	}
	want.QoSDisabled = false
	want.Unsaved = ""
	ports, inherit, _ := trustScope(p, st)
	for _, port := range ports {
		want.Scope(port).Trust = vendors.TrustDSCP
	}
	if len(inherit) > 0 {
		want.Global().Trust = vendors.TrustDSCP
	}
	return want, nil
}

// rankWeights gives the weighted queues that hold a class strictly
// increasing share weights in priority order, keeping the current weights
// when they already are. Queues without a class are left alone: the order
// rule does not look at them, so neither may the plan.
func rankWeights(p Policy, st vendors.State, m []int, sched []vendors.Sched) error {
	holds := make([]bool, len(sched))
	for _, c := range p.Classes {
		for _, d := range c.DSCP {
			if r := st.Rank(m[d]); r >= 0 {
				holds[r] = true
			}
		}
	}
	var weighted []int // ranks, lowest priority first
	for r, s := range sched {
		if holds[r] && !s.Strict && s.Weight > 0 {
			weighted = append(weighted, r)
		}
	}
	ordered := true
	for k := 1; k < len(weighted); k++ {
		if sched[weighted[k]].Weight <= sched[weighted[k-1]].Weight {
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
	for k, r := range weighted {
		sched[r].Weight = shares[k]
	}
	return nil
}

// placeClasses returns the queue rank of each class: class 0 on the top rank,
// every later class strictly lower, minimising the number of listed DSCP
// values of m that move. Ties go to the higher rank, so results are
// deterministic.
func placeClasses(p Policy, st vendors.State, m []int) []int {
	n, q := len(p.Classes), len(st.Queues)
	cost := func(class, rank int) int {
		c := 0
		for _, d := range p.Classes[class].DSCP {
			if st.Rank(m[d]) != rank {
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
// -> target) and rollback (current -> backup). Only what to holds is
// compared: a scope or setting to lacks is left alone. A setting to holds
// for a scope from lacks is compared with what is in force there (the
// global one), so a restore re-creates a per-port setting.
func Diff(from, to vendors.State) (vendors.Change, error) {
	var ch vendors.Change
	if len(from.Queues) != len(to.Queues) {
		return ch, fmt.Errorf("queue layout changed: %d queues now, %d expected", len(from.Queues), len(to.Queues))
	}
	for i, q := range from.Queues {
		if to.Queues[i] != q {
			return ch, fmt.Errorf("queue layout changed: queue %d at rank %d, expected %d", q, i, to.Queues[i])
		}
	}
	if from.QoSDisabled != to.QoSDisabled {
		enable := !to.QoSDisabled
		ch.QoSEnable = &enable
	}
	for k := range to.Scopes {
		t := &to.Scopes[k]
		f := from.Scope(t.Name)
		if f == nil {
			f = &vendors.Scope{Name: t.Name}
		}
		if t.DSCP != nil {
			cur := from.Map(f)
			if cur == nil {
				return ch, fmt.Errorf("scope %s: no DSCP map read", t.Name)
			}
			for d := 0; d < vendors.NumDSCP; d++ {
				if cur[d] == vendors.Unread || t.DSCP[d] == vendors.Unread {
					continue // not read: neither judged nor written
				}
				if cur[d] != t.DSCP[d] {
					ch.Map = append(ch.Map, vendors.MapChange{Scope: t.Name, DSCP: d, From: cur[d], To: t.DSCP[d]})
				}
			}
		}
		if t.Sched != nil {
			cur := from.SchedOf(f)
			if len(cur) != len(t.Sched) {
				return ch, fmt.Errorf("scope %s: no scheduling read", t.Name)
			}
			for r, s := range t.Sched {
				if c := cur[r]; c != s {
					ch.Scheduler = append(ch.Scheduler, vendors.SchedulerChange{Scope: t.Name, Rank: r, Queue: to.Queues[r],
						FromStrict: c.Strict, ToStrict: s.Strict, FromWeight: c.Weight, ToWeight: s.Weight})
				}
			}
		}
		if t.Trust != "" {
			cur := f.Trust
			if cur == "" {
				cur, _ = from.TrustOf(vendors.GlobalPort)
			}
			if cur != t.Trust {
				ch.Trust = append(ch.Trust, vendors.TrustChange{Port: t.Name, From: cur, To: t.Trust})
			}
		}
	}
	// The global setting goes first: on platforms where it fans out to every
	// port, the per-port rows after it then only fix exceptions.
	sort.SliceStable(ch.Trust, func(i, j int) bool {
		return ch.Trust[i].Port == vendors.GlobalPort && ch.Trust[j].Port != vendors.GlobalPort
	})
	if from.Unsaved != "" && to.Unsaved == "" {
		ch.Save = true
	}
	if ch.QoSEnable != nil && *ch.QoSEnable {
		for _, sc := range to.Scopes {
			if sc.Name != vendors.GlobalPort && sc.Trust == vendors.TrustUntrusted {
				ch.RemarkPorts = append(ch.RemarkPorts, sc.Name)
			}
		}
	}
	return ch, nil
}

// Verify checks that every edit of ch is in effect in got.
func Verify(got vendors.State, ch vendors.Change) error {
	var bad []string
	if ch.QoSEnable != nil && got.QoSDisabled == *ch.QoSEnable {
		bad = append(bad, fmt.Sprintf("global QoS enabled=%v, expected %v", !got.QoSDisabled, *ch.QoSEnable))
	}
	scope := func(name string) *vendors.Scope {
		if sc := got.Scope(name); sc != nil {
			return sc
		}
		return &vendors.Scope{Name: name}
	}
	for _, m := range ch.Map {
		cur := got.Map(scope(m.Scope))
		if cur == nil || cur[m.DSCP] != m.To {
			q := -1
			if cur != nil {
				q = cur[m.DSCP]
			}
			bad = append(bad, fmt.Sprintf("%sdscp %d is on queue %d, expected %d", where(m.Scope), m.DSCP, q, m.To))
		}
	}
	for _, s := range ch.Scheduler {
		cur := got.SchedOf(scope(s.Scope))
		switch {
		case s.Rank < 0 || s.Rank >= len(cur) || cur[s.Rank].Strict != s.ToStrict:
			bad = append(bad, fmt.Sprintf("%squeue %d strict=%v, expected %v", where(s.Scope), s.Queue, !s.ToStrict, s.ToStrict))
		case cur[s.Rank].Weight != s.ToWeight:
			bad = append(bad, fmt.Sprintf("%squeue %d share weight %d, expected %d", where(s.Scope), s.Queue, cur[s.Rank].Weight, s.ToWeight))
		}
	}
	for _, t := range ch.Trust {
		cur, ok := got.TrustOf(t.Port)
		if !ok {
			cur, _ = got.TrustOf(vendors.GlobalPort)
		}
		if cur != t.To {
			bad = append(bad, fmt.Sprintf("port %s trusts %s, expected %s", t.Port, cur, t.To))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	if len(bad) > 5 {
		bad = append(bad[:5], fmt.Sprintf("and %d more", len(bad)-5))
	}
	return fmt.Errorf("%w from what was written: %s", vendors.ErrVerify, strings.Join(bad, "; "))
}

// where prefixes a message with its scope, unless global.
func where(scope string) string {
	if scope == vendors.GlobalPort || scope == "" {
		return ""
	}
	return scope + ": "
}

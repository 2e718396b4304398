package cli

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/qosagent/qosagent/vendors"
)

// configLines renders ch as the dialect's config-mode lines, given the
// state it applies to. Per-port edits are grouped so each port is entered
// once (port_enter ... port_exit). Map lines group DSCP values per target
// queue, up to max_per_line each; a DSCP keeps its drop threshold where
// the map has them. QoS goes on last where the dialect says so.
func (d *Dialect) configLines(cur vendors.State, ch vendors.Change, det detail) ([]string, error) {
	var out, last []string
	perPort := map[string][]string{} // port-scoped lines, emitted per port so each is visited once
	var portOrder []string
	addPort := func(port string, ls ...string) {
		if _, ok := perPort[port]; !ok {
			portOrder = append(portOrder, port)
		}
		perPort[port] = append(perPort[port], ls...)
	}
	w := d.Write
	if ch.QoSEnable != nil {
		lines := w.QoSEnable.Off
		if *ch.QoSEnable {
			lines = w.QoSEnable.On
		}
		if len(lines) == 0 {
			return nil, fmt.Errorf("%s has no global QoS switch to turn: %w", d.Name, vendors.ErrUnsupported)
		}
		if *ch.QoSEnable && w.QoSEnable.Last {
			last = lines
		} else {
			out = append(out, lines...)
		}
	}

	type target struct{ queue, threshold int }
	byTarget := map[target][]int{}
	for _, m := range ch.Map {
		if m.Scope != vendors.GlobalPort {
			return nil, fmt.Errorf("%s has no per-port DSCP map (%s): %w", d.Name, m.Scope, vendors.ErrUnsupported)
		}
		if m.DSCP < 0 || m.DSCP >= vendors.NumDSCP || cur.Rank(m.To) < 0 {
			return nil, fmt.Errorf("refusing dscp %d -> queue %d: queues are %v", m.DSCP, m.To, cur.Queues)
		}
		th := det.threshold[m.DSCP]
		if th == 0 {
			th = w.Map.DefaultThreshold
		}
		byTarget[target{m.To, th}] = append(byTarget[target{m.To, th}], m.DSCP)
	}
	targets := make([]target, 0, len(byTarget))
	for t := range byTarget {
		targets = append(targets, t)
	}
	sort.Slice(targets, func(i, j int) bool {
		if targets[i].queue != targets[j].queue {
			return targets[i].queue < targets[j].queue
		}
		return targets[i].threshold < targets[j].threshold
	})
	for _, t := range targets {
		ds := byTarget[t]
		sort.Ints(ds)
		for start := 0; start < len(ds); start += w.Map.MaxPerLine {
			chunk := ds[start:min(start+w.Map.MaxPerLine, len(ds))]
			out = append(out, fill(w.Map.Line, "queue", strconv.Itoa(t.queue), "threshold", strconv.Itoa(t.threshold), "dscp", joinInts(chunk)))
		}
	}

	// Scheduler edits, grouped per scope.
	byScope := map[string][]vendors.SchedulerChange{}
	var schedScopes []string
	for _, s := range ch.Scheduler {
		if s.Rank < 0 || s.Rank >= len(cur.Queues) || cur.Queues[s.Rank] != s.Queue {
			return nil, fmt.Errorf("scheduler edit of rank %d / queue %d does not fit queues %v", s.Rank, s.Queue, cur.Queues)
		}
		if byScope[s.Scope] == nil {
			schedScopes = append(schedScopes, s.Scope)
		}
		byScope[s.Scope] = append(byScope[s.Scope], s)
	}
	for _, scope := range schedScopes {
		edits := byScope[scope]
		global := scope == vendors.GlobalPort
		switch w.Strict.Scope {
		case "port":
			if global {
				return nil, fmt.Errorf("%s schedules per port, not globally: %w", d.Name, vendors.ErrUnsupported)
			}
			sched := scheduleAfter(cur, scope, edits)
			for _, s := range edits {
				if s.Rank == len(cur.Queues)-1 && s.FromStrict != s.ToStrict {
					tmpl := w.Strict.Off
					if s.ToStrict {
						tmpl = w.Strict.On
					}
					addPort(scope, fillAll(tmpl, "port", scope)...)
				} else if s.FromStrict != s.ToStrict {
					return nil, fmt.Errorf("%s: only the top queue can be strict (queue %d): %w", d.Name, s.Queue, vendors.ErrUnsupported)
				}
			}
			if hasWeightChange(edits) {
				if len(w.Weights.Line) == 0 {
					return nil, fmt.Errorf("%s has no share weights to set on %s: %w", d.Name, scope, vendors.ErrUnsupported)
				}
				// The share line lists weights by native queue number.
				ws := make([]int, len(cur.Queues))
				for r, id := range cur.Queues {
					ws[id-d.Queues.First] = max(sched[r].Weight, w.Weights.Min)
				}
				addPort(scope, fillAll(w.Weights.Line, "port", scope, "weights", joinInts(ws))...)
			}
		case "queue":
			var ls []string
			for _, s := range edits {
				if s.FromStrict == s.ToStrict {
					continue
				}
				tmpl := w.Strict.Off
				if s.ToStrict {
					tmpl = w.Strict.On
				}
				ls = append(ls, fillAll(tmpl, "queue", strconv.Itoa(s.Queue), "port", scope)...)
			}
			if global {
				out = append(out, ls...)
			} else if w.PortEnter == "" {
				return nil, fmt.Errorf("%s has no per-port scheduling (%s): %w", d.Name, scope, vendors.ErrUnsupported)
			} else if len(ls) > 0 {
				addPort(scope, ls...)
			}
		case "count":
			if !global {
				return nil, fmt.Errorf("%s sets strict queues globally, not on %s: %w", d.Name, scope, vendors.ErrUnsupported)
			}
			if hasStrictChange(edits) {
				n, err := strictCount(scheduleAfter(cur, scope, edits))
				if err != nil {
					return nil, err
				}
				out = append(out, fillAll(w.Strict.Line, "count", strconv.Itoa(n))...)
			}
		}
		if w.Strict.Scope != "port" && hasWeightChange(edits) {
			return nil, fmt.Errorf("%s has no share weights to set: %w", d.Name, vendors.ErrUnsupported)
		}
	}

	// Trust: the global mode first (a port following it needs it set).
	globalTrust, _ := cur.TrustOf(vendors.GlobalPort)
	for _, t := range ch.Trust {
		if t.Port == vendors.GlobalPort {
			globalTrust = t.To
		}
	}
	for _, t := range ch.Trust {
		global := t.Port == vendors.GlobalPort
		tmpl := w.Trust.Port
		none := w.Trust.PortNoTrust
		if global {
			tmpl, none = w.Trust.Global, w.Trust.NoTrust
		}
		if len(tmpl) == 0 {
			where := "per port"
			if global {
				where = "globally"
			}
			return nil, fmt.Errorf("%s sets no trust %s (%q): %w", d.Name, where, t.Port, vendors.ErrUnsupported)
		}
		mode, ok := w.Trust.Modes[string(t.To)]
		switch {
		case !global && w.Trust.PortFollowsGlobal && t.To != vendors.TrustUntrusted:
			if t.To != globalTrust {
				return nil, fmt.Errorf("%s: port %s can only trust the global mode %s, not %s: %w", d.Name, t.Port, globalTrust, t.To, vendors.ErrUnsupported)
			}
		case !ok:
			if t.To != vendors.TrustUntrusted || len(none) == 0 {
				return nil, fmt.Errorf("%s cannot set trust %s: %w", d.Name, t.To, vendors.ErrUnsupported)
			}
			tmpl = none
		case t.To == vendors.TrustUntrusted && len(none) > 0:
			tmpl = none
		}
		if global {
			out = append(out, fillAll(tmpl, "mode", mode)...)
		} else {
			addPort(t.Port, fillAll(tmpl, "port", t.Port, "mode", mode)...)
		}
	}
	// Ports in the order the switch lists them, then any new ones.
	var order []string
	for _, sc := range cur.Scopes[min(1, len(cur.Scopes)):] {
		if _, ok := perPort[sc.Name]; ok {
			order = append(order, sc.Name)
		}
	}
	for _, p := range portOrder {
		if !slices.Contains(order, p) {
			order = append(order, p)
		}
	}
	for _, p := range order {
		out = append(out, fill(w.PortEnter, "port", p))
		out = append(out, perPort[p]...)
		if w.PortExit != "" {
			out = append(out, fill(w.PortExit, "port", p))
		}
	}
	return append(out, last...), nil
}

// scheduleAfter is the scheduling of scope once edits are made.
func scheduleAfter(cur vendors.State, scope string, edits []vendors.SchedulerChange) []vendors.Sched {
	sc := cur.Scope(scope)
	if sc == nil {
		sc = &vendors.Scope{Name: scope}
	}
	sched := append([]vendors.Sched(nil), cur.SchedOf(sc)...)
	if len(sched) != len(cur.Queues) {
		sched = make([]vendors.Sched, len(cur.Queues))
	}
	for _, s := range edits {
		sched[s.Rank] = vendors.Sched{Strict: s.ToStrict, Weight: s.ToWeight}
	}
	return sched
}

func hasStrictChange(edits []vendors.SchedulerChange) bool {
	for _, s := range edits {
		if s.FromStrict != s.ToStrict {
			return true
		}
	}
	return false
}

func hasWeightChange(edits []vendors.SchedulerChange) bool {
	for _, s := range edits {
		if s.FromWeight != s.ToWeight {
			return true
		}
	}
	return false
}

// strictCount is the number of strict queues of sched; on count platforms
// they must be the top ones.
func strictCount(sched []vendors.Sched) (int, error) {
	n := 0
	for i := len(sched) - 1; i >= 0 && sched[i].Strict; i-- {
		n++
	}
	for i := 0; i < len(sched)-n; i++ {
		if sched[i].Strict {
			return 0, fmt.Errorf("strict queues must be the top ones on this platform: %w", vendors.ErrUnsupported)
		}
	}
	return n, nil
}

func fill(tmpl string, kv ...string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		tmpl = strings.ReplaceAll(tmpl, "{"+kv[i]+"}", kv[i+1])
	}
	return tmpl
}

func fillAll(tmpls []string, kv ...string) []string {
	out := make([]string, len(tmpls))
	for i, t := range tmpls {
		out[i] = fill(t, kv...)
	}
	return out
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, " ")
}

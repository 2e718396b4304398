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
// state it applies to (for the port list). Per-port edits are grouped so
// each port is entered once (port_enter ... port_exit).
// Map lines group DSCP values per target queue, up to max_per_line each.
// A DSCP keeps its drop threshold where the map has them.
func (d *Dialect) configLines(cur vendors.State, ch vendors.Change, det detail) ([]string, error) {
	var out []string
	perPort := map[string][]string{} // port-scoped lines, emitted per port so each is visited once
	w := d.Write
	if ch.QoSEnable != nil {
		lines := w.QoSEnable.Off
		if *ch.QoSEnable {
			lines = w.QoSEnable.On
		}
		if len(lines) == 0 {
			return nil, fmt.Errorf("%s has no global QoS switch to turn", d.Name)
		}
		out = append(out, lines...)
	}

	type target struct{ queue, threshold int }
	byTarget := map[target][]int{}
	for _, m := range ch.Map {
		if m.DSCP < 0 || m.DSCP >= vendors.NumDSCP || cur.Rank(m.To) < 0 {
			return nil, fmt.Errorf("refusing dscp %d -> queue %d: queues are %v", m.DSCP, m.To, d.Queues)
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

	switch w.Strict.Scope {
	case "port":
		// Per-port platforms: the per-port edits are what gets written; the
		// queue-level summary of the same edits is not.
		for _, p := range ch.PortScheduler {
			if p.FromExpedite != p.ToExpedite {
				tmpl := w.Strict.Off
				if p.ToExpedite {
					tmpl = w.Strict.On
				}
				perPort[p.Port] = append(perPort[p.Port], fillAll(tmpl, "port", p.Port)...)
			}
			if !slices.Equal(p.FromWeights, p.ToWeights) {
				if len(w.Weights.Line) == 0 || len(p.ToWeights) == 0 {
					return nil, fmt.Errorf("%s has no share weights to set on %s", d.Name, p.Port)
				}
				ws := make([]int, len(p.ToWeights))
				for i, x := range p.ToWeights {
					ws[i] = max(x, w.Weights.Min)
				}
				perPort[p.Port] = append(perPort[p.Port], fillAll(w.Weights.Line, "port", p.Port, "weights", joinInts(ws))...)
			}
		}
	case "queue":
		for _, s := range ch.Scheduler {
			if s.FromStrict == s.ToStrict {
				continue
			}
			tmpl := w.Strict.Off
			if s.ToStrict {
				tmpl = w.Strict.On
			}
			out = append(out, fillAll(tmpl, "queue", strconv.Itoa(s.Queue))...)
		}
	case "count":
		if hasStrictChange(ch) {
			n, err := strictCount(cur, ch)
			if err != nil {
				return nil, err
			}
			out = append(out, fillAll(w.Strict.Line, "count", strconv.Itoa(n))...)
		}
	}
	if w.Strict.Scope != "port" && hasWeightChange(ch) {
		return nil, fmt.Errorf("%s has no share weights to set", d.Name)
	}

	for _, t := range ch.Trust {
		if t.Port == vendors.GlobalPort && w.Trust.Scope != "global" || t.Port != vendors.GlobalPort && w.Trust.Scope != "port" {
			return nil, fmt.Errorf("%s sets trust per %s, not on %q", d.Name, w.Trust.Scope, t.Port)
		}
		tmpl := w.Trust.Line
		mode, ok := w.Trust.Modes[string(t.To)]
		if !ok {
			if t.To != vendors.TrustUntrusted || len(w.Trust.NoTrust) == 0 {
				return nil, fmt.Errorf("%s cannot set trust %s", d.Name, t.To)
			}
			tmpl = w.Trust.NoTrust
		}
		if t.Port == vendors.GlobalPort {
			out = append(out, fillAll(tmpl, "mode", mode)...)
		} else {
			perPort[t.Port] = append(perPort[t.Port], fillAll(tmpl, "port", t.Port, "mode", mode)...)
		}
	}
	for _, p := range ports(cur) {
		if len(perPort[p]) > 0 {
			out = append(out, fill(w.PortEnter, "port", p))
			out = append(out, perPort[p]...)
			if w.PortExit != "" {
				out = append(out, fill(w.PortExit, "port", p))
			}
		}
	}
	return out, nil
}

func hasStrictChange(ch vendors.Change) bool {
	for _, s := range ch.Scheduler {
		if s.FromStrict != s.ToStrict {
			return true
		}
	}
	return false
}

func hasWeightChange(ch vendors.Change) bool {
	for _, s := range ch.Scheduler {
		if s.FromWeight != s.ToWeight {
			return true
		}
	}
	return false
}

// strictCount is the number of strict queues after ch; on count platforms
// they must be the top ones.
func strictCount(cur vendors.State, ch vendors.Change) (int, error) {
	strict := make([]bool, len(cur.Queues))
	for i, q := range cur.Queues {
		strict[i] = q.Strict
	}
	for _, s := range ch.Scheduler {
		strict[cur.Rank(s.Queue)] = s.ToStrict
	}
	n := 0
	for i := len(strict) - 1; i >= 0 && strict[i]; i-- {
		n++
	}
	for i := 0; i < len(strict)-n; i++ {
		if strict[i] {
			return 0, fmt.Errorf("strict queues must be the top ones on this platform")
		}
	}
	return n, nil
}

// ports lists the switch's ports (not the global entry).
func ports(st vendors.State) []string {
	var ps []string
	for _, t := range st.Trust {
		if t.Port != vendors.GlobalPort {
			ps = append(ps, t.Port)
		}
	}
	return ps
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

package agent

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/vendors"
)

// gs110tpFactory is the factory state of a 4-queue FASTPATH smart switch.
func gs110tpFactory() vendors.State {
	m := make([]int, vendors.NumDSCP)
	byPrec := [8]int{1, 0, 0, 1, 2, 2, 3, 3}
	for d := range m {
		m[d] = byPrec[d>>3]
	}
	return vendors.State{
		Queues: []int{0, 1, 2, 3},
		Scopes: []vendors.Scope{
			{Name: vendors.GlobalPort, DSCP: m, Trust: vendors.TrustDot1p, Sched: make([]vendors.Sched, 4)},
			{Name: "1", Trust: vendors.TrustDot1p},
			{Name: "2", Trust: vendors.TrustDot1p},
		},
	}
}

// gm is the global map of st, to edit.
func gm(st *vendors.State) []int { return st.Global().DSCP }

// compliant returns a state that meets the default policy.
func compliant() vendors.State {
	st := gs110tpFactory()
	m := gm(&st)
	m[DSCPEF], m[DSCPAF41], m[DSCPCS3], m[DSCPDefault] = 3, 2, 1, 0
	st.Global().Sched[3].Strict = true
	for i := range st.Scopes {
		st.Scopes[i].Trust = vendors.TrustDSCP
	}
	return st
}

// noNetControlOnTop is compliant() with CS6/CS7 moved off the top queue, which
// the factory map puts there.
func noNetControlOnTop() vendors.State {
	st := compliant()
	for d := 48; d < 64; d++ {
		gm(&st)[d] = 2
	}
	return st
}

// catalystFactory is a Catalyst 3750 out of the box: mls qos off, ports
// untrusted, no priority-queue out, equal share weights; queues in priority
// order Q2 < Q3 < Q4 < Q1. The map is global, trust and scheduling per port.
func catalystFactory() vendors.State {
	m := make([]int, vendors.NumDSCP)
	for d := range m {
		switch {
		case d < 16:
			m[d] = 2
		case d < 32:
			m[d] = 3
		case d >= 40 && d < 48:
			m[d] = 1
		default:
			m[d] = 4
		}
	}
	return vendors.State{
		Queues: []int{2, 3, 4, 1},
		Scopes: []vendors.Scope{
			{Name: vendors.GlobalPort, DSCP: m},
			{Name: "Gi0/1", Trust: vendors.TrustUntrusted, Sched: []vendors.Sched{{Weight: 25}, {Weight: 25}, {Weight: 25}, {Weight: 25}}},
		},
		QoSDisabled: true,
	}
}

func TestPlan(t *testing.T) {
	onlyEFWrong := compliant()
	gm(&onlyEFWrong)[DSCPEF] = 2

	cisco := compliant() // queues numbered 1..4 with queue 1 on top
	cisco.Queues = []int{4, 3, 2, 1}
	cm := gm(&cisco)
	for d := range cm {
		cm[d] = 4
	}
	cm[DSCPEF], cm[DSCPAF41], cm[DSCPCS3], cm[DSCPDefault] = 4, 1, 2, 3

	// An interface whose own map puts EF on queue 1 while the global rows are right.
	ifaceWrong := compliant()
	own := append([]int(nil), gm(&ifaceWrong)...)
	own[DSCPEF] = 1
	ifaceWrong.Scopes = append(ifaceWrong.Scopes, vendors.Scope{Name: "5", DSCP: own, Trust: vendors.TrustDSCP,
		Sched: []vendors.Sched{{}, {}, {}, {}}})

	tests := []struct {
		name   string
		policy Policy
		state  vendors.State
		want   vendors.Change
	}{
		{
			name:   "only EF out of place: exactly one change, EF 2->3",
			policy: DefaultPolicy(), state: onlyEFWrong,
			want: vendors.Change{Map: []vendors.MapChange{{Scope: "global", DSCP: 46, From: 2, To: 3}}},
		},
		{
			name: "already compliant: no change", policy: DefaultPolicy(), state: compliant(),
		},
		{
			name:   "GS110TP factory: EF up, BE down, top strict, trust dscp everywhere",
			policy: DefaultPolicy(), state: gs110tpFactory(),
			want: vendors.Change{
				Map:       []vendors.MapChange{{Scope: "global", DSCP: 0, From: 1, To: 0}, {Scope: "global", DSCP: 46, From: 2, To: 3}},
				Scheduler: []vendors.SchedulerChange{{Scope: "global", Rank: 3, Queue: 3, FromStrict: false, ToStrict: true}},
				Trust: []vendors.TrustChange{
					{Port: "global", From: "dot1p", To: "dscp"}, {Port: "1", From: "dot1p", To: "dscp"}, {Port: "2", From: "dot1p", To: "dscp"},
				},
			},
		},
		{
			name:   "an interface's own map and scheduler are planned in that scope",
			policy: DefaultPolicy(), state: ifaceWrong,
			want: vendors.Change{
				Map:       []vendors.MapChange{{Scope: "5", DSCP: 46, From: 1, To: 3}},
				Scheduler: []vendors.SchedulerChange{{Scope: "5", Rank: 3, Queue: 3, ToStrict: true}},
			},
		},
		{
			name:   "queue numbering is the platform's: top is queue 1",
			policy: DefaultPolicy(), state: cisco,
			want: vendors.Change{Map: []vendors.MapChange{
				{Scope: "global", DSCP: 0, From: 3, To: 4}, {Scope: "global", DSCP: 24, From: 2, To: 3},
				{Scope: "global", DSCP: 34, From: 1, To: 2}, {Scope: "global", DSCP: 46, From: 4, To: 1},
			}},
		},
		{
			name:   "Catalyst factory: map already ordered; QoS on, trust, Q1 strict, shares ranked, per port",
			policy: DefaultPolicy(), state: catalystFactory(),
			want: vendors.Change{
				QoSEnable: func() *bool { b := true; return &b }(),
				Scheduler: []vendors.SchedulerChange{
					{Scope: "Gi0/1", Rank: 0, Queue: 2, FromWeight: 25, ToWeight: 63}, {Scope: "Gi0/1", Rank: 1, Queue: 3, FromWeight: 25, ToWeight: 127},
					{Scope: "Gi0/1", Rank: 2, Queue: 4, FromWeight: 25, ToWeight: 255}, {Scope: "Gi0/1", Rank: 3, Queue: 1, ToStrict: true, FromWeight: 25, ToWeight: 25},
				},
				Trust: []vendors.TrustChange{{Port: "Gi0/1", From: "untrusted", To: "dscp"}},
			},
		},
		{
			name:   "Catalyst ports the policy leaves untrusted are named as re-marking",
			policy: func() Policy { p := DefaultPolicy(); p.TrustPorts = []string{"Gi0/1"}; return p }(),
			state: func() vendors.State {
				st := catalystFactory()
				st.Scopes = append(st.Scopes, vendors.Scope{Name: "Gi0/2", Trust: vendors.TrustUntrusted,
					Sched: []vendors.Sched{{Weight: 63}, {Weight: 127}, {Weight: 255}, {Strict: true, Weight: 25}}})
				st.Scopes[1].Sched = []vendors.Sched{{Weight: 63}, {Weight: 127}, {Weight: 255}, {Strict: true, Weight: 25}}
				return st
			}(),
			want: vendors.Change{
				QoSEnable:   func() *bool { b := true; return &b }(),
				Trust:       []vendors.TrustChange{{Port: "Gi0/1", From: "untrusted", To: "dscp"}},
				RemarkPorts: []string{"Gi0/2"},
			},
		},
		{
			name:   "ranked shares are kept",
			policy: DefaultPolicy(),
			state: func() vendors.State {
				st := catalystFactory()
				st.QoSDisabled = false
				st.Scopes[1].Sched = []vendors.Sched{{Weight: 5}, {Weight: 50}, {Weight: 70}, {Strict: true, Weight: 25}}
				st.Scopes[1].Trust = vendors.TrustDSCP
				return st
			}(),
		},
		{
			name:   "ef_exclusive moves CS5 off the top queue to the default class's queue",
			policy: func() Policy { p := DefaultPolicy(); p.EFExclusive = true; return p }(),
			state:  func() vendors.State { st := noNetControlOnTop(); gm(&st)[40] = 3; return st }(),
			want:   vendors.Change{Map: []vendors.MapChange{{Scope: "global", DSCP: 40, From: 3, To: 0}}},
		},
		{
			name:   "trust limited to named ports",
			policy: func() Policy { p := DefaultPolicy(); p.TrustPorts = []string{"2"}; return p }(),
			state: func() vendors.State {
				st := compliant()
				for i := range st.Scopes {
					st.Scopes[i].Trust = vendors.TrustDot1p
				}
				return st
			}(),
			want: vendors.Change{Trust: []vendors.TrustChange{{Port: "2", From: "dot1p", To: "dscp"}}},
		},
		{
			name:   "a named port without a setting of its own follows the global one",
			policy: func() Policy { p := DefaultPolicy(); p.TrustPorts = []string{"7"}; return p }(),
			state: func() vendors.State {
				st := compliant()
				st.Global().Trust = vendors.TrustDot1p
				return st
			}(),
			want: vendors.Change{Trust: []vendors.TrustChange{{Port: "global", From: "dot1p", To: "dscp"}}},
		},
		{
			name: "unsaved running config: only a save", policy: DefaultPolicy(),
			state: func() vendors.State { st := compliant(); st.Unsaved = "startup-config differs"; return st }(),
			want:  vendors.Change{Save: true},
		},
		{
			name: "three classes on four queues: a compliant spread is left alone",
			policy: Policy{Trust: "dscp", Classes: []Class{
				{Name: "voice", DSCP: []int{46}}, {Name: "video", DSCP: []int{34}}, {Name: "rest", DSCP: []int{0}},
			}},
			state: func() vendors.State { st := compliant(); gm(&st)[34] = 1; return st }(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, err := plan(tt.policy, tt.state)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("plan:\n got %+v\nwant %+v", got, tt.want)
			}
			// Whatever was planned must leave no finding behind.
			after := tt.state.Clone()
			apply(&after, got)
			if fs, _ := Check(tt.policy, after); len(fs) != 0 {
				t.Errorf("findings remain after the plan: %+v", fs)
			}
		})
	}
}

// apply plays a change onto a state, as a perfect switch would.
func apply(st *vendors.State, ch vendors.Change) {
	scope := func(name string) *vendors.Scope {
		if sc := st.Scope(name); sc != nil {
			return sc
		}
		st.Scopes = append(st.Scopes, vendors.Scope{Name: name})
		return &st.Scopes[len(st.Scopes)-1]
	}
	for _, m := range ch.Map {
		sc := scope(m.Scope)
		if sc.DSCP == nil {
			sc.DSCP = append([]int(nil), st.GlobalMap()...)
		}
		sc.DSCP[m.DSCP] = m.To
	}
	for _, s := range ch.Scheduler {
		sc := scope(s.Scope)
		if sc.Sched == nil {
			sc.Sched = append([]vendors.Sched(nil), st.Global().Sched...)
		}
		sc.Sched[s.Rank] = vendors.Sched{Strict: s.ToStrict, Weight: s.ToWeight}
	}
	if ch.QoSEnable != nil {
		st.QoSDisabled = !*ch.QoSEnable
	}
	for _, c := range ch.Trust {
		scope(c.Port).Trust = c.To
	}
	if ch.Save {
		st.Unsaved = ""
	}
}

func TestCheck(t *testing.T) {
	excl := DefaultPolicy()
	excl.EFExclusive = true
	tests := []struct {
		name   string
		policy Policy
		state  vendors.State
		want   []string // rule: message substring, in order
	}{
		{"compliant", DefaultPolicy(), compliant(), nil},
		{"factory GS110TP", DefaultPolicy(), gs110tpFactory(), []string{
			"ef-top: EF shares queue 2 with AF41; the top queue is 3",
			"ef-top: top queue 3 is not strict priority",
			"order: audio (EF, dscp 46) on queue 2 shares a queue with video (AF41, dscp 34) on queue 2",
			"order: signaling (CS3, dscp 24) on queue 1 shares a queue with default (BE, dscp 0) on queue 1",
			"trust: the global setting trusts dot1p; expected dscp",
			"trust: port 1 trusts dot1p",
			"trust: port 2 trusts dot1p",
		}},
		{"EF shares the top queue with CS6", excl, func() vendors.State { st := noNetControlOnTop(); gm(&st)[48] = 3; gm(&st)[49] = 3; return st }(), []string{
			"ef-exclusive: CS6 (dscp 48) shares top queue 3 with EF",
			"ef-exclusive: dscp 49 shares top queue 3 with EF",
		}},
		{"factory CS6/CS7 on the top queue are fine without ef_exclusive", DefaultPolicy(), compliant(), nil},
		{"Catalyst factory", DefaultPolicy(), catalystFactory(), []string{
			"ef-top: top queue 1 is not strict priority",
			"order: audio (EF) on queue 1 is not ahead of video (AF41) on queue 4: both have share weight 25",
			"order: audio (EF) on queue 1 is not ahead of signaling (CS3) on queue 3: both",
			"order: audio (EF) on queue 1 is not ahead of default (BE) on queue 2: both",
			"order: video (AF41) on queue 4 is not ahead of signaling (CS3) on queue 3: both have share weight 25",
			"order: video (AF41) on queue 4 is not ahead of default (BE) on queue 2: both have share weight 25",
			"order: signaling (CS3) on queue 3 is not ahead of default (BE) on queue 2: both have share weight 25",
			"trust: QoS is disabled globally",
			"trust: port Gi0/1 trusts untrusted",
		}},
		{"inverted order", DefaultPolicy(), func() vendors.State {
			st := compliant()
			gm(&st)[DSCPCS3], gm(&st)[DSCPAF41] = 2, 1
			return st
		}(), []string{"order: video (AF41, dscp 34) on queue 1 is below signaling (CS3, dscp 24) on queue 2"}},
		{"an interface overrides the global map", DefaultPolicy(), func() vendors.State {
			st := compliant()
			own := append([]int(nil), gm(&st)...)
			own[DSCPEF] = 1
			st.Scopes = append(st.Scopes, vendors.Scope{Name: "5", DSCP: own})
			return st
		}(), []string{
			"ef-top: EF shares queue 1 with CS3; the top queue is 3",
			"order: audio (EF, dscp 46) on queue 1 is below video (AF41, dscp 34) on queue 2",
			"order: audio (EF, dscp 46) on queue 1 shares a queue with signaling",
		}},
		{"unsaved", DefaultPolicy(), func() vendors.State { st := compliant(); st.Unsaved = "x"; return st }(), []string{
			"saved: the switch would boot with other QoS settings than it runs: x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := Check(tt.policy, tt.state)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != len(tt.want) {
				t.Fatalf("got %d findings, want %d: %+v", len(fs), len(tt.want), fs)
			}
			for i, f := range fs {
				if got := f.Rule + ": " + f.Message; !strings.HasPrefix(got, tt.want[i]) {
					t.Errorf("finding %d = %q, want prefix %q", i, got, tt.want[i])
				}
			}
		})
	}
}

func TestTooManyClasses(t *testing.T) {
	p := Policy{Trust: "dscp"}
	for i, d := range []int{46, 34, 26, 24, 0} {
		p.Classes = append(p.Classes, Class{Name: string(rune('a' + i)), DSCP: []int{d}})
	}
	_, err := Check(p, compliant())
	if err == nil || !strings.Contains(err.Error(), "policy has 5 classes but the switch has 4 queues") || vendors.Class(err) != vendors.ClassUnsupported {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := plan(p, compliant()); err == nil {
		t.Fatal("plan accepted a policy that does not fit")
	}
}

func TestOrdering(t *testing.T) {
	st := compliant()
	kind, pairs := Ordering(DefaultPolicy(), st)
	if kind != vendors.OrderWeighted || pairs[0].Kind != vendors.OrderStrict || pairs[1].Kind != vendors.OrderWeighted {
		t.Fatalf("only the top queue is strict: got %s %+v", kind, pairs)
	}
	for i := range st.Global().Sched {
		st.Global().Sched[i].Strict = true
	}
	if kind, _ := Ordering(DefaultPolicy(), st); kind != vendors.OrderStrict {
		t.Fatalf("all strict: got %s", kind)
	}
}

func TestDiffVerifyRoundTrip(t *testing.T) {
	from, to := gs110tpFactory(), compliant()
	ch, err := Diff(from, to)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(from, ch); err == nil {
		t.Fatal("Verify accepted a state the change was not applied to")
	}
	apply(&from, ch)
	if err := Verify(from, ch); err != nil {
		t.Fatal(err)
	}
	back, _ := Diff(from, gs110tpFactory())
	if back.Len() != ch.Len() {
		t.Fatalf("undo has %d edits, change had %d", back.Len(), ch.Len())
	}
}

// TestAuditCleanMeansNoPlan: with fewer classes than queues, a weighted
// queue that holds no class does not take part in the order, so a switch the
// rules find clean must get an empty plan (apply would otherwise rewrite a
// switch that audit called compliant).
func TestAuditCleanMeansNoPlan(t *testing.T) {
	st := compliant()
	sched := st.Global().Sched
	sched[0].Weight, sched[1].Weight, sched[2].Weight = 100, 50, 200
	p := DefaultPolicy()
	p.Classes = []Class{p.Classes[0], p.Classes[1], p.Classes[3]} // audio, video, default
	m := gm(&st)
	for d := range m {
		m[d] = 1
	}
	m[DSCPEF], m[DSCPAF41] = 3, 2 // default (BE) on queue 1, queue 0 holds no class
	if fs, err := Check(p, st); err != nil || len(fs) != 0 {
		t.Fatalf("Check = %+v, %v; want clean", fs, err)
	}
	if _, ch, err := plan(p, st); err != nil || !ch.Empty() {
		t.Fatalf("plan = %+v, %v; want no change", ch, err)
	}
}

// FuzzPlan checks the planner's promise on arbitrary maps: after the planned
// change no rule is broken, and a second plan is empty.
func FuzzPlan(f *testing.F) {
	f.Add(make([]byte, 64), uint8(4), false)
	f.Add(append(make([]byte, 64), 1, 1, 1, 1), uint8(4), false)
	f.Add([]byte("\x01\x00\x00\x01\x02\x02\x03\x03"), uint8(4), true)
	f.Add([]byte("\x07\x06\x05\x04\x03\x02\x01\x00"), uint8(8), false)
	// Three classes on four weighted queues (byte 72 odd drops signaling).
	f.Add(append(make([]byte, 64), 3, 1, 2, 0, 0, 0, 0, 0, 1), uint8(2), false)
	f.Add(append(append(make([]byte, 64), 25, 25, 25, 25, 0, 0, 0, 0, 0), make([]byte, 70)...), uint8(4), false)
	f.Fuzz(func(t *testing.T, raw []byte, nq uint8, exclusive bool) {
		n := int(nq%7) + 2 // 2..8 queues
		st := vendors.State{Scopes: []vendors.Scope{{Name: vendors.GlobalPort, DSCP: make([]int, vendors.NumDSCP), Trust: vendors.TrustDot1p}}}
		g := &st.Scopes[0]
		for i := 0; i < n; i++ {
			st.Queues = append(st.Queues, i)
			var s vendors.Sched
			if 64+i < len(raw) { // share weights, as on Catalyst SRR queues
				s.Weight = int(raw[64+i]) % 4 * 25
			}
			g.Sched = append(g.Sched, s)
		}
		for d := range g.DSCP {
			if d < len(raw) {
				g.DSCP[d] = int(raw[d]) % n
			}
		}
		// Bytes past 73 give port 1 a map of its own and port 2 its own
		// scheduling: the promise holds in every scope.
		if len(raw) > 73+vendors.NumDSCP {
			own := make([]int, vendors.NumDSCP)
			for d := range own {
				own[d] = int(raw[73+d]) % n
			}
			st.Scopes = append(st.Scopes, vendors.Scope{Name: "1", DSCP: own, Trust: vendors.TrustDSCP})
			sched := append([]vendors.Sched(nil), g.Sched...)
			sched[0].Weight = int(raw[73]) % 3 * 10
			st.Scopes = append(st.Scopes, vendors.Scope{Name: "2", Sched: sched})
		}
		p := DefaultPolicy()
		p.EFExclusive = exclusive
		if len(raw) > 72 && raw[72]%2 == 1 { // fewer classes than queues
			p.Classes = append(p.Classes[:2:2], p.Classes[3])
		}
		if len(p.Classes) > n {
			p.Classes = append(p.Classes[:n-1], p.Classes[len(p.Classes)-1])
		}
		_, ch, err := plan(p, st)
		if err != nil {
			t.Fatal(err)
		}
		// An audit that finds nothing must not be followed by an apply
		// that changes something.
		if fs, _ := Check(p, st); len(fs) == 0 && !ch.Empty() {
			t.Fatalf("no findings, yet a plan: %+v", ch)
		}
		apply(&st, ch)
		if fs, _ := Check(p, st); len(fs) != 0 {
			t.Fatalf("findings after plan: %+v", fs)
		}
		if _, again, _ := plan(p, st); !again.Empty() {
			t.Fatalf("second plan not empty: %+v", again)
		}
	})
}

// TestEFTopNamesThePolicysClasses: the ef-top message names the values of
// the policy in force that share EF's queue, not the default policy's.
func TestEFTopNamesThePolicysClasses(t *testing.T) {
	st := gs110tpFactory() // EF and AF41 on queue 2, AF11 (10) on queue 0
	gm(&st)[10] = 2
	p := Policy{Trust: "dscp", Classes: []Class{{Name: "voice", DSCP: []int{46}}, {Name: "bulk", DSCP: []int{10}}, {Name: "rest", DSCP: []int{0}}}}
	fs, err := Check(p, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Rule == RuleEFTop && strings.Contains(f.Message, "shares") {
			if !strings.Contains(f.Message, "AF11") || strings.Contains(f.Message, "AF41") {
				t.Fatalf("ef-top: %q; want AF11 named, AF41 (not in this policy) not", f.Message)
			}
			return
		}
	}
	t.Fatalf("no ef-top sharing finding in %+v", fs)
}

// TestEFExclusiveNeedsEveryRowRead: under ef_exclusive every DSCP value is
// judged, so a scope whose map has rows not read cannot be called
// compliant: one of them may share the top queue with EF.
func TestEFExclusiveNeedsEveryRowRead(t *testing.T) {
	p := DefaultPolicy()
	p.EFExclusive = true
	st := noNetControlOnTop()
	if fs, err := Check(p, st); err != nil || len(fs) != 0 {
		t.Fatalf("fully read state: %v %+v", err, fs)
	}
	port := slices.Clone(gm(&st))
	port[40] = vendors.Unread
	st.Scope("1").DSCP = port
	if fs, err := Check(p, st); !errors.Is(err, vendors.ErrParse) {
		t.Fatalf("a map with dscp 40 unread was judged: %v %+v", err, fs)
	}
}

package agent

import (
	"reflect"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/vendors"
)

// gs110tpFactory is the factory state of a 4-queue FASTPATH smart switch.
func gs110tpFactory() vendors.State {
	var st vendors.State
	byPrec := [8]int{1, 0, 0, 1, 2, 2, 3, 3}
	for d := range st.DSCP {
		st.DSCP[d] = byPrec[d>>3]
	}
	st.Queues = []vendors.Queue{{ID: 0}, {ID: 1}, {ID: 2}, {ID: 3}}
	st.Trust = []vendors.PortTrust{{Port: vendors.GlobalPort, Trust: vendors.TrustDot1p}, {Port: "1", Trust: vendors.TrustDot1p}, {Port: "2", Trust: vendors.TrustDot1p}}
	return st
}

// compliant returns a state that meets the default policy.
func compliant() vendors.State {
	st := gs110tpFactory()
	st.DSCP[DSCPEF], st.DSCP[DSCPAF41], st.DSCP[DSCPCS3], st.DSCP[DSCPDefault] = 3, 2, 1, 0
	st.Queues[3].Strict = true
	for i := range st.Trust {
		st.Trust[i].Trust = vendors.TrustDSCP
	}
	return st
}

// noNetControlOnTop is compliant() with CS6/CS7 moved off the top queue, which
// the factory map puts there.
func noNetControlOnTop() vendors.State {
	st := compliant()
	for d := 48; d < 64; d++ {
		st.DSCP[d] = 2
	}
	return st
}

// catalystFactory is a Catalyst 3750 out of the box: mls qos off, ports
// untrusted, no priority-queue out, equal share weights; queues in priority
// order Q2 < Q3 < Q4 < Q1.
func catalystFactory() vendors.State {
	var st vendors.State
	for d := range st.DSCP {
		switch {
		case d < 16:
			st.DSCP[d] = 2
		case d < 32:
			st.DSCP[d] = 3
		case d >= 40 && d < 48:
			st.DSCP[d] = 1
		default:
			st.DSCP[d] = 4
		}
	}
	st.Queues = []vendors.Queue{{ID: 2, Weight: 25}, {ID: 3, Weight: 25}, {ID: 4, Weight: 25}, {ID: 1, Weight: 25}}
	st.Trust = []vendors.PortTrust{{Port: "Gi0/1", Trust: vendors.TrustUntrusted}}
	st.QoSDisabled = true
	return st
}

func TestPlan(t *testing.T) {
	onlyEFWrong := compliant()
	onlyEFWrong.DSCP[DSCPEF] = 2

	cisco := compliant() // queues numbered 1..4 with queue 1 on top
	cisco.Queues = []vendors.Queue{{ID: 4}, {ID: 3}, {ID: 2}, {ID: 1, Strict: true}}
	cisco.DSCP[DSCPEF], cisco.DSCP[DSCPAF41], cisco.DSCP[DSCPCS3], cisco.DSCP[DSCPDefault] = 4, 1, 2, 3

	tests := []struct {
		name   string
		policy Policy
		state  vendors.State
		want   vendors.Change
	}{
		{
			name:   "only EF out of place: exactly one change, EF 2->3",
			policy: DefaultPolicy(), state: onlyEFWrong,
			want: vendors.Change{Map: []vendors.MapChange{{DSCP: 46, From: 2, To: 3}}},
		},
		{
			name: "already compliant: no change", policy: DefaultPolicy(), state: compliant(),
		},
		{
			name:   "GS110TP factory: EF up, BE down, top strict, trust dscp everywhere",
			policy: DefaultPolicy(), state: gs110tpFactory(),
			want: vendors.Change{
				Map:       []vendors.MapChange{{DSCP: 0, From: 1, To: 0}, {DSCP: 46, From: 2, To: 3}},
				Scheduler: []vendors.SchedulerChange{{Queue: 3, FromStrict: false, ToStrict: true}},
				Trust: []vendors.TrustChange{
					{Port: "global", From: "dot1p", To: "dscp"}, {Port: "1", From: "dot1p", To: "dscp"}, {Port: "2", From: "dot1p", To: "dscp"},
				},
			},
		},
		{
			name:   "queue numbering is the platform's: top is queue 1",
			policy: DefaultPolicy(), state: cisco,
			want: vendors.Change{Map: []vendors.MapChange{
				{DSCP: 0, From: 3, To: 4}, {DSCP: 24, From: 2, To: 3}, {DSCP: 34, From: 1, To: 2}, {DSCP: 46, From: 4, To: 1},
			}},
		},
		{
			name:   "Catalyst factory: map already ordered; QoS on, trust, Q1 strict, shares ranked",
			policy: DefaultPolicy(), state: catalystFactory(),
			want: vendors.Change{
				QoSEnable: func() *bool { b := true; return &b }(),
				Scheduler: []vendors.SchedulerChange{
					{Queue: 2, FromWeight: 25, ToWeight: 63}, {Queue: 3, FromWeight: 25, ToWeight: 127},
					{Queue: 4, FromWeight: 25, ToWeight: 255}, {Queue: 1, ToStrict: true, FromWeight: 25, ToWeight: 25},
				},
				Trust: []vendors.TrustChange{{Port: "Gi0/1", From: "untrusted", To: "dscp"}},
			},
		},
		{
			name:   "ranked shares are kept",
			policy: DefaultPolicy(),
			state: func() vendors.State {
				st := catalystFactory()
				st.QoSDisabled = false
				st.Queues = []vendors.Queue{{ID: 2, Weight: 5}, {ID: 3, Weight: 50}, {ID: 4, Weight: 70}, {ID: 1, Strict: true, Weight: 25}}
				st.Trust[0].Trust = vendors.TrustDSCP
				return st
			}(),
		},
		{
			name:   "ef_exclusive moves CS5 off the top queue to the default class's queue",
			policy: func() Policy { p := DefaultPolicy(); p.EFExclusive = true; return p }(),
			state:  func() vendors.State { st := noNetControlOnTop(); st.DSCP[40] = 3; return st }(),
			want:   vendors.Change{Map: []vendors.MapChange{{DSCP: 40, From: 3, To: 0}}},
		},
		{
			name:   "trust limited to named ports",
			policy: func() Policy { p := DefaultPolicy(); p.TrustPorts = []string{"2"}; return p }(),
			state: func() vendors.State {
				st := compliant()
				for i := range st.Trust {
					st.Trust[i].Trust = vendors.TrustDot1p
				}
				return st
			}(),
			want: vendors.Change{Trust: []vendors.TrustChange{{Port: "2", From: "dot1p", To: "dscp"}}},
		},
		{
			name: "three classes on four queues: a compliant spread is left alone",
			policy: Policy{Trust: "dscp", Classes: []Class{
				{Name: "voice", DSCP: []int{46}}, {Name: "video", DSCP: []int{34}}, {Name: "rest", DSCP: []int{0}},
			}},
			state: func() vendors.State { st := compliant(); st.DSCP[34] = 1; return st }(),
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
	for _, m := range ch.Map {
		st.DSCP[m.DSCP] = m.To
	}
	for _, s := range ch.Scheduler {
		st.Queues[st.Rank(s.Queue)].Strict = s.ToStrict
		st.Queues[st.Rank(s.Queue)].Weight = s.ToWeight
	}
	if ch.QoSEnable != nil {
		st.QoSDisabled = !*ch.QoSEnable
	}
	for _, c := range ch.Trust {
		for i := range st.Trust {
			if st.Trust[i].Port == c.Port {
				st.Trust[i].Trust = c.To
			}
		}
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
		{"EF shares the top queue with CS6", excl, func() vendors.State { st := noNetControlOnTop(); st.DSCP[48] = 3; st.DSCP[49] = 3; return st }(), []string{
			"ef-exclusive: CS6 (dscp 48) shares top queue 3 with EF",
			"ef-exclusive: dscp 49 shares top queue 3 with EF",
		}},
		{"factory CS6/CS7 on the top queue are fine without ef_exclusive", DefaultPolicy(), compliant(), nil},
		{"Catalyst factory", DefaultPolicy(), catalystFactory(), []string{
			"ef-top: top queue 1 is not strict priority",
			"order: audio (EF) on queue 1 is not ahead of video (AF41) on queue 4: both have share weight 25",
			"order: audio (EF) on queue 1 is not ahead of signaling (CS3) on queue 3",
			"order: audio (EF) on queue 1 is not ahead of default (BE) on queue 2",
			"order: video (AF41) on queue 4 is not ahead of signaling (CS3) on queue 3: both have share weight 25",
			"order: video (AF41) on queue 4 is not ahead of default (BE) on queue 2: both have share weight 25",
			"order: signaling (CS3) on queue 3 is not ahead of default (BE) on queue 2: both have share weight 25",
			"trust: QoS is disabled globally",
			"trust: port Gi0/1 trusts untrusted",
		}},
		{"inverted order", DefaultPolicy(), func() vendors.State {
			st := compliant()
			st.DSCP[DSCPCS3], st.DSCP[DSCPAF41] = 2, 1
			return st
		}(), []string{"order: video (AF41, dscp 34) on queue 1 is below signaling (CS3, dscp 24) on queue 2"}},
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
	if err == nil || !strings.Contains(err.Error(), "policy has 5 classes but the switch has 4 queues") {
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
	for i := range st.Queues {
		st.Queues[i].Strict = true
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
	st.Queues[0].Weight, st.Queues[1].Weight, st.Queues[2].Weight = 100, 50, 200
	p := DefaultPolicy()
	p.Classes = []Class{p.Classes[0], p.Classes[1], p.Classes[3]} // audio, video, default
	for d := range st.DSCP {
		st.DSCP[d] = 1
	}
	st.DSCP[DSCPEF], st.DSCP[DSCPAF41] = 3, 2 // default (BE) on queue 1, queue 0 holds no class
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
	f.Fuzz(func(t *testing.T, raw []byte, nq uint8, exclusive bool) {
		n := int(nq%7) + 2 // 2..8 queues
		var st vendors.State
		for i := 0; i < n; i++ {
			q := vendors.Queue{ID: i}
			if 64+i < len(raw) { // share weights, as on Catalyst SRR queues
				q.Weight = int(raw[64+i]) % 4 * 25
			}
			st.Queues = append(st.Queues, q)
		}
		for d := range st.DSCP {
			if d < len(raw) {
				st.DSCP[d] = int(raw[d]) % n
			}
		}
		st.Trust = []vendors.PortTrust{{Port: vendors.GlobalPort, Trust: vendors.TrustDot1p}}
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
	st.DSCP[10] = 2
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

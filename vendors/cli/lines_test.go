package cli

import (
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/vendors"
)

func planFor(t *testing.T, st vendors.State) vendors.Change {
	t.Helper()
	target, err := agent.Target(agent.DefaultPolicy(), st)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := agent.Diff(st, target)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestConfigLinesIOSFactory(t *testing.T) {
	d := dialect(t, "cisco-ios")
	st := readState(t, d, iosFiles, map[string]string{"show mls qos": "QoS is disabled\n"})
	ch := planFor(t, st)
	got, err := d.configLines(st, ch, detail{})
	if err != nil {
		t.Fatal(err)
	}
	// Per-port trust first, "mls qos" last: from it on, untrusted ports
	// re-mark DSCP to 0.
	var want []string
	for p := 1; p <= 4; p++ {
		port := "GigabitEthernet0/" + string(rune('0'+p))
		want = append(want, "interface "+port)
		if p == 3 {
			want = append(want, "priority-queue out")
		}
		want = append(want, "srr-queue bandwidth share 25 63 127 255")
		if p != 2 {
			want = append(want, "mls qos trust dscp")
		}
		want = append(want, "exit")
	}
	want = append(want, "mls qos")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(ch.RemarkPorts) != 0 {
		t.Errorf("remark ports %v: the policy trusts every port", ch.RemarkPorts)
	}
}

func TestConfigLinesGroupDSCPPerQueue(t *testing.T) {
	d := dialect(t, "cisco-ios")
	st := vendors.State{Queues: []int{2, 3, 4, 1}, Scopes: []vendors.Scope{{Name: vendors.GlobalPort, DSCP: make([]int, 64)}, {Name: "Gi0/1", Trust: vendors.TrustDSCP}}}
	var ch vendors.Change
	for dscp := 0; dscp < 10; dscp++ {
		ch.Map = append(ch.Map, vendors.MapChange{Scope: vendors.GlobalPort, DSCP: dscp, From: 2, To: 3})
	}
	ch.Map = append(ch.Map, vendors.MapChange{Scope: vendors.GlobalPort, DSCP: 46, From: 4, To: 1})
	got, err := d.configLines(st, ch, detail{threshold: map[int]int{46: 3}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"mls qos srr-queue output dscp-map queue 1 threshold 3 46",
		"mls qos srr-queue output dscp-map queue 3 threshold 1 0 1 2 3 4 5 6 7",
		"mls qos srr-queue output dscp-map queue 3 threshold 1 8 9",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
}

func TestConfigLinesFastpathAndSB(t *testing.T) {
	fp := dialect(t, "netgear-fastpath")
	st := readState(t, fp, fpFiles, map[string]string{"show running-config": "interface 0/2\nclassofservice trust dot1p\nexit\n"})
	st.Global().Sched[3].Strict = false
	st.Global().Trust = vendors.TrustDot1p
	got, err := fp.configLines(st, planFor(t, st), detail{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"classofservice ip-dscp-mapping 0 0", "classofservice ip-dscp-mapping 46 3", "cos-queue strict 3", "classofservice trust ip-dscp",
		"interface 0/2", "classofservice trust ip-dscp", "exit"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fastpath got %q", got)
	}

	sb := dialect(t, "cisco-sb")
	run := "qos trust cos\npriority-queue out num-of-queues 0\ninterface gi1/0/2\n no qos trust\n!\n"
	st = readState(t, sb, sbFiles, map[string]string{"show qos interface queuing": sbQueuing(4, 0), "show running-config": run})
	got, err = sb.configLines(st, planFor(t, st), detail{})
	if err != nil {
		t.Fatal(err)
	}
	// Factory SB: CS3 ties AF41 on queue 3; moving CS3 alone is the minimal fix.
	want = []string{"qos map dscp-queue 24 to 2", "priority-queue out num-of-queues 1", "interface gi1/0/2", "qos trust", "exit"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sb got %q", got)
	}

	// The factory all-strict scheduler (no priority-queue line) already
	// keeps the top queue strict: nothing to write there.
	st = readState(t, sb, sbFiles, map[string]string{"show qos interface queuing": sbQueuing(4, 4), "show running-config": "qos trust cos\n"})
	got, err = sb.configLines(st, planFor(t, st), detail{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range got {
		if strings.HasPrefix(l, "priority-queue") {
			t.Errorf("all-strict SB got %q", l)
		}
	}
}

func TestConfigLinesRefuseWhatThePlatformCannotDo(t *testing.T) {
	sb := dialect(t, "cisco-sb")
	st := vendors.State{Queues: []int{1, 2, 3, 4}, Scopes: []vendors.Scope{{Name: vendors.GlobalPort, DSCP: make([]int, 64), Trust: vendors.TrustDot1p, Sched: make([]vendors.Sched, 4)}}}
	cases := []vendors.Change{
		{Trust: []vendors.TrustChange{{Port: "gi1/0/1", From: "dot1p", To: "dscp"}}}, // a port can only follow the global mode
		{Map: []vendors.MapChange{{Scope: vendors.GlobalPort, DSCP: 46, From: 4, To: 9}}},
		{Map: []vendors.MapChange{{Scope: "gi1/0/1", DSCP: 46, From: 4, To: 3}}},
		{Scheduler: []vendors.SchedulerChange{{Scope: vendors.GlobalPort, Rank: 1, Queue: 2, ToStrict: true}}},
		{Trust: []vendors.TrustChange{{Port: vendors.GlobalPort, From: "dot1p", To: "ip-precedence"}}},
	}
	for i, ch := range cases {
		if _, err := sb.configLines(st, ch, detail{threshold: map[int]int{46: 3}}); err == nil {
			t.Errorf("case %d: accepted %+v", i, ch)
		}
	}
}

// TestConfigLinesUndoQoSAndTrust: the lines that put a switch back to a
// backup with QoS off, or with a trust mode the policy never uses, are the
// platform's own, not a "no" in front of the enable line.
func TestConfigLinesUndoQoSAndTrust(t *testing.T) {
	off, on := false, true
	tests := []struct {
		dialect string
		ch      vendors.Change
		want    []string
	}{
		{"cisco-sb", vendors.Change{QoSEnable: &off}, []string{"no qos"}},
		{"cisco-sb", vendors.Change{QoSEnable: &on}, []string{"qos basic"}},
		{"cisco-ios", vendors.Change{QoSEnable: &off}, []string{"no mls qos"}},
		{"cisco-sb", vendors.Change{Trust: []vendors.TrustChange{{Port: vendors.GlobalPort, From: vendors.TrustDSCP, To: "cos-dscp"}}}, []string{"qos trust cos-dscp"}},
		{"cisco-sb", vendors.Change{Trust: []vendors.TrustChange{{Port: "gi1/0/3", From: vendors.TrustDSCP, To: vendors.TrustUntrusted}}}, []string{"interface gi1/0/3", "no qos trust", "exit"}},
		{"netgear-fastpath", vendors.Change{Trust: []vendors.TrustChange{{Port: "1/0/3", From: vendors.TrustDSCP, To: vendors.TrustUntrusted}}}, []string{"interface 1/0/3", "classofservice trust untrusted", "exit"}},
	}
	for _, tt := range tests {
		d := dialect(t, tt.dialect)
		st := vendors.State{Queues: []int{1, 2}, Scopes: []vendors.Scope{{Name: vendors.GlobalPort, DSCP: make([]int, 64), Trust: vendors.TrustDSCP}}}
		got, err := d.configLines(st, tt.ch, detail{})
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %+v: %q, %v; want %q", tt.dialect, tt.ch, got, err, tt.want)
		}
	}
}

// TestFastpathPortStrictQueues: a port's own "cos-queue strict" in the
// running config is that port's scheduling; its top queue not among them is
// a finding in that port's scope, fixed in Interface Config.
func TestFastpathPortStrictQueues(t *testing.T) {
	fp := dialect(t, "netgear-fastpath")
	run := "configure\ncos-queue strict 3\ninterface 1/0/7\ncos-queue strict 2\nexit\nexit\n"
	st := readState(t, fp, fpFiles, map[string]string{"show running-config": run, "show startup-config": run})
	sc := st.Scope("1/0/7")
	if sc == nil || len(sc.Sched) != 4 || !sc.Sched[2].Strict || sc.Sched[3].Strict {
		t.Fatalf("port 1/0/7: %+v", sc)
	}
	fs, err := agent.Check(agent.DefaultPolicy(), st)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fs {
		found = found || f.Rule == agent.RuleEFTop && f.Scope == "1/0/7"
	}
	if !found {
		t.Fatalf("no ef-top finding in scope 1/0/7: %+v", fs)
	}
	got, err := fp.configLines(st, planFor(t, st), detail{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"interface 1/0/7", "cos-queue strict 3", "exit"}
	if !reflect.DeepEqual(got[len(got)-3:], want) {
		t.Errorf("lines %q; want them to end with %q", got, want)
	}
}

// TestFastpathPortNoStrict: a port that only turned queues weighted ("no
// cos-queue strict" in its interface section) keeps the global scheduler's
// other strict queues; one that turned the top one weighted is a finding in
// that port's scope.
func TestFastpathPortNoStrict(t *testing.T) {
	fp := dialect(t, "netgear-fastpath")
	run := "configure\ncos-queue strict 2 3\ninterface 1/0/7\nno cos-queue strict 3\nexit\nexit\n"
	files := maps.Clone(fpFiles)
	delete(files, "show interfaces cos-queue")
	cosQueue := strings.Replace(transcript(t, "fastpath-cos-queue.txt"),
		"2         0               0               Weighted", "2         0               0               Strict  ", 1)
	st := readState(t, fp, files, map[string]string{"show running-config": run, "show startup-config": run, "show interfaces cos-queue": cosQueue})
	if g := st.Global(); !g.Sched[2].Strict || !g.Sched[3].Strict {
		t.Fatalf("global scheduler %+v, want queues 2 and 3 strict", g.Sched)
	}
	sc := st.Scope("1/0/7")
	if sc == nil || len(sc.Sched) != 4 || !sc.Sched[2].Strict || sc.Sched[3].Strict {
		t.Fatalf("port 1/0/7: %+v", sc)
	}
	fs, err := agent.Check(agent.DefaultPolicy(), st)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fs {
		found = found || f.Rule == agent.RuleEFTop && f.Scope == "1/0/7"
	}
	if !found {
		t.Fatalf("no ef-top finding in scope 1/0/7: %+v", fs)
	}
}

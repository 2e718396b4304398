package cli

import (
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
	qos := writeTmp(t, "QoS is disabled\n")
	st := readStateFiles(t, d, qos, "testdata/ios-dscp-output-q.txt", "testdata/ios-mls-qos-interface.txt", "testdata/ios-mls-qos-interface-queueing.txt")
	got, err := d.configLines(st, planFor(t, st), detail{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"mls qos"}
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
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestConfigLinesGroupDSCPPerQueue(t *testing.T) {
	d := dialect(t, "cisco-ios")
	var st vendors.State
	st.Queues = []vendors.Queue{{ID: 2}, {ID: 3}, {ID: 4}, {ID: 1, Strict: true}}
	st.Trust = []vendors.PortTrust{{Port: "Gi0/1", Trust: vendors.TrustDSCP}}
	var ch vendors.Change
	for dscp := 0; dscp < 10; dscp++ {
		ch.Map = append(ch.Map, vendors.MapChange{DSCP: dscp, From: 2, To: 3})
	}
	ch.Map = append(ch.Map, vendors.MapChange{DSCP: 46, From: 4, To: 1})
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
	st := readState(t, fp, "fastpath-ip-dscp-mapping.txt", "fastpath-trust.txt", "fastpath-cos-queue.txt")
	st.Queues[3].Strict = false
	st.Trust[0].Trust = vendors.TrustDot1p
	got, err := fp.configLines(st, planFor(t, st), detail{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"classofservice ip-dscp-mapping 0 0", "classofservice ip-dscp-mapping 46 3", "cos-queue strict 3", "classofservice trust ip-dscp"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fastpath got %q", got)
	}

	sb := dialect(t, "cisco-sb")
	pq := writeTmp(t, "priority-queue out num-of-queues 0\n")
	st = readStateFiles(t, sb, "testdata/sb-qos.txt", "testdata/sb-dscp-queue.txt", pq)
	got, err = sb.configLines(st, planFor(t, st), detail{})
	if err != nil {
		t.Fatal(err)
	}
	// Factory SB: CS3 ties AF41 on queue 3; moving CS3 alone is the minimal fix.
	want = []string{"qos map dscp-queue 24 to 2", "priority-queue out num-of-queues 1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sb got %q", got)
	}
}

func TestConfigLinesRefuseWhatThePlatformCannotDo(t *testing.T) {
	sb := dialect(t, "cisco-sb")
	var st vendors.State
	st.Queues = []vendors.Queue{{ID: 1}, {ID: 2}, {ID: 3}, {ID: 4}}
	st.Trust = []vendors.PortTrust{{Port: vendors.GlobalPort, Trust: vendors.TrustDot1p}}
	cases := []vendors.Change{
		{Trust: []vendors.TrustChange{{Port: "gi1/0/1", From: "dot1p", To: "dscp"}}},
		{Map: []vendors.MapChange{{DSCP: 46, From: 4, To: 9}}},
		{Scheduler: []vendors.SchedulerChange{{Queue: 2, ToStrict: true}}},
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
	}
	for _, tt := range tests {
		d := dialect(t, tt.dialect)
		st := vendors.State{Queues: []vendors.Queue{{ID: 1}, {ID: 2}}, Trust: []vendors.PortTrust{{Port: vendors.GlobalPort, Trust: vendors.TrustDSCP}}}
		got, err := d.configLines(st, tt.ch, detail{})
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %+v: %q, %v; want %q", tt.dialect, tt.ch, got, err, tt.want)
		}
	}
}

package netgear_test

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/sim"
	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/mibs"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/netgear"
)

const community = "test-community"

// v2cSwitch describes a switch at addr as the inventory would.
func v2cSwitch(t testing.TB, name, addr, community string) inventory.Switch {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return inventory.Switch{
		Site: "lab", Name: name, Vendor: netgear.Vendor, Address: addr, Host: host, Port: p,
		SNMP: inventory.SNMP{Version: "2c", Port: p, Timeout: 300 * time.Millisecond, Retries: 1,
			Community: inventory.NewSecret(community, "test"), MaxRepetitions: 64},
	}
}

func startSim(t testing.TB) (*sim.GS110TP, inventory.Switch) {
	t.Helper()
	sw := sim.NewGS110TP("sw1")
	srv, err := sim.ListenSNMP(context.Background(), "127.0.0.1:0", sw, sim.ServerConfig{Community: community})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return sw, v2cSwitch(t, "sw1", srv.Addr(), community)
}

func open(t testing.TB, sw inventory.Switch) vendors.Adapter {
	t.Helper()
	a, err := netgear.Open(sw)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// TestReadFactoryInThreeRoundTrips: two GETBULKs (global map; queue count,
// trust and scheduler columns) and one GET of the policy's rows on every
// interface.
func TestReadFactoryInThreeRoundTrips(t *testing.T) {
	s, sw := startSim(t)
	a := open(t, sw)
	a.(vendors.Focuser).Focus([]int{46, 34, 24, 0})
	st, err := a.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Stats(); got.GetBulk != 2 || got.Get != 1 || got.GetNext+got.Set != 0 {
		t.Errorf("read used %+v; want 2 GETBULKs and 1 GET", got)
	}
	if !reflect.DeepEqual(st.Queues, []int{0, 1, 2, 3}) || st.Global().Sched[3].Strict {
		t.Errorf("queues = %v, sched %+v; want 0..3 with a weighted top", st.Queues, st.Global().Sched)
	}
	want := map[int]int{0: 1, 8: 0, 24: 1, 34: 2, 46: 2, 48: 3}
	for d, q := range want {
		if st.GlobalMap()[d] != q {
			t.Errorf("dscp %d on queue %d, want %d", d, st.GlobalMap()[d], q)
		}
	}
	if len(st.Scopes) != 11 || st.Global().Trust != vendors.TrustDot1p || st.Scopes[10].Name != "10" {
		t.Errorf("scopes = %+v", st.Scopes)
	}
	for _, sc := range st.Scopes[1:] {
		if sc.DSCP != nil || sc.Sched != nil {
			t.Errorf("interface %s has settings of its own, though it follows the global rows: %+v", sc.Name, sc)
		}
	}
}

// TestReadPerInterfaceMap: an interface whose own row differs from the
// global one is a scope with its own map; the global rows being right does
// not make the switch compliant.
func TestReadPerInterfaceMap(t *testing.T) {
	s, sw := startSim(t)
	s.SetPortDSCP(5, 46, 1)
	a := open(t, sw)
	a.(vendors.Focuser).Focus([]int{46, 34, 24, 0})
	st, err := a.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sc := st.Scope("5")
	if sc == nil || sc.DSCP == nil || sc.DSCP[46] != 1 || sc.DSCP[34] != 2 || sc.DSCP[10] != vendors.Unread {
		t.Fatalf("interface 5: %+v", sc)
	}
	// Apply: the global rows fan out, then interface 5's own EF row.
	ctx := context.Background()
	target, err := agent.Target(agent.DefaultPolicy(), st)
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := agent.Diff(st, target)
	if err := a.Write(ctx, ch); err != nil {
		t.Fatal(err)
	}
	for p := 1; p <= 10; p++ {
		if m := s.PortDSCPMap(p); m[46] != 3 || m[0] != 0 {
			t.Errorf("interface %d: ef %d be %d", p, m[46], m[0])
		}
	}
	after, err := a.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.Verify(after, ch); err != nil {
		t.Fatal(err)
	}
	if fs, _ := agent.Check(agent.DefaultPolicy(), after); len(fs) != 0 {
		t.Errorf("findings after apply: %+v", fs)
	}
}

func TestReadWithSmallMaxRepetitionsWalksOn(t *testing.T) {
	s, sw := startSim(t)
	sw.SNMP.MaxRepetitions = 10
	st, err := open(t, sw).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.GlobalMap()[46] != 2 || len(st.Scopes) != 11 {
		t.Fatalf("incomplete read: ef=%d scopes=%d", st.GlobalMap()[46], len(st.Scopes))
	}
	if n := s.Stats().GetBulk; n <= 2 {
		t.Errorf("GETBULKs = %d; 10 repetitions cannot cover 64 rows in one", n)
	}
}

func TestWriteOneSETThenSave(t *testing.T) {
	s, sw := startSim(t)
	a := open(t, sw)
	ctx := context.Background()
	st, err := a.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	target, err := agent.Target(agent.DefaultPolicy(), st)
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := agent.Diff(st, target)
	if err := a.Write(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if n := s.Stats().Set; n != 1 {
		t.Errorf("write used %d SETs, want 1", n)
	}
	if got := s.DSCPMap(); got[46] != 3 || got[0] != 0 || s.Trust(4) != mibs.TrustModeTrustIpDscp || s.Scheduler(3) != mibs.SchedulerStrict {
		t.Errorf("switch not written: ef=%d be=%d trust4=%d sched3=%d", got[46], got[0], s.Trust(4), s.Scheduler(3))
	}
	if s.Saved() {
		t.Fatal("saved before Save")
	}
	if err := a.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if !s.Saved() {
		t.Fatal("Save did not reach the startup config")
	}
}

func TestWriteRefusesOutOfRangeBeforeSending(t *testing.T) {
	s, sw := startSim(t)
	a := open(t, sw)
	if _, err := a.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := a.Write(context.Background(), vendors.Change{Map: []vendors.MapChange{{Scope: vendors.GlobalPort, DSCP: 46, From: 2, To: 4}}})
	if err == nil || !strings.Contains(err.Error(), "valid classes are 0..3") {
		t.Fatalf("err = %v", err)
	}
	if s.Stats().Set != 0 {
		t.Fatal("an invalid value reached the switch")
	}
}

func TestCommitFailedNamesTheRow(t *testing.T) {
	s, sw := startSim(t)
	a := open(t, sw)
	if _, err := a.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.SetFaults(sim.Faults{CommitFailAt: 2})
	err := a.Write(context.Background(), vendors.Change{Map: []vendors.MapChange{{Scope: vendors.GlobalPort, DSCP: 0, From: 1, To: 0}, {Scope: vendors.GlobalPort, DSCP: 46, From: 2, To: 3}}})
	if err == nil || !strings.Contains(err.Error(), "commitFailed on varbind 2 (interface 0 DSCP 46 -> queue 3)") {
		t.Fatalf("err = %v", err)
	}
	if c := vendors.Class(err); c != vendors.ClassRefused {
		t.Errorf("class %q, want refused", c)
	}
}

func TestNoAnswerExplains(t *testing.T) {
	s, sw := startSim(t)
	s.SetFaults(sim.Faults{Silent: true})
	_, err := open(t, sw).Read(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no answer from 127.0.0.1") || !strings.Contains(err.Error(), "community") {
		t.Fatalf("err = %v", err)
	}
	if c := vendors.Class(err); c != vendors.ClassTimeout {
		t.Errorf("class %q, want timeout", c)
	}
}

func TestWrongCommunityLooksLikeNoAnswer(t *testing.T) {
	_, sw := startSim(t)
	sw.SNMP.Community = inventory.NewSecret("wrong", "test")
	_, err := open(t, sw).Read(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error leaks the community: %v", err)
	}
}

func TestNoDSCPTableIsUnsupported(t *testing.T) {
	s, sw := startSim(t)
	s.SetFaults(sim.Faults{NoDSCPTable: true})
	_, err := open(t, sw).Read(context.Background())
	if !errors.Is(err, vendors.ErrUnsupported) {
		t.Fatalf("err = %v; want ErrUnsupported", err)
	}
}

func TestV3AuthPriv(t *testing.T) {
	s := sim.NewGS110TP("v3")
	user := &sim.V3User{UserName: "qos", AuthProtocol: gosnmp.SHA256, AuthPassphrase: "auth-pass-123", PrivProtocol: gosnmp.AES, PrivPassphrase: "priv-pass-123"}
	srv, err := sim.ListenSNMP(context.Background(), "127.0.0.1:0", s, sim.ServerConfig{V3: user})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sw := v2cSwitch(t, "v3", srv.Addr(), "")
	sw.SNMP.Version, sw.SNMP.Username = "3", "qos"
	sw.SNMP.AuthProtocol, sw.SNMP.AuthPassphrase = "SHA256", inventory.NewSecret("auth-pass-123", "test")
	sw.SNMP.PrivProtocol, sw.SNMP.PrivPassphrase = "AES", inventory.NewSecret("priv-pass-123", "test")
	st, err := open(t, sw).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.GlobalMap()[46] != 2 {
		t.Fatalf("ef on %d", st.GlobalMap()[46])
	}
	sw.SNMP.AuthPassphrase = inventory.NewSecret("not-the-pass", "test")
	if _, err := open(t, sw).Read(context.Background()); err == nil {
		t.Fatal("read succeeded with a wrong auth passphrase")
	} else if strings.Contains(err.Error(), "not-the-pass") {
		t.Fatalf("error leaks the passphrase: %v", err)
	}
}

// TestPooledClientsForgetTheLastSwitch: adapters of one Platform lend each
// other their v2c clients; a client must then talk to its new switch with
// the new switch's community, and with nothing of the last.
func TestPooledClientsForgetTheLastSwitch(t *testing.T) {
	var sims []*sim.GS110TP
	var sws []inventory.Switch
	for i, comm := range []string{"community-a", "community-b"} {
		s := sim.NewGS110TP("sw" + strconv.Itoa(i))
		srv, err := sim.ListenSNMP(context.Background(), "127.0.0.1:0", s, sim.ServerConfig{Community: comm})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		sims = append(sims, s)
		sws = append(sws, v2cSwitch(t, s.Name(), srv.Addr(), comm))
	}
	wrong := sws[1]
	wrong.SNMP.Community = sws[0].SNMP.Community
	p := netgear.Platform()
	read := func(sw inventory.Switch) error {
		a, err := p.Open(sw)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		_, err = a.Read(context.Background())
		return err
	}
	for round := 0; round < 3; round++ {
		for i, sw := range sws {
			before := sims[1-i].Stats().GetBulk
			if err := read(sw); err != nil {
				t.Fatalf("round %d, %s: %v", round, sw.Name, err)
			}
			if sims[1-i].Stats().GetBulk != before {
				t.Fatalf("round %d: reading %s sent requests to the other switch", round, sw.Name)
			}
		}
		if err := read(wrong); err == nil || !strings.Contains(err.Error(), "no answer") {
			t.Fatalf("round %d: switch b with switch a's community: %v; want no answer", round, err)
		}
	}
}

// TestWriteKeepsInterfaceValuesTheFanOutWouldTake: a global row fans out to
// every interface, so an interface's own value that the change leaves
// alone is written back after it, in the same SET.
func TestWriteKeepsInterfaceValuesTheFanOutWouldTake(t *testing.T) {
	s, sw := startSim(t)
	s.SetPortDSCP(5, 46, 1)
	s.SetTrust(5, mibs.TrustModeUntrusted)
	a := open(t, sw)
	a.(vendors.Focuser).Focus([]int{46, 34, 24, 0})
	if _, err := a.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	ch := vendors.Change{
		Map:   []vendors.MapChange{{Scope: vendors.GlobalPort, DSCP: 46, From: 2, To: 3}},
		Trust: []vendors.TrustChange{{Port: vendors.GlobalPort, From: vendors.TrustDot1p, To: vendors.TrustDSCP}},
	}
	if err := a.Write(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	if n := s.Stats().Set; n != 1 {
		t.Errorf("%d SETs, want 1", n)
	}
	if m := s.PortDSCPMap(5); m[46] != 1 {
		t.Errorf("interface 5 EF on %d; its own value 1 was lost to the fan-out", m[46])
	}
	if m := s.PortDSCPMap(4); m[46] != 3 {
		t.Errorf("interface 4 EF on %d, want the global 3", m[46])
	}
	if s.Trust(5) != mibs.TrustModeUntrusted || s.Trust(4) != mibs.TrustModeTrustIpDscp {
		t.Errorf("trust 5=%d 4=%d", s.Trust(5), s.Trust(4))
	}
}

// TestWriteRefusesQoSSwitch: a QoS on/off switch, which this platform
// does not have, is refused before anything is sent, instead of the rest
// of the change being sent and the switch called done.
func TestWriteRefusesQoSSwitch(t *testing.T) {
	s, sw := startSim(t)
	a := open(t, sw)
	if _, err := a.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	on := true
	ch := vendors.Change{QoSEnable: &on, Map: []vendors.MapChange{{Scope: vendors.GlobalPort, DSCP: 46, From: 2, To: 3}}}
	if err := a.Write(context.Background(), ch); err == nil || vendors.Class(err) != vendors.ClassUnsupported {
		t.Errorf("Write = %v; want unsupported", err)
	}
	if s.Stats().Set != 0 {
		t.Fatalf("%d SETs reached the switch", s.Stats().Set)
	}
}

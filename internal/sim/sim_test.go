package sim

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/mibs"
)

const community = "private"

// start serves a factory-default switch on loopback for the test's lifetime.
func start(t *testing.T, cfg ServerConfig) (*GS110TP, *Server) {
	t.Helper()
	sw := NewGS110TP("sw1")
	srv, err := ListenSNMP(t.Context(), "127.0.0.1:0", sw, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return sw, srv
}

func startV2(t *testing.T) (*GS110TP, *Server) {
	return start(t, ServerConfig{Community: community})
}

// dial connects a gosnmp v2c client that gives up quickly.
func dial(t *testing.T, addr, comm string) *gosnmp.GoSNMP {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	c := &gosnmp.GoSNMP{
		Target:    host,
		Port:      uint16(p),
		Community: comm,
		Version:   gosnmp.Version2c,
		Timeout:   2 * time.Second,
		Retries:   0,
		MaxOids:   gosnmp.MaxOids,
	}
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c
}

func dscpOID(ifIndex, dscp int) string {
	return mibs.AgentCosMapIpDscpTrafficClass + "." + strconv.Itoa(ifIndex) + "." + strconv.Itoa(dscp)
}

func gauge(name string, v uint32) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: name, Type: gosnmp.Gauge32, Value: v}
}

func integer(name string, v int) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: name, Type: gosnmp.Integer, Value: v}
}

func get(t *testing.T, c *gosnmp.GoSNMP, oids ...string) []gosnmp.SnmpPDU {
	t.Helper()
	r, err := c.Get(oids)
	if err != nil {
		t.Fatalf("GET %v: %v", oids, err)
	}
	if r.Error != gosnmp.NoError {
		t.Fatalf("GET %v: %v at %d", oids, r.Error, r.ErrorIndex)
	}
	return r.Variables
}

func set(t *testing.T, c *gosnmp.GoSNMP, vars ...gosnmp.SnmpPDU) *gosnmp.SnmpPacket {
	t.Helper()
	r, err := c.Set(vars)
	if err != nil {
		t.Fatalf("SET: %v", err)
	}
	return r
}

func TestGetFactory(t *testing.T) {
	_, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	vs := get(t, c, dscpOID(0, 46), dscpOID(7, 0), mibs.SysDescr, mibs.SysObjectID, mibs.SysName,
		mibs.AgentCosQueueNumQueuesPerPort+".0", mibs.AgentCosMapIntfTrustMode+".0",
		mibs.AgentCosQueueSchedulerType+".0.3", mibs.AgentSaveConfig, mibs.AgentSaveConfigStatus)
	want := []struct {
		typ gosnmp.Asn1BER
		val any
	}{
		{gosnmp.Gauge32, uint(2)},
		{gosnmp.Gauge32, uint(1)},
		{gosnmp.OctetString, []byte(sysDescr)},
		{gosnmp.ObjectIdentifier, "." + mibs.ProductGS110TP},
		{gosnmp.OctetString, []byte("sw1")},
		{gosnmp.Gauge32, uint(4)},
		{gosnmp.Integer, mibs.TrustModeTrustDot1p},
		{gosnmp.Integer, mibs.SchedulerWeighted},
		{gosnmp.Integer, 2},
		{gosnmp.Integer, mibs.SaveStatusNotInitiated},
	}
	for n, w := range want {
		v := vs[n]
		if v.Type != w.typ || !equalValue(v.Value, w.val) {
			t.Errorf("%s = %v %#v, want %v %#v", v.Name, v.Type, v.Value, w.typ, w.val)
		}
	}
}

func equalValue(a, b any) bool {
	if ab, ok := a.([]byte); ok {
		bb, ok := b.([]byte)
		return ok && string(ab) == string(bb)
	}
	return a == b
}

func TestGetMissing(t *testing.T) {
	sw, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	vs := get(t, c, dscpOID(11, 0), "1.3.6.1.4.1.9.9.9.0", dscpOID(0, 64))
	for n, want := range []gosnmp.Asn1BER{gosnmp.NoSuchInstance, gosnmp.NoSuchObject, gosnmp.NoSuchInstance} {
		if vs[n].Type != want {
			t.Errorf("%s: %v, want %v", vs[n].Name, vs[n].Type, want)
		}
	}
	sw.SetFaults(Faults{NoDSCPTable: true})
	vs = get(t, c, dscpOID(0, 46), dscpOID(11, 0), mibs.AgentCosMapIntfTrustMode+".0")
	for n, want := range []gosnmp.Asn1BER{gosnmp.NoSuchObject, gosnmp.NoSuchObject, gosnmp.Integer} {
		if vs[n].Type != want {
			t.Errorf("NoDSCPTable %s: %v, want %v", vs[n].Name, vs[n].Type, want)
		}
	}
}

func TestGetBulkDSCPColumn(t *testing.T) {
	_, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	r, err := c.GetBulk([]string{mibs.AgentCosMapIpDscpTrafficClass}, 0, 64)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Variables) != 64 {
		t.Fatalf("got %d varbinds, want 64", len(r.Variables))
	}
	for d, v := range r.Variables {
		if want := "." + dscpOID(0, d); v.Name != want {
			t.Fatalf("varbind %d is %s, want %s", d, v.Name, want)
		}
		if want := uint(factoryQueue[d>>3]); v.Type != gosnmp.Gauge32 || v.Value != want {
			t.Errorf("%s = %v %v, want Gauge32 %d", v.Name, v.Type, v.Value, want)
		}
	}
}

func TestGetBulkNonRepeaters(t *testing.T) {
	_, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	// One non-repeater, two repeaters, three rounds; the second repeater
	// starts at the last instance, so it hits endOfMibView in round one.
	last := mibs.AgentCosQueueSchedulerType + ".10.3"
	r, err := c.GetBulk([]string{mibs.SysDescr, dscpOID(0, 61), last}, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"." + mibs.SysObjectID,
		"." + dscpOID(0, 62), "." + last,
		"." + dscpOID(0, 63), "." + last,
		"." + dscpOID(1, 0), "." + last,
	}
	if len(r.Variables) != len(want) {
		t.Fatalf("got %d varbinds, want %d: %v", len(r.Variables), len(want), r.Variables)
	}
	for n, v := range r.Variables {
		if v.Name != want[n] {
			t.Errorf("varbind %d: %s, want %s", n, v.Name, want[n])
		}
		if end := n%2 == 0 && n > 0; end != (v.Type == gosnmp.EndOfMibView) {
			t.Errorf("varbind %d: type %v", n, v.Type)
		}
	}
}

func TestWalkWholeMIB(t *testing.T) {
	sw, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	walk := func() []gosnmp.SnmpPDU {
		t.Helper()
		vs, err := c.BulkWalkAll(".1.3")
		if err != nil {
			t.Fatal(err)
		}
		return vs
	}
	vs := walk()
	if want := 5 + numIfs*numDSCP + numIfs + 1 + numIfs*numQueues; len(vs) != want {
		t.Fatalf("walk found %d instances, want %d", len(vs), want)
	}
	sw.SetFaults(Faults{NoDSCPTable: true})
	if n := len(walk()); n != len(vs)-numIfs*numDSCP {
		t.Errorf("walk without DSCP table found %d instances", n)
	}
	r, err := c.GetNext([]string{mibs.AgentCosQueueSchedulerType + ".10.3"})
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Variables[0]; v.Type != gosnmp.EndOfMibView {
		t.Errorf("GETNEXT past the end: %v", v.Type)
	}
}

func TestSetFansOut(t *testing.T) {
	sw, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	r := set(t, c, gauge(dscpOID(0, 46), 3), gauge(dscpOID(0, 34), 2), gauge(dscpOID(0, 0), 0))
	if r.Error != gosnmp.NoError || len(r.Variables) != 3 {
		t.Fatalf("SET: %v at %d, %d varbinds", r.Error, r.ErrorIndex, len(r.Variables))
	}
	for _, m := range [][64]int{sw.DSCPMap(), sw.PortDSCPMap(3), sw.PortDSCPMap(10)} {
		if m[46] != 3 || m[34] != 2 || m[0] != 0 || m[24] != 1 {
			t.Errorf("map after SET: EF %d AF41 %d BE %d CS3 %d", m[46], m[34], m[0], m[24])
		}
	}
	if v := get(t, c, dscpOID(3, 46))[0]; v.Value != uint(3) {
		t.Errorf("ifIndex 3 EF reads %v", v.Value)
	}

	// A per-interface row changes only that row; a global trust SET fans out.
	set(t, c, gauge(dscpOID(3, 46), 1), integer(mibs.AgentCosMapIntfTrustMode+".0", mibs.TrustModeTrustIpDscp))
	if sw.PortDSCPMap(3)[46] != 1 || sw.DSCPMap()[46] != 3 || sw.PortDSCPMap(4)[46] != 3 {
		t.Error("per-interface SET leaked to other rows")
	}
	for i := range numIfs {
		if sw.Trust(i) != mibs.TrustModeTrustIpDscp {
			t.Errorf("trust of ifIndex %d = %d", i, sw.Trust(i))
		}
	}
	set(t, c, integer(mibs.AgentCosQueueSchedulerType+".0.3", mibs.SchedulerStrict))
	if sw.Scheduler(3) != mibs.SchedulerStrict || sw.Scheduler(2) != mibs.SchedulerWeighted {
		t.Error("scheduler SET")
	}
	for i := range numIfs {
		if sw.PortScheduler(i, 3) != mibs.SchedulerStrict {
			t.Errorf("global scheduler SET did not reach ifIndex %d", i)
		}
	}
	// An interface's own scheduler row: only that row changes, and the
	// global row still reads the latest global setting.
	set(t, c, integer(mibs.AgentCosQueueSchedulerType+".5.3", mibs.SchedulerWeighted))
	if sw.PortScheduler(5, 3) != mibs.SchedulerWeighted || sw.PortScheduler(4, 3) != mibs.SchedulerStrict || sw.Scheduler(3) != mibs.SchedulerStrict {
		t.Error("per-interface scheduler SET leaked to other rows")
	}
	if v := get(t, c, mibs.AgentCosQueueSchedulerType+".0.3", mibs.AgentCosQueueSchedulerType+".5.3"); v[0].Value != mibs.SchedulerStrict || v[1].Value != mibs.SchedulerWeighted {
		t.Errorf("scheduler rows read %v %v", v[0].Value, v[1].Value)
	}
	if sw.Saved() {
		t.Error("Saved after unsaved changes")
	}
}

func TestSetRejected(t *testing.T) {
	tests := []struct {
		name  string
		bad   gosnmp.SnmpPDU
		want  gosnmp.SNMPError
		fault Faults
	}{
		{"queue 4", gauge(dscpOID(0, 34), 4), gosnmp.WrongValue, Faults{}},
		{"Integer for Unsigned32", integer(dscpOID(0, 34), 2), gosnmp.WrongType, Faults{}},
		{"UInteger32 tag", gosnmp.SnmpPDU{Name: dscpOID(0, 34), Type: gosnmp.Uinteger32, Value: uint32(2)}, gosnmp.WrongType, Faults{}},
		{"trust 5", integer(mibs.AgentCosMapIntfTrustMode+".1", 5), gosnmp.WrongValue, Faults{}},
		{"scheduler 0", integer(mibs.AgentCosQueueSchedulerType+".0.1", 0), gosnmp.WrongValue, Faults{}},
		{"save 2", integer(mibs.AgentSaveConfig, 2), gosnmp.WrongValue, Faults{}},
		{"read-only", gauge(mibs.AgentCosQueueNumQueuesPerPort+".0", 8), gosnmp.NotWritable, Faults{}},
		{"unknown object", integer("1.3.6.1.4.1.9.9.9.0", 1), gosnmp.NotWritable, Faults{}},
		{"ifIndex 11", gauge(dscpOID(11, 34), 2), gosnmp.NoCreation, Faults{}},
		{"scheduler ifIndex 11", integer(mibs.AgentCosQueueSchedulerType+".11.3", 1), gosnmp.NoCreation, Faults{}},
		{"scheduler queue 4", integer(mibs.AgentCosQueueSchedulerType+".1.4", 1), gosnmp.NoCreation, Faults{}},
		{"no DSCP table", gauge(dscpOID(0, 34), 2), gosnmp.NotWritable, Faults{NoDSCPTable: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sw, srv := startV2(t)
			sw.SetFaults(tt.fault)
			c := dial(t, srv.Addr(), community)
			r := set(t, c, integer(mibs.AgentCosMapIntfTrustMode+".0", mibs.TrustModeTrustIpDscp),
				tt.bad, integer(mibs.AgentCosQueueSchedulerType+".0.3", mibs.SchedulerStrict))
			if r.Error != tt.want || r.ErrorIndex != 2 {
				t.Errorf("got %v at %d, want %v at 2", r.Error, r.ErrorIndex, tt.want)
			}
			if !sw.Saved() || sw.Trust(0) != mibs.TrustModeTrustDot1p {
				t.Error("a rejected SET changed the switch")
			}
		})
	}
}

func TestCommitFailed(t *testing.T) {
	sw, srv := startV2(t)
	sw.SetFaults(Faults{CommitFailAt: 2})
	c := dial(t, srv.Addr(), community)
	r := set(t, c, gauge(dscpOID(0, 46), 3), gauge(dscpOID(0, 34), 2), gauge(dscpOID(0, 0), 0))
	if r.Error != gosnmp.CommitFailed || r.ErrorIndex != 2 {
		t.Fatalf("got %v at %d, want commitFailed at 2", r.Error, r.ErrorIndex)
	}
	m := sw.DSCPMap()
	if m[46] != 3 || m[34] != 2 || m[0] != 1 {
		t.Errorf("after partial commit: EF %d (want 3), AF41 %d (want 2, factory), BE %d (want 1, factory)", m[46], m[34], m[0])
	}
	if sw.PortDSCPMap(5)[46] != 3 {
		t.Error("the applied global row did not fan out")
	}
	// A SET shorter than CommitFailAt succeeds.
	if r := set(t, c, gauge(dscpOID(0, 46), 2)); r.Error != gosnmp.NoError {
		t.Errorf("one-varbind SET: %v", r.Error)
	}
}

func TestSilent(t *testing.T) {
	sw, srv := startV2(t)
	sw.SetFaults(Faults{Silent: true})
	c := dial(t, srv.Addr(), community)
	c.Timeout = 300 * time.Millisecond
	if _, err := c.Get([]string{mibs.SysName}); err == nil {
		t.Fatal("a silent switch answered")
	}
	if st := sw.Stats(); st.Get != 1 || st.Dropped != 1 || st.Responses != 0 {
		t.Errorf("stats %+v", st)
	}
	sw.SetFaults(Faults{})
	get(t, c, mibs.SysName)
}

func TestWrongCommunity(t *testing.T) {
	sw, srv := startV2(t)
	c := dial(t, srv.Addr(), "public")
	c.Timeout = 300 * time.Millisecond
	if _, err := c.Get([]string{mibs.SysName}); err == nil {
		t.Fatal("answered a wrong community")
	}
	if st := sw.Stats(); st.Get != 0 || st.Dropped != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestSave(t *testing.T) {
	sw, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	set(t, c, gauge(dscpOID(0, 46), 3))
	if sw.Saved() || sw.SaveCount() != 0 {
		t.Fatal("saved before agentSaveConfig")
	}
	if r := set(t, c, integer(mibs.AgentSaveConfig, mibs.SaveConfigEnable)); r.Error != gosnmp.NoError {
		t.Fatalf("save: %v", r.Error)
	}
	if !sw.Saved() || sw.SaveCount() != 1 {
		t.Errorf("Saved %v, SaveCount %d", sw.Saved(), sw.SaveCount())
	}
	vs := get(t, c, mibs.AgentSaveConfig, mibs.AgentSaveConfigStatus)
	if vs[0].Value != 2 || vs[1].Value != mibs.SaveStatusComplete {
		t.Errorf("agentSaveConfig %v, status %v", vs[0].Value, vs[1].Value)
	}
	sw.SetTrust(2, mibs.TrustModeUntrusted)
	if sw.Saved() {
		t.Error("Saved after a preset change")
	}
}

func TestMaxMsgSize(t *testing.T) {
	_, srv := start(t, ServerConfig{Community: community, MaxMsgSize: 484})
	c := dial(t, srv.Addr(), community)
	r, err := c.GetBulk([]string{mibs.AgentCosMapIpDscpTrafficClass}, 0, 64)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Variables); n == 0 || n >= 64 {
		t.Errorf("GETBULK into 484 bytes returned %d varbinds", n)
	}
	// Ten sysDescr fit in a small request but not in the response.
	oids := make([]string, 10)
	for n := range oids {
		oids[n] = mibs.SysDescr
	}
	r, err = c.Get(oids)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != gosnmp.TooBig || len(r.Variables) != 0 {
		t.Errorf("oversized GET: %v with %d varbinds", r.Error, len(r.Variables))
	}
}

func TestCloseAndContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := ListenSNMP(ctx, "127.0.0.1:0", NewGS110TP("x"), ServerConfig{Community: community})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Errorf("Close after cancel: %v", err)
	}
	if _, err := ListenSNMP(t.Context(), "127.0.0.1:0", NewGS110TP("x"), ServerConfig{}); err == nil {
		t.Error("ListenSNMP without credentials succeeded")
	}
}

// A lagging save shows the old status first, then savingInProcess, then
// the result; a failing one ends in savingFailed with nothing saved.
func TestSaveLag(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f     Faults
		reads []int
		saved bool
	}{
		{"instant", Faults{}, []int{mibs.SaveStatusComplete, mibs.SaveStatusComplete}, true},
		{"lag 2", Faults{SaveLag: 2}, []int{mibs.SaveStatusNotInitiated, mibs.SaveStatusNotInitiated, mibs.SaveStatusInProcess, mibs.SaveStatusComplete, mibs.SaveStatusComplete}, true},
		{"fails", Faults{SaveFails: true}, []int{mibs.SaveStatusInProcess, mibs.SaveStatusFailed, mibs.SaveStatusFailed}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sw, srv := startV2(t)
			sw.SetFaults(tc.f)
			sw.SetDSCP(46, 3)
			c := dial(t, srv.Addr(), community)
			set(t, c, integer(mibs.AgentSaveConfig, mibs.SaveConfigEnable))
			for i, want := range tc.reads {
				if v := get(t, c, mibs.AgentSaveConfigStatus)[0]; v.Value != want {
					t.Errorf("read %d: status %v, want %d", i+1, v.Value, want)
				}
			}
			if sw.Saved() != tc.saved || sw.SaveCount() != 1 {
				t.Errorf("Saved %v, SaveCount %d", sw.Saved(), sw.SaveCount())
			}
		})
	}
}

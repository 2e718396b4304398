package sim

import (
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/mibs"
)

func TestSilentAfter(t *testing.T) {
	sw, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	c.Timeout = 200 * time.Millisecond
	get(t, c, mibs.SysName) // before the fault: not counted
	sw.SetFaults(Faults{SilentAfter: 2})
	get(t, c, mibs.SysName)
	set(t, c, gauge(dscpOID(0, 46), 3))
	if _, err := c.Get([]string{mibs.SysName}); err == nil {
		t.Fatal("answered a third request")
	}
	if _, err := c.Set([]gosnmp.SnmpPDU{gauge(dscpOID(0, 0), 0)}); err == nil {
		t.Fatal("answered a SET after going silent")
	}
	if m := sw.DSCPMap(); m[46] != 3 || m[0] != 1 {
		t.Errorf("EF %d (want 3, answered), BE %d (want 1, unanswered SET must not apply)", m[46], m[0])
	}
	sw.SetFaults(Faults{})
	get(t, c, mibs.SysName)
}

func TestRebootAfter(t *testing.T) {
	sw, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	sw.SetDSCP(34, 3) // saved below
	set(t, c, integer(mibs.AgentSaveConfig, mibs.SaveConfigEnable))
	sw.SetDSCP(24, 2) // unsaved: a reboot loses it
	sw.SetFaults(Faults{RebootAfter: 2})
	get(t, c, mibs.SysName)
	if r := set(t, c, gauge(dscpOID(0, 46), 3)); r.Error != gosnmp.NoError {
		t.Fatalf("SET: %v", r.Error)
	}
	// The SET was answered, then the switch rebooted to its startup config.
	m := sw.DSCPMap()
	if m[46] != 2 || m[34] != 3 || m[24] != 1 {
		t.Errorf("after reboot: EF %d (want 2), AF41 %d (want 3, saved), CS3 %d (want 1, unsaved)", m[46], m[34], m[24])
	}
	if st := sw.Stats(); st.Reboots != 1 || st.Set != 2 {
		t.Errorf("stats %+v", st)
	}
	// Once only.
	set(t, c, gauge(dscpOID(0, 46), 3))
	get(t, c, mibs.SysName)
	if sw.DSCPMap()[46] != 3 || sw.Stats().Reboots != 1 {
		t.Error("rebooted twice")
	}
	set(t, c, integer(mibs.AgentSaveConfig, mibs.SaveConfigEnable))
	if v := num(get(t, c, mibs.AgentSaveConfigStatus)[0]); v != mibs.SaveStatusComplete {
		t.Errorf("save status %v", v)
	}
	sw.Reboot()
	if v := num(get(t, c, mibs.AgentSaveConfigStatus)[0]); v != mibs.SaveStatusNotInitiated || sw.SaveCount() != 2 || !sw.Saved() || sw.DSCPMap()[46] != 3 {
		t.Errorf("after Reboot: save status %v, saves %d, saved %v", v, sw.SaveCount(), sw.Saved())
	}
}

func TestRebootBumpsEngineBoots(t *testing.T) {
	u := testUser(gosnmp.SHA)
	sw, srv := start(t, ServerConfig{V3: u})
	c := dialV3(t, srv.Addr(), *u)
	get(t, c, mibs.SysName)
	boots := func(c *gosnmp.GoSNMP) uint32 {
		return c.SecurityParameters.(*gosnmp.UsmSecurityParameters).AuthoritativeEngineBoots
	}
	if b := boots(c); b != 1 {
		t.Fatalf("engine boots %d before a reboot, want 1", b)
	}
	sw.SetDSCP(46, 3)
	sw.Reboot()
	// A fresh manager discovers the new boots and is answered.
	c2 := dialV3(t, srv.Addr(), *u)
	if v := num(get(t, c2, dscpOID(0, 46))[0]); v != 2 {
		t.Errorf("EF after reboot %v, want 2", v)
	}
	if b := boots(c2); b != 2 {
		t.Errorf("engine boots %d after a reboot, want 2", b)
	}
	// The old manager's boots are stale: the agent no longer answers it
	// with a response (a notInTimeWindows report at most).
	r, err := c.Get([]string{mibs.SysName})
	if err == nil && r.PDUType == gosnmp.GetResponse && len(r.Variables) == 1 && r.Variables[0].Name == "."+mibs.SysName {
		if boots(c) != 2 {
			t.Errorf("stale manager answered without resync: %+v", r)
		}
	}
}

func TestRejectSet(t *testing.T) {
	for _, tt := range []struct {
		status  gosnmp.SNMPError
		want    gosnmp.SNMPError
		applied bool // varbind 1 applied
	}{
		{gosnmp.WrongValue, gosnmp.WrongValue, false},
		{gosnmp.NoAccess, gosnmp.NoAccess, false},
		{gosnmp.NoError, gosnmp.GenErr, false},
		{gosnmp.CommitFailed, gosnmp.CommitFailed, true},
	} {
		t.Run(tt.want.String(), func(t *testing.T) {
			sw, srv := startV2(t)
			sw.SetFaults(Faults{RejectSetAt: 2, RejectStatus: tt.status})
			c := dial(t, srv.Addr(), community)
			r := set(t, c, gauge(dscpOID(0, 46), 3), gauge(dscpOID(0, 0), 0), integer(mibs.AgentCosMapIntfTrustMode+".0", mibs.TrustModeTrustIpDscp))
			if r.Error != tt.want || r.ErrorIndex != 2 {
				t.Errorf("got %v at %d, want %v at 2", r.Error, r.ErrorIndex, tt.want)
			}
			m := sw.DSCPMap()
			if (m[46] == 3) != tt.applied || m[0] != 1 || sw.Trust(0) != mibs.TrustModeTrustDot1p {
				t.Errorf("EF %d (applied %v), BE %d, trust %d", m[46], tt.applied, m[0], sw.Trust(0))
			}
			// A SET with fewer varbinds goes through (a save, a short undo).
			if r := set(t, c, gauge(dscpOID(0, 46), 2)); r.Error != gosnmp.NoError {
				t.Errorf("one-varbind SET: %v", r.Error)
			}
		})
	}
}

func TestLieOnRead(t *testing.T) {
	sw, srv := startV2(t)
	lies := map[int]int{46: 1}
	sw.SetFaults(Faults{LieOnRead: lies})
	lies[46] = 0 // SetFaults keeps its own copy
	c := dial(t, srv.Addr(), community)
	if r := set(t, c, gauge(dscpOID(0, 46), 3)); r.Error != gosnmp.NoError {
		t.Fatal(r.Error)
	}
	if sw.DSCPMap()[46] != 3 {
		t.Fatal("the SET was not applied")
	}
	if v := num(get(t, c, dscpOID(0, 46))[0]); v != 1 {
		t.Errorf("GET EF = %v, want the lie 1", v)
	}
	r, err := c.GetBulk([]string{dscpOID(0, 45)}, 0, 2)
	if err != nil || num(r.Variables[0]) != 1 || num(r.Variables[1]) != 2 {
		t.Errorf("GETBULK: %v %+v", err, r)
	}
	if r, err := c.GetNext([]string{dscpOID(3, 45)}); err != nil || num(r.Variables[0]) != 1 {
		t.Errorf("GETNEXT on a port row: %v %+v", err, r)
	}
}

func TestLieAfterSet(t *testing.T) {
	sw, srv := startV2(t)
	sw.SetFaults(Faults{LieOnRead: map[int]int{46: 1}, LieAfterSet: true})
	c := dial(t, srv.Addr(), community)
	if v := num(get(t, c, dscpOID(0, 46))[0]); v != 2 {
		t.Errorf("before any SET: EF reads %d, want the truth 2", v)
	}
	set(t, c, gauge(dscpOID(0, 0), 0))
	if v := num(get(t, c, dscpOID(0, 46))[0]); v != 1 {
		t.Errorf("after a SET: EF reads %d, want the lie 1", v)
	}
	if sw.DSCPMap()[46] != 2 {
		t.Error("the lie changed the config")
	}
}

func TestFaultLossAndDelay(t *testing.T) {
	sw, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	c.Timeout = 100 * time.Millisecond
	sw.SetFaults(Faults{Loss: 0.5, Seed: 7})
	ok := 0
	for range 40 {
		if _, err := c.Get([]string{mibs.SysName}); err == nil {
			ok++
		}
	}
	st := sw.Stats()
	// About a quarter get through both ways; seeded, so this is exact per
	// run, but only its range is asserted.
	if ok < 2 || ok > 25 || st.Lost == 0 || st.LostAnswers == 0 {
		t.Errorf("%d of 40 answered; stats %+v", ok, st)
	}
	sw.SetFaults(Faults{Delay: 150 * time.Millisecond})
	c.Timeout = time.Second
	t0 := time.Now()
	get(t, c, mibs.SysName)
	if d := time.Since(t0); d < 150*time.Millisecond {
		t.Errorf("answered after %s, want >= 150ms", d)
	}
	sw.SetFaults(Faults{})
	t0 = time.Now()
	get(t, c, mibs.SysName)
	if d := time.Since(t0); d > 100*time.Millisecond {
		t.Errorf("fault cleared but answered after %s", d)
	}
}

// num returns an integer value as gosnmp decoded it, or -1.
func num(v gosnmp.SnmpPDU) int64 {
	n, ok := toInt64(v.Value)
	if !ok {
		return -1
	}
	return n
}

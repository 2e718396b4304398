package sim

import (
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/mibs"
)

// TestSetAnswerDelay: the SET is applied at once, its answer comes late;
// reads are answered at once.
func TestSetAnswerDelay(t *testing.T) {
	sw, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	c.Timeout, c.Retries = 200*time.Millisecond, 0
	sw.SetFaults(Faults{SetAnswerDelay: time.Second})
	if _, err := c.Set([]gosnmp.SnmpPDU{gauge(dscpOID(0, 46), 3)}); err == nil {
		t.Fatal("the SET was answered within 200ms")
	}
	if sw.DSCPMap()[46] != 3 {
		t.Fatal("the SET was not applied before its answer")
	}
	get(t, c, mibs.SysName) // reads are not held back
}

// TestDropSetRow: the chosen varbind of a multi-varbind SET is lost while
// the answer says noError; a single-varbind SET is applied.
func TestDropSetRow(t *testing.T) {
	sw, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	sw.SetFaults(Faults{DropSetRow: 1})
	if r := set(t, c, gauge(dscpOID(0, 46), 3), gauge(dscpOID(0, 34), 3)); r.Error != gosnmp.NoError {
		t.Fatalf("SET: %v", r.Error)
	}
	if m := sw.DSCPMap(); m[46] != 2 || m[34] != 3 {
		t.Fatalf("EF %d (want 2: dropped), AF41 %d (want 3)", m[46], m[34])
	}
	set(t, c, gauge(dscpOID(0, 46), 3))
	if sw.DSCPMap()[46] != 3 {
		t.Fatal("a single-varbind SET was dropped")
	}
}

// TestSlowAfterSet: reads are answered at once until a SET is applied,
// then late.
func TestSlowAfterSet(t *testing.T) {
	sw, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	c.Timeout, c.Retries = 300*time.Millisecond, 0
	sw.SetFaults(Faults{SlowAfterSet: time.Second})
	get(t, c, mibs.SysName)
	set(t, c, gauge(dscpOID(0, 46), 3))
	if _, err := c.Get([]string{mibs.SysName}); err == nil {
		t.Fatal("a read after the SET was answered within 300ms")
	}
}

// TestSlowSave: the status reads notInitiated, then savingInProcess, then
// savingComplete, and only then is the startup config written.
func TestSlowSave(t *testing.T) {
	sw, srv := startV2(t)
	c := dial(t, srv.Addr(), community)
	sw.SetDSCP(46, 3)
	sw.SetFaults(Faults{SaveStartsAfter: 300 * time.Millisecond, SaveTakes: 300 * time.Millisecond})
	set(t, c, integer(mibs.AgentSaveConfig, mibs.SaveConfigEnable))
	seen := map[int64]bool{}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		v := num(get(t, c, mibs.AgentSaveConfigStatus)[0])
		if v != mibs.SaveStatusComplete && sw.Saved() {
			t.Fatalf("saved while the status reads %d", v)
		}
		seen[v] = true
		if v == mibs.SaveStatusComplete {
			break
		}
	}
	if !seen[mibs.SaveStatusNotInitiated] || !seen[mibs.SaveStatusInProcess] || !seen[mibs.SaveStatusComplete] || !sw.Saved() {
		t.Fatalf("statuses seen %v, saved %v", seen, sw.Saved())
	}
	// A reboot during a slow save loses it.
	sw.SetDSCP(46, 1)
	set(t, c, integer(mibs.AgentSaveConfig, mibs.SaveConfigEnable))
	sw.Reboot()
	time.Sleep(800 * time.Millisecond)
	if sw.DSCPMap()[46] != 3 || !sw.Saved() {
		t.Fatal("a save interrupted by a reboot completed")
	}
}

package snmpsimd

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/internal/peer"
	"github.com/qosagent/qosagent/mibs"
)

// OIDs of the rows the tests touch: global EF (46) and AF41 (34) rows, and
// the global trust row.
const (
	efOID    = mibs.AgentCosMapIpDscpTrafficClass + ".0.46"
	af41OID  = mibs.AgentCosMapIpDscpTrafficClass + ".0.34"
	trustOID = mibs.AgentCosMapIntfTrustMode + ".0"
)

func connect(t *testing.T, c *gosnmp.GoSNMP) *gosnmp.GoSNMP {
	t.Helper()
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c
}

// getUint GETs one integer-valued OID and checks its type.
func getUint(t *testing.T, c *gosnmp.GoSNMP, oid string, want gosnmp.Asn1BER) uint64 {
	t.Helper()
	pkt, err := c.Get([]string{oid})
	if err != nil {
		t.Fatalf("GET %s: %v", oid, err)
	}
	if pkt.Error != gosnmp.NoError || len(pkt.Variables) != 1 {
		t.Fatalf("GET %s: error-status %v, %d varbinds", oid, pkt.Error, len(pkt.Variables))
	}
	v := pkt.Variables[0]
	if v.Type != want {
		t.Fatalf("GET %s: type %v, want %v", oid, v.Type, want)
	}
	return gosnmp.ToBigInt(v.Value).Uint64()
}

func TestGetSetV2c(t *testing.T) {
	a := Start(t, Options{})
	testGetSet(t, a, connect(t, a.V2c(VariantGS110TP)))
}

func TestGetSetV3(t *testing.T) {
	a := Start(t, Options{})
	testGetSet(t, a, connect(t, a.V3(VariantGS110TP)))
}

// TestV3Protocols covers the other protocols snmpsim 0.4.5 (pysnmp 4.4.12)
// and gosnmp share; SHA-256 is usmHMAC192SHA256AuthProtocol there.
func TestV3Protocols(t *testing.T) {
	for _, p := range [][2]string{{"SHA256", "AES"}, {"SHA512", "AES256"}, {"SHA", "AES256BLMT"}, {"MD5", "DES"}} {
		t.Run(p[0]+"-"+p[1], func(t *testing.T) {
			a := Start(t, Options{V3AuthProto: p[0], V3PrivProto: p[1]})
			testGetSet(t, a, connect(t, a.V3(VariantGS110TP)))
		})
	}
}

func testGetSet(t *testing.T, a *Agent, c *gosnmp.GoSNMP) {
	if got := getUint(t, c, efOID, gosnmp.Gauge32); got != 2 {
		t.Fatalf("factory EF row = %d, want 2", got)
	}
	pkt, err := c.Set([]gosnmp.SnmpPDU{{Name: efOID, Type: gosnmp.Gauge32, Value: uint32(3)}})
	if err != nil {
		t.Fatalf("SET: %v", err)
	}
	if pkt.Error != gosnmp.NoError {
		t.Fatalf("SET: error-status %v index %d", pkt.Error, pkt.ErrorIndex)
	}
	if got := getUint(t, c, efOID, gosnmp.Gauge32); got != 3 {
		t.Fatalf("EF row after SET = %d, want 3", got)
	}
	// Variants have their own writecache alias, so the write does not
	// show through the other data file.
	other := a.V2c(VariantPartial)
	if got := getUint(t, connect(t, other), efOID, gosnmp.Gauge32); got != 2 {
		t.Errorf("EF row of %s = %d after a SET on %s, want 2", VariantPartial, got, VariantGS110TP)
	}
}

func TestFactoryDefaults(t *testing.T) {
	a := Start(t, Options{})
	c := connect(t, a.V2c(VariantGS110TP))
	pkt, err := c.Get([]string{mibs.SysObjectID, mibs.AgentCosQueueNumQueuesPerPort + ".0", trustOID,
		mibs.AgentCosQueueSchedulerType + ".0.3", mibs.AgentSaveConfig, mibs.AgentSaveConfigStatus})
	if err != nil {
		t.Fatal(err)
	}
	v := pkt.Variables
	if v[0].Value != "."+mibs.ProductGS110TP {
		t.Errorf("sysObjectID = %v", v[0].Value)
	}
	for i, want := range []struct {
		typ gosnmp.Asn1BER
		val uint64
	}{1: {gosnmp.Gauge32, 4}, 2: {gosnmp.Integer, 2}, 3: {gosnmp.Integer, 2}, 4: {gosnmp.Integer, 2}, 5: {gosnmp.Integer, 3}} {
		if i == 0 {
			continue
		}
		if v[i].Type != want.typ || gosnmp.ToBigInt(v[i].Value).Uint64() != want.val {
			t.Errorf("%s = %v %v, want %v %v", v[i].Name, v[i].Type, v[i].Value, want.typ, want.val)
		}
	}

	// A walk of the DSCP column sees 11 interfaces x 64 rows in order, each
	// with the factory map.
	var n int
	err = c.BulkWalk(mibs.AgentCosMapIpDscpTrafficClass, func(pdu gosnmp.SnmpPDU) error {
		dscp := n % 64
		if want := []uint64{1, 0, 0, 1, 2, 2, 3, 3}[dscp>>3]; gosnmp.ToBigInt(pdu.Value).Uint64() != want {
			t.Errorf("%s = %v, want %d", pdu.Name, pdu.Value, want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 11*64 {
		t.Errorf("walked %d DSCP rows, want %d", n, 11*64)
	}
}

// TestPortsDiffer reads the variant whose interfaces differ from its global
// rows: the global rows say compliant, three interfaces do not.
func TestPortsDiffer(t *testing.T) {
	a := Start(t, Options{})
	c := connect(t, a.V2c(VariantPortsDiffer))
	dscp := func(ifIndex, d int) string {
		return fmt.Sprintf("%s.%d.%d", mibs.AgentCosMapIpDscpTrafficClass, ifIndex, d)
	}
	sched := func(ifIndex, q int) string {
		return fmt.Sprintf("%s.%d.%d", mibs.AgentCosQueueSchedulerType, ifIndex, q)
	}
	trust := func(ifIndex int) string { return fmt.Sprintf("%s.%d", mibs.AgentCosMapIntfTrustMode, ifIndex) }
	want := map[string]uint64{
		dscp(0, 46): 3, dscp(0, 34): 2, dscp(0, 24): 1, dscp(0, 0): 0, dscp(4, 46): 3, dscp(5, 46): 1, dscp(5, 34): 2,
		trust(0): mibs.TrustModeTrustIpDscp, trust(5): mibs.TrustModeTrustIpDscp, trust(6): mibs.TrustModeUntrusted,
		sched(0, 3): mibs.SchedulerStrict, sched(6, 3): mibs.SchedulerStrict, sched(7, 3): mibs.SchedulerWeighted, sched(7, 2): mibs.SchedulerWeighted,
	}
	var oids []string
	for o := range want {
		oids = append(oids, o)
	}
	pkt, err := c.Get(oids)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range pkt.Variables {
		if got := gosnmp.ToBigInt(v.Value).Uint64(); got != want[strings.TrimPrefix(v.Name, ".")] {
			t.Errorf("%s = %d, want %d", v.Name, got, want[strings.TrimPrefix(v.Name, ".")])
		}
	}
}

// TestPartialApply pins down what snmpsim does with a 3-varbind SET whose
// third varbind fails: error-status commitFailed, error-index 3, and the
// first two varbinds stay written (there is no undo).
func TestPartialApply(t *testing.T) {
	a := Start(t, Options{})
	for _, c := range []*gosnmp.GoSNMP{a.V2c(VariantPartial), a.V3(VariantPartial)} {
		t.Run("v"+c.Version.String(), func(t *testing.T) {
			c := connect(t, c)
			pkt, err := c.Set([]gosnmp.SnmpPDU{
				{Name: efOID, Type: gosnmp.Gauge32, Value: uint32(3)},
				{Name: af41OID, Type: gosnmp.Gauge32, Value: uint32(2)},
				{Name: trustOID, Type: gosnmp.Integer, Value: mibs.TrustModeTrustIpDscp},
			})
			if err != nil {
				t.Fatalf("SET: %v", err)
			}
			if pkt.Error != gosnmp.CommitFailed || pkt.ErrorIndex != 3 {
				t.Errorf("SET: error-status %v index %d, want commitFailed index 3", pkt.Error, pkt.ErrorIndex)
			}
			if got := getUint(t, c, efOID, gosnmp.Gauge32); got != 3 {
				t.Errorf("EF row = %d, want 3 (written before the failure)", got)
			}
			if got := getUint(t, c, af41OID, gosnmp.Gauge32); got != 2 {
				t.Errorf("AF41 row = %d, want 2 (written before the failure)", got)
			}
			if got := getUint(t, c, trustOID, gosnmp.Integer); got != mibs.TrustModeTrustDot1p {
				t.Errorf("trust row = %d, want unchanged %d", got, mibs.TrustModeTrustDot1p)
			}
		})
	}
}

// TestSetQuirks pins down SETs snmpsim does not refuse with an error status:
// a wrong type on a writable row, and any value on a read-only record. Both
// answer noError with a noSuchInstance varbind and change nothing. Values
// out of the MIB's range are accepted.
func TestSetQuirks(t *testing.T) {
	a := Start(t, Options{})
	c := connect(t, a.V2c(VariantGS110TP))
	for _, tc := range []struct {
		name string
		pdu  gosnmp.SnmpPDU
	}{
		{"wrong type", gosnmp.SnmpPDU{Name: efOID, Type: gosnmp.Integer, Value: 3}},
		{"read-only", gosnmp.SnmpPDU{Name: mibs.AgentCosQueueNumQueuesPerPort + ".0", Type: gosnmp.Gauge32, Value: uint32(8)}},
	} {
		pkt, err := c.Set([]gosnmp.SnmpPDU{tc.pdu})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if pkt.Error != gosnmp.NoError || pkt.Variables[0].Type != gosnmp.NoSuchInstance {
			t.Errorf("%s: error-status %v, varbind type %v; want noError, NoSuchInstance", tc.name, pkt.Error, pkt.Variables[0].Type)
		}
	}
	if got := getUint(t, c, efOID, gosnmp.Gauge32); got != 2 {
		t.Errorf("EF row = %d after a wrong-type SET, want 2", got)
	}
	if got := getUint(t, c, mibs.AgentCosQueueNumQueuesPerPort+".0", gosnmp.Gauge32); got != 4 {
		t.Errorf("queues = %d after a SET, want 4", got)
	}

	pkt, err := c.Set([]gosnmp.SnmpPDU{{Name: efOID, Type: gosnmp.Gauge32, Value: uint32(9)}})
	if err != nil || pkt.Error != gosnmp.NoError {
		t.Fatalf("out-of-range SET: %v, %v", err, pkt.Error)
	}
	if got := getUint(t, c, efOID, gosnmp.Gauge32); got != 9 {
		t.Errorf("EF row = %d after SET 9, want 9 (no range check)", got)
	}

	// A GET of an OID without a record: noSuchInstance, never noSuchObject.
	pkt, err = c.Get([]string{mibs.AgentCosMapIpDscpTrafficClass + ".11.0"})
	if err != nil {
		t.Fatal(err)
	}
	if pkt.Variables[0].Type != gosnmp.NoSuchInstance {
		t.Errorf("GET of a missing row: %v, want NoSuchInstance", pkt.Variables[0].Type)
	}
}

// TestGetBulkQuirks pins down GETBULK: responses hold at most 64 varbinds
// whatever max-repetitions asks, and repetitions past the last OID are
// padded with endOfMibView named by the last OID.
func TestGetBulkQuirks(t *testing.T) {
	a := Start(t, Options{})
	c := connect(t, a.V2c(VariantGS110TP))
	pkt, err := c.GetBulk([]string{mibs.AgentCosMapIpDscpTrafficClass}, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkt.Variables) != 64 {
		t.Errorf("GETBULK max-repetitions 100: %d varbinds, want 64", len(pkt.Variables))
	}

	last := mibs.AgentCosQueueSchedulerType + ".10.3"
	pkt, err = c.GetBulk([]string{mibs.AgentCosQueueSchedulerType + ".10.2"}, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkt.Variables) != 4 {
		t.Fatalf("GETBULK at end of MIB: %d varbinds, want 4", len(pkt.Variables))
	}
	for i, v := range pkt.Variables[1:] {
		if v.Type != gosnmp.EndOfMibView || v.Name != "."+last {
			t.Errorf("varbind %d: %s %v, want %s endOfMibView", i+2, v.Name, v.Type, last)
		}
	}
}

// TestNetSNMP reads through net-snmp's snmpget, a second, independent
// client, over v2c and v3 authPriv with a context name.
func TestNetSNMP(t *testing.T) {
	if _, err := exec.LookPath("snmpget"); err != nil {
		peer.Missing(t, "net-snmp's snmpget", "apt-get install snmp", err)
	}
	a := Start(t, Options{})
	c := connect(t, a.V2c(VariantGS110TP))
	if _, err := c.Set([]gosnmp.SnmpPDU{{Name: efOID, Type: gosnmp.Gauge32, Value: uint32(3)}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"v2c", []string{"-v2c", "-c", a.Community(VariantGS110TP)}},
		{"v3", []string{"-v3", "-l", "authPriv", "-u", a.V3User,
			"-a", "SHA", "-A", a.V3AuthKey, "-x", "AES", "-X", a.V3PrivKey,
			"-n", a.ContextName(VariantGS110TP)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// -Oqv prints the bare value; -r1 -t2 keep a failure short.
			args := append(tc.args, "-Oqv", "-r1", "-t2", a.Addr, efOID)
			cmd := exec.Command("snmpget", args...)
			// net-snmp writes its persistent state under $HOME or
			// /var/lib/snmp; keep it in the test's temp dir.
			cmd.Env = append(os.Environ(), "SNMP_PERSISTENT_DIR="+t.TempDir(), "MIBS=")
			// Only stdout: snmpget reports on stderr when it creates
			// its state directory.
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("snmpget %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
			}
			if got := strings.TrimSpace(string(out)); got != "3" {
				t.Errorf("snmpget printed %q, want 3", got)
			}
		})
	}
}

func TestUnknownVariant(t *testing.T) {
	a := Start(t, Options{})
	ft := &fatalRecorder{TB: t}
	a.tb = ft
	func() {
		defer func() { recover() }()
		a.Community("nonesuch")
	}()
	if !ft.failed {
		t.Error("Community of an unknown variant did not fail the test")
	}
}

// fatalRecorder records Fatalf instead of stopping the test.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}

package netgear_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/peer"
	"github.com/qosagent/qosagent/internal/snmpsimd"
	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/mibs"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/netgear"
)

// These tests run against Debian's snmpsimd, an SNMP agent we did not write,
// serving a GS110TP data file (testdata/snmpsim), and confirm results with
// net-snmp's snmpget.

const efRow = mibs.AgentCosMapIpDscpTrafficClass + ".0.46"

func snmpsimSwitch(t *testing.T, a *snmpsimd.Agent, variant, version string) inventory.Switch {
	sw := v2cSwitch(t, "snmpsim-"+variant, a.Addr, a.Community(variant))
	sw.SNMP.Timeout, sw.SNMP.Retries = 2*time.Second, 1
	if version == "3" {
		sw.SNMP.Version, sw.SNMP.Community = "3", inventory.Secret{}
		sw.SNMP.Username = a.V3User
		sw.SNMP.AuthProtocol, sw.SNMP.AuthPassphrase = a.V3AuthProto, inventory.NewSecret(a.V3AuthKey, "test")
		sw.SNMP.PrivProtocol, sw.SNMP.PrivPassphrase = a.V3PrivProto, inventory.NewSecret(a.V3PrivKey, "test")
		sw.SNMP.ContextName = a.ContextName(variant)
	}
	return sw
}

func engine(t *testing.T) *agent.Engine {
	return &agent.Engine{Registry: vendors.NewRegistry(netgear.Platform()), Policy: agent.DefaultPolicy(),
		Timeout: 30 * time.Second, Backups: agent.FileBackups{Dir: t.TempDir()}}
}

// snmpget reads one OID with net-snmp and returns the bare value.
func snmpget(t *testing.T, a *snmpsimd.Agent, sw inventory.Switch, oid string) string {
	t.Helper()
	if _, err := exec.LookPath("snmpget"); err != nil {
		peer.Missing(t, "snmpget", "apt-get install snmp", err)
	}
	args := []string{"-v2c", "-c", sw.SNMP.Community.Value()}
	if sw.SNMP.Version == "3" {
		args = []string{"-v3", "-l", "authPriv", "-u", sw.SNMP.Username, "-a", sw.SNMP.AuthProtocol, "-A", sw.SNMP.AuthPassphrase.Value(),
			"-x", sw.SNMP.PrivProtocol, "-X", sw.SNMP.PrivPassphrase.Value(), "-n", sw.SNMP.ContextName}
	}
	args = append(args, "-Oqv", "-r", "1", "-t", "2", a.Addr, oid)
	cmd := exec.Command("snmpget", args...)
	cmd.Env = append(os.Environ(), "SNMP_PERSISTENT_DIR="+t.TempDir(), "MIBS=")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("snmpget: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestSnmpsimAuditApplyAudit(t *testing.T) {
	for _, version := range []string{"2c", "3"} {
		t.Run("v"+version, func(t *testing.T) {
			a := snmpsimd.Start(t, snmpsimd.Options{})
			sw := snmpsimSwitch(t, a, snmpsimd.VariantGS110TP, version)
			e := engine(t)
			ctx := context.Background()
			sws := []inventory.Switch{sw}

			rep := e.Audit(ctx, sws)
			if r := rep.Switches[0]; r.Status != agent.StatusDrift || r.DSCPMap[46] != 2 || r.DSCPMap[24] != 1 || r.DSCPMap[0] != 1 {
				t.Fatalf("audit: %+v", r)
			}
			if got := snmpget(t, a, sw, efRow); got != "2" {
				t.Fatalf("snmpget EF before apply = %q", got)
			}
			// snmpsimd's data file is static: a SET on a global row does
			// not fan out to the interfaces as a GS110TP's does. The first
			// apply writes the global rows and then reads every interface
			// still at the factory map: drift, truthfully. The second
			// writes the interfaces' own rows.
			rep = e.Apply(ctx, sws, false)
			if r := rep.Switches[0]; r.Status != agent.StatusDrift || !hasScopeFinding(r.Findings, "5") {
				t.Fatalf("apply on an agent without fan-out: %s %s %+v", r.Status, r.Error, r.Findings)
			}
			rep = e.Apply(ctx, sws, false)
			if r := rep.Switches[0]; r.Status != agent.StatusChanged {
				t.Fatalf("second apply: %s %s %+v", r.Status, r.Error, r.Findings)
			}
			if got := snmpget(t, a, sw, mibs.AgentCosMapIpDscpTrafficClass+".5.46"); got != "3" {
				t.Fatalf("snmpget EF of interface 5 after apply = %q, want 3", got)
			}
			if got := snmpget(t, a, sw, efRow); got != "3" {
				t.Fatalf("snmpget EF after apply = %q, want 3", got)
			}
			if got := snmpget(t, a, sw, mibs.AgentCosMapIntfTrustMode+".0"); got != "4" {
				t.Fatalf("snmpget global trust after apply = %q, want 4 (trustIpDscp)", got)
			}
			if rep = e.Audit(ctx, sws); rep.Switches[0].Status != agent.StatusCompliant || rep.ExitCode() != agent.ExitOK {
				t.Fatalf("re-audit: %+v", rep.Switches[0])
			}
		})
	}
}

func hasScopeFinding(fs []agent.Finding, scope string) bool {
	for _, f := range fs {
		if f.Scope == scope {
			return true
		}
	}
	return false
}

// TestSnmpsimPortsDiffer: compliant global rows do not make a switch
// compliant when an interface's own rows differ: interface 5 maps EF to
// queue 1, 6 is untrusted, 7 schedules queue 3 weighted.
func TestSnmpsimPortsDiffer(t *testing.T) {
	a := snmpsimd.Start(t, snmpsimd.Options{})
	sw := snmpsimSwitch(t, a, snmpsimd.VariantPortsDiffer, "2c")
	e := engine(t)
	ctx := context.Background()
	sws := []inventory.Switch{sw}
	rep := e.Audit(ctx, sws)
	r := rep.Switches[0]
	if r.Status != agent.StatusDrift {
		t.Fatalf("audit: %s %s", r.Status, r.Error)
	}
	want := map[string]string{"5": agent.RuleEFTop, "6": agent.RuleTrust, "7": agent.RuleEFTop}
	for scope, rule := range want {
		found := false
		for _, f := range r.Findings {
			found = found || f.Scope == scope && f.Rule == rule
		}
		if !found {
			t.Errorf("no %s finding in scope %s: %+v", rule, scope, r.Findings)
		}
	}
	for _, f := range r.Findings {
		if f.Scope == vendors.GlobalPort {
			t.Errorf("global finding on compliant global rows: %+v", f)
		}
	}
	// Three round trips where the agent answers a GETBULK with N + M x R
	// varbinds (our simulator, RFC 3416); snmpsimd stops at 64 varbinds,
	// so the 44 scheduler rows take one GETBULK more.
	if r.Requests > 4 {
		t.Errorf("audit used %d requests; want at most 4 on snmpsimd", r.Requests)
	}
	rep = e.Apply(ctx, sws, false)
	if r := rep.Switches[0]; r.Status != agent.StatusChanged {
		t.Fatalf("apply: %s %s %+v", r.Status, r.Error, r.Findings)
	}
	if got := snmpget(t, a, sw, mibs.AgentCosMapIpDscpTrafficClass+".5.46"); got != "3" {
		t.Fatalf("snmpget EF of interface 5 = %q, want 3", got)
	}
	if rep = e.Audit(ctx, sws); rep.Switches[0].Status != agent.StatusCompliant {
		t.Fatalf("re-audit: %+v", rep.Switches[0])
	}
}

// The partial variant refuses the global trust row with commitFailed after
// applying the DSCP and scheduler rows sent before it, as a FASTPATH agent
// may: apply must restore those rows from the backup.
func TestSnmpsimPartialApplyRollsBack(t *testing.T) {
	a := snmpsimd.Start(t, snmpsimd.Options{})
	sw := snmpsimSwitch(t, a, snmpsimd.VariantPartial, "2c")
	e := engine(t)
	rep := e.Apply(context.Background(), []inventory.Switch{sw}, false)
	r := rep.Switches[0]
	if r.Status != agent.StatusError || rep.ExitCode() != agent.ExitError {
		t.Fatalf("status %s, exit %d", r.Status, rep.ExitCode())
	}
	for _, want := range []string{"commitFailed", "interface 0 trust dscp", "rolled back to backup"} {
		if !strings.Contains(r.Error, want) {
			t.Errorf("error %q lacks %q", r.Error, want)
		}
	}
	if got := snmpget(t, a, sw, efRow); got != "2" {
		t.Fatalf("EF row after rollback = %q, want the backup's 2", got)
	}
	if got := snmpget(t, a, sw, mibs.AgentCosMapIpDscpTrafficClass+".0.0"); got != "1" {
		t.Fatalf("BE row after rollback = %q, want the backup's 1", got)
	}
	if got := snmpget(t, a, sw, mibs.AgentCosQueueSchedulerType+".0.3"); got != "2" {
		t.Fatalf("queue 3 scheduler after rollback = %q, want weighted(2)", got)
	}
	files, _ := filepath.Glob(filepath.Join(e.Backups.(agent.FileBackups).Dir, "*", "*.json"))
	if len(files) != 1 {
		t.Fatalf("backups: %v", files)
	}
}

// TestSnmpsimV3Protocols reads through SNMPv3 authPriv with each auth and
// privacy protocol against snmpsimd, including both AES-192/256 key
// extensions: AES192/AES256 (Blumenthal) and AES192C/AES256C (Reeder, as
// Cisco and snmpsimd's plain AES192/AES256 do).
func TestSnmpsimV3Protocols(t *testing.T) {
	for _, tc := range []struct{ auth, simPriv, ourPriv string }{
		{"MD5", "DES", "DES"},
		{"SHA", "AES", "AES"},
		{"SHA224", "AES192", "AES192C"},
		{"SHA512", "AES256", "AES256C"},
		{"SHA384", "AES192BLMT", "AES192"},
		{"SHA256", "AES256BLMT", "AES256"},
	} {
		t.Run(tc.auth+"+"+tc.ourPriv, func(t *testing.T) {
			a := snmpsimd.Start(t, snmpsimd.Options{V3AuthProto: tc.auth, V3PrivProto: tc.simPriv})
			sw := snmpsimSwitch(t, a, snmpsimd.VariantGS110TP, "3")
			sw.SNMP.PrivProtocol = tc.ourPriv
			st, err := open(t, sw).Read(context.Background())
			if err != nil {
				t.Fatalf("%s + %s: %v", tc.auth, tc.ourPriv, err)
			}
			if st.GlobalMap()[46] != 2 {
				t.Errorf("EF on queue %d, want the factory 2", st.GlobalMap()[46])
			}
		})
	}
}

// TestSnmpsimProbe: the read-only probe against snmpsim (a third-party
// agent) over v2c and v3 names the GS110TP's sysObjectID.
func TestSnmpsimProbe(t *testing.T) {
	a := snmpsimd.Start(t, snmpsimd.Options{})
	for _, version := range []string{"2c", "3"} {
		sw := snmpsimSwitch(t, a, snmpsimd.VariantGS110TP, version)
		res := engine(t).Probe(context.Background(), []inventory.Switch{sw})
		if r := res[0]; !r.OK || r.Detail != "SNMP v"+version+", sysObjectID 1.3.6.1.4.1.4526.100.4.19 (GS110TP)" {
			t.Fatalf("v%s: %+v", version, r)
		}
	}
}

// TestSnmpsimLateAnswerLostRowRollsBack: snmpsimd applies the SET row by
// row, holds the EF row's answer 2.5 s (longer than 2 tries of 300 ms) and
// does not store that row. qosagent reads the switch again with patience
// while the agent is busy, finds it neither at its target nor at its
// backup, and restores the backup; net-snmp then reads the backup's rows.
func TestSnmpsimLateAnswerLostRowRollsBack(t *testing.T) {
	a := snmpsimd.Start(t, snmpsimd.Options{})
	sw := snmpsimSwitch(t, a, snmpsimd.VariantLateRow, "2c")
	sw.SNMP.Timeout, sw.SNMP.Retries = 300*time.Millisecond, 1
	sw.SNMP.Patience = 20 * time.Second
	e := engine(t)
	rep := e.Apply(context.Background(), []inventory.Switch{sw}, false)
	r := rep.Switches[0]
	t.Logf("%s: %s", r.Status, r.Error)
	if r.Status != agent.StatusError {
		t.Fatalf("status %s: %s", r.Status, r.Error)
	}
	for _, want := range []string{"write:", "no answer", "rolled back to backup"} {
		if !strings.Contains(r.Error, want) {
			t.Errorf("error %q lacks %q", r.Error, want)
		}
	}
	if strings.Contains(r.Error, "half-written") {
		t.Errorf("reported possibly half-written although the agent answered again: %s", r.Error)
	}
	for oid, want := range map[string]string{
		efRow: "2",
		mibs.AgentCosMapIpDscpTrafficClass + ".0.0": "1",
		mibs.AgentCosQueueSchedulerType + ".0.3":    "2",
		mibs.AgentCosMapIntfTrustMode + ".0":        "2",
	} {
		if got := snmpget(t, a, sw, oid); got != want {
			t.Errorf("%s after the rollback = %q, want the backup's %s", oid, got, want)
		}
	}
}

package lab

import (
	"context"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/mibs"
)

// TestMain lets the test binary serve as a lab shard, as qosagent does.
func TestMain(m *testing.M) {
	if IsShard() {
		os.Exit(ServeShard(os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

func TestSplit(t *testing.T) {
	spawn := func() (*exec.Cmd, error) { return nil, nil }
	tests := []struct {
		cfg  Config
		want []int
	}{
		{Config{SNMP: 7, PerProcess: 3, Spawn: spawn}, []int{3, 2, 2}},
		{Config{SNMP: 3, PerProcess: 3, Spawn: spawn}, []int{3}},
		// 20,000 exactly with RLIMIT_NOFILE 20,000: two processes, not
		// one that runs out of descriptors.
		{Config{SNMP: 20000, PerProcess: 20000 - fdReserve, Spawn: spawn}, []int{10000, 10000}},
		{Config{SNMP: 100000, PerProcess: 20000 - fdReserve, Spawn: spawn}, []int{16667, 16667, 16667, 16667, 16666, 16666}},
	}
	for _, tt := range tests {
		got, err := tt.cfg.split()
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%d GS110TPs, %d per process: %v, %v; want %v", tt.cfg.SNMP, tt.cfg.PerProcess, got, err, tt.want)
		}
	}
	if _, err := (Config{SNMP: 4, PerProcess: 3}).split(); err == nil || !strings.Contains(err.Error(), "more than one process may open") {
		t.Errorf("a lab too large for one process without Spawn: %v", err)
	}
}

func TestPortsSkipTheEphemeralRange(t *testing.T) {
	if got := portsPerAddress(32768, 60999); got != 22768+4536 {
		t.Errorf("ports per address: %d", got)
	}
	if got := portsPerAddress(1024, 65535); got != 0 {
		t.Errorf("ports per address with every port ephemeral: %d", got)
	}
	p := &ports{shard: 2, host: 1, port: lowPort - 1, lo: 10002, hi: 65533}
	var got []string
	for range 6 {
		a, err := p.next()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	want := []string{"127.0.2.1:10000", "127.0.2.1:10001", "127.0.2.1:65534", "127.0.2.1:65535", "127.0.2.2:10000", "127.0.2.2:10001"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("addresses %v, want %v", got, want)
	}
}

// TestLabOverSeveralProcesses: a lab too large for one process runs in
// several, and its inventory, addresses and counters cover every switch.
func TestLabOverSeveralProcesses(t *testing.T) {
	l, err := Start(context.Background(), Config{SNMP: 7, CLI: 1, PerProcess: 3, Spawn: Self(), Sites: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Processes() != 3 || len(l.Switches) != 3 || l.NumSNMP() != 7 {
		t.Fatalf("%d processes, %d local switches, %d in all", l.Processes(), len(l.Switches), l.NumSNMP())
	}
	path := t.TempDir() + "/lab.yaml"
	if err := l.WriteInventory(path); err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Load(path, inventory.Options{Vendors: map[string]inventory.Transport{
		"netgear-gs110tp": inventory.TransportSNMP, "cisco-ios": inventory.TransportSSH}})
	if err != nil {
		t.Fatal(err)
	}
	sws, err := inv.Select(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, sw := range sws {
		if sw.Vendor != "netgear-gs110tp" {
			continue
		}
		if seen[sw.Address] {
			t.Errorf("address %s twice", sw.Address)
		}
		seen[sw.Address] = true
		g := &gosnmp.GoSNMP{Target: sw.Host, Port: uint16(sw.Port), Community: sw.SNMP.Community.Value(), Version: gosnmp.Version2c,
			Timeout: 2 * time.Second, Retries: 1}
		if err := g.Connect(); err != nil {
			t.Fatal(err)
		}
		pkt, err := g.GetBulk([]string{mibs.AgentCosMapIpDscpTrafficClass + ".0"}, 0, 64)
		g.Conn.Close()
		if err != nil || len(pkt.Variables) != 64 {
			t.Fatalf("%s at %s: %v", sw.Name, sw.Address, err)
		}
	}
	if len(seen) != 7 {
		t.Fatalf("%d GS110TPs in the inventory", len(seen))
	}
	c, err := l.Counters()
	if err != nil {
		t.Fatal(err)
	}
	if c.GetBulk != 7 || c.MinRequests != 1 || c.MaxRequests != 1 || c.CPUSeconds <= 0 {
		t.Errorf("counters %+v", c)
	}
	if err := l.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// TestV3LabOverSeveralProcesses: the other processes answer the same
// SNMPv3 user as this one.
func TestV3LabOverSeveralProcesses(t *testing.T) {
	l, err := Start(context.Background(), Config{SNMP: 4, CLI: 0, PerProcess: 2, Spawn: Self(), SNMPVersion: "3"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	path := t.TempDir() + "/lab.yaml"
	if err := l.WriteInventory(path); err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Load(path, inventory.Options{Vendors: map[string]inventory.Transport{"netgear-gs110tp": inventory.TransportSNMP}})
	if err != nil {
		t.Fatal(err)
	}
	sws, err := inv.Select(nil, nil)
	if err != nil || len(sws) != 4 || l.Processes() != 2 {
		t.Fatalf("%d switches in %d processes: %v", len(sws), l.Processes(), err)
	}
	for _, sw := range sws {
		g := &gosnmp.GoSNMP{Target: sw.Host, Port: uint16(sw.Port), Version: gosnmp.Version3, Timeout: 2 * time.Second, Retries: 1,
			SecurityModel: gosnmp.UserSecurityModel, MsgFlags: gosnmp.AuthPriv,
			SecurityParameters: &gosnmp.UsmSecurityParameters{UserName: sw.SNMP.Username,
				AuthenticationProtocol: gosnmp.SHA, AuthenticationPassphrase: sw.SNMP.AuthPassphrase.Value(),
				PrivacyProtocol: gosnmp.AES, PrivacyPassphrase: sw.SNMP.PrivPassphrase.Value()}}
		if err := g.Connect(); err != nil {
			t.Fatal(err)
		}
		pkt, err := g.GetBulk([]string{mibs.AgentCosMapIpDscpTrafficClass + ".0"}, 0, 64)
		g.Conn.Close()
		if err != nil || len(pkt.Variables) != 64 {
			t.Fatalf("%s at %s over v3: %v", sw.Name, sw.Address, err)
		}
	}
}

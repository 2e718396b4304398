package lab

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qosagent/qosagent/internal/clisim"
	"github.com/qosagent/qosagent/inventory"
)

func TestStartRTTLossSites(t *testing.T) {
	l, err := Start(context.Background(), Config{SNMP: 4, CLI: 2, RTT: 5 * time.Millisecond, Loss: 0.01, Seed: 9, Sites: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	path := t.TempDir() + "/lab.yaml"
	if err := l.WriteInventory(path); err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Load(path, inventory.Options{Vendors: map[string]inventory.Transport{
		"netgear-gs110tp": inventory.TransportSNMP, "cisco-ios": inventory.TransportSSH,
		"cisco-sb": inventory.TransportSSH, "netgear-fastpath": inventory.TransportSSH}})
	if err != nil {
		t.Fatal(err)
	}
	sws, err := inv.Select(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	perSite := map[string]int{}
	for _, sw := range sws {
		perSite[sw.Site]++
	}
	if len(sws) != 6 || perSite["lab1"] != 2 || perSite["lab2"] != 2 || perSite["lab3"] != 2 {
		t.Errorf("%d switches, per site %v", len(sws), perSite)
	}
}

func TestStartRefusesBadLink(t *testing.T) {
	for _, cfg := range []Config{{SNMP: 1, Loss: 1.1}, {SNMP: 1, RTT: -1}, {SNMP: 1, Sites: -1}} {
		if l, err := Start(context.Background(), cfg); err == nil {
			l.Close()
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func TestOneSiteKeepsItsName(t *testing.T) {
	l, err := Start(context.Background(), Config{SNMP: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	path := t.TempDir() + "/lab.yaml"
	if err := l.WriteInventory(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "\n  lab:\n") {
		t.Errorf("inventory:\n%s", b)
	}
}

func TestSiteRTT(t *testing.T) {
	cfg := Config{SNMP: 4, Sites: 2, RTT: time.Millisecond, SiteRTT: []time.Duration{80 * time.Millisecond}}
	if got := []time.Duration{cfg.rttOf(0), cfg.rttOf(1), cfg.rttOf(2), cfg.rttOf(3)}; got[0] != 80*time.Millisecond ||
		got[2] != 80*time.Millisecond || got[1] != time.Millisecond || got[3] != time.Millisecond {
		t.Errorf("rtts %v", got)
	}
	l, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.SiteName(0) != "lab1" || l.SiteName(1) != "lab2" {
		t.Errorf("site names %s %s", l.SiteName(0), l.SiteName(1))
	}
}

// TestPacingFollowsRTTAndLoss: the inventory's timeouts and retries come
// from the lab's RTT and loss, so that `qosagent lab --rtt 2500ms` or
// `--loss 0.5` is still audited.
func TestPacingFollowsRTTAndLoss(t *testing.T) {
	tests := []struct {
		cfg       Config
		snmp, ssh time.Duration
		retries   int
	}{
		{Config{}, time.Second, 5 * time.Second, 1},
		{Config{RTT: 2500 * time.Millisecond}, 7500 * time.Millisecond, 25 * time.Second, 1},
		{Config{RTT: 20 * time.Millisecond, SiteRTT: []time.Duration{0, time.Second}}, 3 * time.Second, 10 * time.Second, 1},
		{Config{Loss: 0.01}, time.Second, 5 * time.Second, 1},
		{Config{Loss: 0.5}, time.Second, 5 * time.Second, 9},
		{Config{Loss: 0.9}, time.Second, 5 * time.Second, 10},
	}
	for _, tt := range tests {
		snmp, retries, ssh := tt.cfg.pacing()
		if snmp != tt.snmp || retries != tt.retries || ssh != tt.ssh {
			t.Errorf("%+v: snmp %s, %d retries, ssh %s; want %s, %d, %s", tt.cfg, snmp, retries, ssh, tt.snmp, tt.retries, tt.ssh)
		}
	}
}

func TestCLIVariants(t *testing.T) {
	l, err := Start(context.Background(), Config{CLI: 3, CLIVariants: map[string]clisim.Options{
		"netgear-fastpath": {Queues: 7}, "cisco-sb": {Queues: 8}}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	want := map[string]int{"cisco-ios": 4, "cisco-sb": 8, "netgear-fastpath": 7}
	for _, sw := range l.CLISwitches {
		c := sw.Running()
		n := len(c.Strict) // FASTPATH keeps one scheduler flag per traffic class
		if sw.Dialect() == "cisco-sb" {
			n = 0
			for _, cell := range c.Map {
				n = max(n, cell.Queue)
			}
		}
		if sw.Dialect() == "cisco-ios" {
			n = len(c.Ports[0].Share)
		}
		if n != want[sw.Dialect()] {
			t.Errorf("%s: %d queues, want %d", sw.Dialect(), n, want[sw.Dialect()])
		}
	}
	if _, err := Start(context.Background(), Config{CLI: 1, CLIVariants: map[string]clisim.Options{"cisco-ios": {Queues: 8}}}); err == nil {
		t.Error("an 8-queue Catalyst started")
	}
}

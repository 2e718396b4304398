package inventory

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// fleetYAML is an inventory of n GS110TPs in the style `qosagent lab`
// writes, over several sites and loopback addresses.
func fleetYAML(n int) string {
	var b strings.Builder
	b.WriteString("defaults:\n  snmp:\n    version: \"2c\"\n    community_env: LAB_SNMP_COMMUNITY\n    timeout: 1s\n    retries: 1\nsites:\n  lab:\n    switches:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "      - name: lab-sw%d\n        vendor: netgear-gs110tp\n        address: 127.0.%d.%d:%d\n", i, i/100000, 1+i%250, 10000+i%27000)
	}
	return b.String()
}

// TestLargeInventoryFitsTheCap: 100,000 switches in the lab's style are
// well within the cap, which still refuses a runaway file
// (TestLoadRefusesLargeFile).
func TestLargeInventoryFitsTheCap(t *testing.T) {
	src := fleetYAML(100000)
	if len(src) > maxInventorySize/4 {
		t.Errorf("100,000 switches take %d bytes; the cap is %d: leave room for longer names and settings", len(src), maxInventorySize)
	}
	inv, err := Parse(filepath.Join(t.TempDir(), "inventory.yaml"), []byte(fleetYAML(2000)), Options{Vendors: testVendors, Getenv: getenv(testEnv)})
	if err != nil {
		t.Fatal(err)
	}
	if sws, err := inv.Select(nil, nil); err != nil || len(sws) != 2000 {
		t.Fatalf("%d switches, %v", len(sws), err)
	}
}

// BenchmarkLoad100k loads a 100,000-switch inventory from a file
// (QOSAGENT_BENCH_SWITCHES is not read: the size is the point).
func BenchmarkLoad100k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "inventory.yaml")
	writeFile(b, path, fleetYAML(100000), 0o600)
	b.ReportAllocs()
	for b.Loop() {
		inv, err := Load(path, Options{Vendors: testVendors, Getenv: getenv(testEnv)})
		if err != nil {
			b.Fatal(err)
		}
		if sws, _ := inv.Select(nil, nil); len(sws) != 100000 {
			b.Fatalf("%d switches", len(sws))
		}
	}
}

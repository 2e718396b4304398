package inventory

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretsOnlyInScope: a run scoped to one site fetches that site's
// secrets only, so per-site jobs need per-site credentials only; the other
// sites' references are still checked, and an unscoped load (validate)
// fetches everything.
func TestSecretsOnlyInScope(t *testing.T) {
	src := doc(
		"sites:",
		"  a:",
		"    switches:",
		"      - { name: sa, vendor: netgear-gs110tp, address: 192.0.2.1, snmp: { version: \"2c\", community_env: CA } }",
		"  b:",
		"    switches:",
		"      - { name: sb, vendor: netgear-gs110tp, address: 192.0.2.2, snmp: { version: \"2c\", community_env: CB } }",
		"      - { name: sc, vendor: netgear-gs110tp, address: 192.0.2.3, snmp: { version: \"2c\", community_file: missing.secret } }",
		"      - { name: sd, vendor: netgear-gs110tp, address: 192.0.2.4, snmp: { version: \"2c\" } }",
	)
	dir := t.TempDir()
	parse := func(sites, switches []string, src string) (*Inventory, error) {
		return Parse(filepath.Join(dir, "inventory.yaml"), []byte(src), Options{Vendors: testVendors,
			Getenv: getenv(with("CA", "community-a")), Sites: sites, Switches: switches})
	}
	// sd has no community at all: that is wrong whatever the scope.
	if _, err := parse([]string{"a"}, nil, src); err == nil || !strings.Contains(err.Error(), "needs a community") || strings.Contains(err.Error(), "CB") || strings.Contains(err.Error(), "missing.secret") {
		t.Fatalf("scoped to a: %v; want only sd's missing community", err)
	}
	fixed := strings.Replace(src, `snmp: { version: "2c" } }`, `snmp: { version: "2c", community_env: CA } }`, 1)
	inv, err := parse([]string{"a"}, nil, fixed)
	if err != nil {
		t.Fatalf("scoped to a: %v", err)
	}
	sws, _ := inv.Select([]string{"a"}, nil)
	if len(sws) != 1 || sws[0].SNMP.Community.Value() != "community-a" {
		t.Fatalf("switch sa: %+v", sws)
	}
	if _, err := parse(nil, []string{"sd"}, fixed); err != nil {
		t.Fatalf("scoped to switch sd: %v", err)
	}
	_, err = parse(nil, nil, fixed)
	if err == nil || !strings.Contains(err.Error(), "CB") || !strings.Contains(err.Error(), "missing.secret") {
		t.Fatalf("unscoped: %v; want CB and missing.secret named", err)
	}
}

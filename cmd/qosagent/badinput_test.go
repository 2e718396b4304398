package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/agent"
)

// TestBadInventories: each broken inventory gets a message naming the place
// and exit 3, and no switch of the lab is contacted.
func TestBadInventories(t *testing.T) {
	l, inv := startLab(t, 2)
	good, _ := os.ReadFile(inv)
	dir := filepath.Dir(inv)
	empty := filepath.Join(dir, "empty.secret")
	os.WriteFile(empty, nil, 0o600)
	edit := func(old, new string) string { return strings.Replace(string(good), old, new, 1) }
	cases := []struct {
		name, yaml, want string
	}{
		{"malformed YAML", edit("sites:", "sites: [unclosed"), "bad.yaml:"},
		{"wrong type", edit("retries: 1", "retries: many"), "retries"},
		{"typo in a key", edit("        address:", "        adress:"), `adress: unknown key (did you mean "address"?)`},
		{"port out of range", edit("retries: 1", "retries: 1\n    port: 70000"), "port"},
		{"duplicate switch", edit("  - name: lab-sw2", "  - name: lab-sw1"), `"lab-sw1"`},
		{"missing secret file", edit("community_file: lab.community", "community_file: nope.community"), "nope.community"},
		{"empty secret file", edit("community_file: lab.community", "community_file: empty.secret"), "empty.secret"},
		{"missing env secret", edit("community_file: lab.community", "community_env: QOSAGENT_TEST_UNSET_VAR"), "QOSAGENT_TEST_UNSET_VAR"},
		{"inline secret", edit("community_file: lab.community", "community: public"), "inline secrets are refused"},
		{"unknown vendor", edit("vendor: netgear-gs110tp", "vendor: netgear-gs110tx"), `vendor "netgear-gs110tx" is unknown`},
		{"bad address", edit("address: 127.0.0.1:", "address: 127.0.0.300:"), "address"},
		{"huge file", string(good) + "#" + strings.Repeat("x", 5<<20) + "\n", "MiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := filepath.Join(dir, "bad.yaml")
			if err := os.WriteFile(bad, []byte(c.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"audit", "-i", bad}, {"apply", "-i", bad, "--all"}, {"inventory", "validate", "-i", bad}} {
				code, _, errOut := qosagent(t, nil, args...)
				if code != agent.ExitInvalid || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "bad.yaml") {
					t.Fatalf("%v: exit %d, stderr %q; want 3, bad.yaml and %q", args, code, errOut, c.want)
				}
			}
		})
	}
	if n := requests(l); n != 0 {
		t.Fatalf("bad inventories still sent %d requests", n)
	}
}

// A secret file others can read works, with a warning naming the file.
func TestWorldReadableSecretWarns(t *testing.T) {
	_, inv := startLab(t, 1)
	secret := strings.TrimSuffix(inv, ".yaml") + ".community"
	if err := os.Chmod(secret, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := qosagent(t, nil, "inventory", "validate", "-i", inv)
	if code != 0 || !strings.Contains(errOut, "lab.community") || !strings.Contains(strings.ToLower(errOut), "readable") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

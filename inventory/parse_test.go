package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The inventory example of the README, which must load as it is.
const designExample = `defaults:
  snmp:
    version: "3"
    port: 161
    timeout: 2s
    retries: 2
    username: qosagent
    auth_protocol: SHA
    auth_passphrase_env: QOSAGENT_SNMP_AUTH
    priv_protocol: AES
    priv_passphrase_env: QOSAGENT_SNMP_PRIV
    context_name: ""
    max_repetitions: 25
  ssh:
    port: 22
    username: netops
    key_file: ~/.ssh/id_ed25519
    password_env: QOSAGENT_SSH_PW
    known_hosts: ~/.ssh/known_hosts
    timeout: 10s
policy: policy.yaml
sites:
  lab:
    switches:
      - name: lab-sw1
        vendor: netgear-gs110tp
        address: 192.0.2.10
        snmp: { version: "2c", community_env: LAB_SNMP_COMMUNITY }
      - name: lab-core
        vendor: cisco-ios
        address: 192.0.2.11
`

func TestParseDesignExample(t *testing.T) {
	dir := t.TempDir()
	inv, _, err := parseIn(t, dir, designExample, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	if inv.PolicyPath != filepath.Join(dir, "policy.yaml") {
		t.Errorf("PolicyPath = %q; want it next to the inventory", inv.PolicyPath)
	}
	if len(inv.Sites) != 1 || inv.Sites[0].Name != "lab" || len(inv.Sites[0].Switches) != 2 {
		t.Fatalf("sites = %+v", inv.Sites)
	}
	sw1, core := inv.Sites[0].Switches[0], inv.Sites[0].Switches[1]
	if sw1.Site != "lab" || sw1.Host != "192.0.2.10" || sw1.Port != 161 {
		t.Errorf("lab-sw1 = %+v", sw1)
	}
	s := sw1.SNMP
	if s.Version != "2c" || s.Community.Value() != "c0mmunity-value" || s.Community.Source() != "env LAB_SNMP_COMMUNITY" {
		t.Errorf("lab-sw1 SNMP = %+v", s)
	}
	if s.Username != "" || s.AuthProtocol != "" || s.AuthPassphrase.IsSet() {
		t.Errorf("a v2c switch carries v3 settings: %+v", s)
	}
	if s.MaxRepetitions != 25 || s.Timeout != 2*time.Second || s.Retries != 2 {
		t.Errorf("lab-sw1 SNMP defaults not merged: %+v", s)
	}
	if sw1.SSH != (SSH{}) {
		t.Errorf("an SNMP switch got SSH settings: %+v", sw1.SSH)
	}
	h := core.SSH
	if core.Port != 22 || h.Username != "netops" || h.Password.Value() != "ssh-password-value" {
		t.Errorf("lab-core = %+v", core)
	}
	if h.KeyFile != "/home/tester/.ssh/id_ed25519" || h.KnownHosts != "/home/tester/.ssh/known_hosts" {
		t.Errorf("~ not expanded: key %q, known_hosts %q", h.KeyFile, h.KnownHosts)
	}
	if core.SNMP != (SNMP{}) {
		t.Errorf("an SSH switch got SNMP settings: %+v", core.SNMP)
	}
}

// Each level overrides the one below, field by field: built-in < defaults
// < site defaults < switch.
func TestParseMergeOrder(t *testing.T) {
	src := doc(
		"defaults:",
		"  snmp:",
		"    version: 3",
		"    username: global-user",
		"    timeout: 3s",
		"    retries: 3",
		"    auth_protocol: sha",
		"    auth_passphrase_env: QOSAGENT_SNMP_AUTH",
		"sites:",
		"  lab:",
		"    defaults:",
		"      snmp:",
		"        username: site-user",
		"        retries: 4",
		"        context_name: site-ctx",
		"    switches:",
		"      - name: sw1",
		"        vendor: netgear-gs110tp",
		"        address: 192.0.2.10",
		"        snmp: { retries: 5, port: 1161, priv_protocol: AES256, priv_passphrase_env: QOSAGENT_SNMP_PRIV }",
		"      - { name: sw2, vendor: netgear-gs110tp, address: '192.0.2.11:16100' }",
		"  dc:",
		"    switches:",
		"      - { name: sw3, vendor: netgear-gs110tp, address: sw3.example.net }",
	)
	inv := mustParse(t, src, testEnv)
	got := map[string]SNMP{}
	ports := map[string]int{}
	for _, s := range inv.Sites {
		for _, sw := range s.Switches {
			got[sw.Name] = sw.SNMP
			ports[sw.Name] = sw.Port
		}
	}
	check := func(name, field string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s %s = %v; want %v", name, field, got, want)
		}
	}
	check("sw1", "Version", got["sw1"].Version, "3")
	check("sw1", "Username", got["sw1"].Username, "site-user")
	check("sw1", "Timeout", got["sw1"].Timeout, 3*time.Second)
	check("sw1", "Retries", got["sw1"].Retries, 5)
	check("sw1", "Port", got["sw1"].Port, 1161)
	check("sw1", "Switch.Port", ports["sw1"], 1161)
	check("sw1", "ContextName", got["sw1"].ContextName, "site-ctx")
	check("sw1", "AuthProtocol", got["sw1"].AuthProtocol, "SHA")
	check("sw1", "PrivProtocol", got["sw1"].PrivProtocol, "AES256")
	check("sw1", "SecurityLevel", got["sw1"].SecurityLevel(), "authPriv")
	check("sw1", "MaxRepetitions", got["sw1"].MaxRepetitions, 64)
	check("sw2", "Retries", got["sw2"].Retries, 4)
	check("sw2", "PrivProtocol", got["sw2"].PrivProtocol, "")
	check("sw2", "SecurityLevel", got["sw2"].SecurityLevel(), "authNoPriv")
	check("sw2", "Port", got["sw2"].Port, 161)
	check("sw2", "Switch.Port", ports["sw2"], 16100)
	check("sw3", "Username", got["sw3"].Username, "global-user")
	check("sw3", "Retries", got["sw3"].Retries, 3)
	check("sw3", "ContextName", got["sw3"].ContextName, "")
}

// A secret reference is merged as a unit: a switch's community_file
// replaces an inherited community_env, and "" opts out of an inherited one.
func TestParseSecretOverride(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "community"), "from-file-value\n", 0o600)
	src := doc(
		"defaults:",
		"  snmp: { version: 2c, community_env: LAB_SNMP_COMMUNITY }",
		"  ssh: { username: u, password_env: NOT_SET, key_file: id }",
		"sites:",
		"  lab:",
		"    switches:",
		"      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10, snmp: { community_file: community } }",
		"      - { name: core, vendor: cisco-ios, address: 192.0.2.11, ssh: { password_env: '' } }",
	)
	inv, _, err := parseIn(t, dir, src, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	sw1, core := inv.Sites[0].Switches[0], inv.Sites[0].Switches[1]
	if got := sw1.SNMP.Community.Value(); got != "from-file-value" {
		t.Errorf("community = %q; want the file's", got)
	}
	if core.SSH.Password.IsSet() || core.SSH.KeyFile != filepath.Join(dir, "id") {
		t.Errorf("core SSH = %+v", core.SSH)
	}
}

func TestParseIPv6Addresses(t *testing.T) {
	tests := []struct {
		addr, host string
		port       int
	}{
		{"'[2001:db8::1]:1161'", "2001:db8::1", 1161},
		{"'[2001:db8::1]'", "2001:db8::1", 161},
		{"'2001:db8::1'", "2001:db8::1", 161},
		{"'[fe80::1%eth0]:161'", "fe80::1%eth0", 161},
		{"192.0.2.10:1161", "192.0.2.10", 1161},
		{"sw1.lab.example.net.", "sw1.lab.example.net.", 161},
		{"SW-1", "SW-1", 161},
		{"1sw.example", "1sw.example", 161},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			src := doc("sites:", "  lab:", "    switches:", "      - name: sw1", snmpSwitch, "        address: "+tt.addr)
			sw := mustParse(t, src, testEnv).Sites[0].Switches[0]
			if sw.Host != tt.host || sw.Port != tt.port || sw.Address != strings.Trim(tt.addr, "'") {
				t.Errorf("host %q port %d address %q; want %q %d", sw.Host, sw.Port, sw.Address, tt.host, tt.port)
			}
		})
	}
}

func TestParseSecretFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "secrets", "auth"), "file-auth-passphrase\r\n", 0o600)
	writeFile(t, filepath.Join(dir, "secrets", "priv"), "file-priv-passphrase\n\n", 0o644)
	src := doc(
		"defaults:",
		"  snmp:",
		"    username: q",
		"    auth_protocol: SHA512",
		"    auth_passphrase_file: secrets/auth",
		"    priv_protocol: aes",
		"    priv_passphrase_file: "+filepath.Join(dir, "secrets", "priv"),
		"sites:",
		"  lab:",
		"    switches:",
		"      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10 }",
		"      - { name: sw2, vendor: netgear-gs110tp, address: 192.0.2.11 }",
	)
	inv, logs, err := parseIn(t, dir, src, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	s := inv.Sites[0].Switches[0].SNMP
	if s.AuthPassphrase.Value() != "file-auth-passphrase" || s.PrivPassphrase.Value() != "file-priv-passphrase" {
		t.Errorf("passphrases not read and trimmed: %q %q", s.AuthPassphrase.Value(), s.PrivPassphrase.Value())
	}
	if want := "file " + filepath.Join(dir, "secrets", "auth"); s.AuthPassphrase.Source() != want {
		t.Errorf("Source = %q; want %q", s.AuthPassphrase.Source(), want)
	}
	// The world-readable priv file is warned about once, by name only.
	if n := strings.Count(logs, "readable by group or others"); n != 1 {
		t.Errorf("%d warnings; want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs, filepath.Join(dir, "secrets", "priv")) || strings.Contains(logs, "auth") {
		t.Errorf("warning names the wrong file:\n%s", logs)
	}
	if strings.Contains(logs, "passphrase\"") || strings.Contains(logs, "file-priv-passphrase") {
		t.Errorf("log leaks the secret:\n%s", logs)
	}
}

func TestParseEmptySecretFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "community"), "\n", 0o600)
	src := doc("sites:", "  lab:", "    switches:",
		"      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10, snmp: { version: 2c, community_file: community } }")
	_, _, err := parseIn(t, dir, src, testEnv)
	if err == nil {
		t.Fatal("Parse accepted an empty secret file")
	}
	assertErrorLine(t, err, "inventory.yaml:4: sites.lab.switches[0] (sw1): snmp.community_file: "+filepath.Join(dir, "community")+" is empty")
}

func TestParseInlineSecretsAllowed(t *testing.T) {
	src := doc("allow_inline_secrets: true", "sites:", "  lab:", "    switches:",
		"      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10, snmp: { version: 2c, community: inline-value } }")
	inv, logs, err := parseIn(t, t.TempDir(), src, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	c := inv.Sites[0].Switches[0].SNMP.Community
	if c.Value() != "inline-value" || !strings.HasPrefix(c.Source(), "inline ") {
		t.Errorf("community = %v from %q", c, c.Source())
	}
	if !strings.Contains(logs, "inline secret") || strings.Contains(logs, "inline-value") {
		t.Errorf("want a warning without the value:\n%s", logs)
	}
}

// An SSH switch with a username alone is fine when an ssh-agent runs.
func TestParseSSHAgent(t *testing.T) {
	src := doc("sites:", "  lab:", "    switches:",
		"      - { name: core, vendor: cisco-ios, address: '[2001:db8::2]:2222', ssh: { username: u, legacy_algorithms: true } }")
	sw := mustParse(t, src, with("SSH_AUTH_SOCK", "/tmp/agent.sock")).Sites[0].Switches[0]
	if sw.Port != 2222 || sw.SSH.Port != 22 || !sw.SSH.LegacyAlgorithms || sw.SSH.Timeout != 10*time.Second {
		t.Errorf("core = %+v", sw)
	}
	if _, _, err := parseIn(t, t.TempDir(), src, testEnv); err == nil {
		t.Error("accepted a username alone without SSH_AUTH_SOCK")
	}
}

// Only the vendor's transport must be complete: unset SSH variables do not
// matter to an inventory of SNMP switches.
func TestParseOtherTransportIgnored(t *testing.T) {
	src := doc("defaults:", "  ssh: { password_env: UNSET_VAR }", "sites:", "  lab:", "    switches:",
		"      - name: sw1", snmpSwitch, "        address: 192.0.2.10")
	mustParse(t, src, testEnv)
}

func TestParseHomeUnset(t *testing.T) {
	src := doc("sites:", "  lab:", "    switches:",
		"      - { name: core, vendor: cisco-ios, address: core, ssh: { username: u, password_env: QOSAGENT_SSH_PW } }")
	_, _, err := parseIn(t, t.TempDir(), src, with("HOME", ""))
	if err == nil {
		t.Fatal("Parse expanded ~ without HOME")
	}
	assertErrorLine(t, err, "inventory.yaml:4: sites.lab.switches[0] (core): ssh.known_hosts: cannot expand ~ in \"~/.ssh/known_hosts\": HOME is not set")
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "inventory.yaml")
	writeFile(t, path, designExample, 0o644)
	inv, err := Load(path, Options{Vendors: testVendors, Getenv: getenv(testEnv)})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Path != path || len(inv.Sites[0].Switches) != 2 {
		t.Errorf("inv = %+v", inv)
	}
}

// Anchors and aliases are plain YAML and work like the nodes they name.
func TestParseAliases(t *testing.T) {
	src := doc(
		"x-common: &v2c { version: 2c, community_env: LAB_SNMP_COMMUNITY }",
		"sites:",
		"  lab:",
		"    switches:",
		"      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10, snmp: *v2c }",
	)
	// Top-level keys are fixed, so the anchor must live inside the schema.
	if _, _, err := parseIn(t, t.TempDir(), src, testEnv); err == nil || !strings.Contains(err.Error(), "x-common: unknown key") {
		t.Fatalf("err = %v", err)
	}
	src = doc(
		"sites:",
		"  lab:",
		"    switches:",
		"      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10, snmp: &v2c { version: 2c, community_env: LAB_SNMP_COMMUNITY } }",
		"      - { name: sw2, vendor: netgear-gs110tp, address: 192.0.2.11, snmp: *v2c }",
	)
	inv := mustParse(t, src, testEnv)
	if c := inv.Sites[0].Switches[1].SNMP.Community; c.Value() != "c0mmunity-value" {
		t.Errorf("alias not followed: %v", c)
	}
}

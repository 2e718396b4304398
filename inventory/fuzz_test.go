package inventory

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that what it accepts is usable
// (every switch named, of a known vendor, with a port), and that no error
// message carries a secret value.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		designExample,
		doc("sites:", "  lab:", "    switches:", "      - name: sw1", snmpSwitch, "        address: '[2001:db8::1]:1161'"),
		doc("allow_inline_secrets: true", "sites:", "  a:", "    switches:",
			"      - { name: c, vendor: cisco-ios, address: 'c:2222', ssh: { username: u, password: pw-inline-value, enable_secret_file: s } }"),
		doc("defaults:", "  snmp: { version: 3, username: q, auth_protocol: md5, auth_passphrase_env: QOSAGENT_SNMP_AUTH, priv_protocol: des, priv_passphrase_env: QOSAGENT_SNMP_PRIV }",
			"sites:", "  lab:", "    defaults: { snmp: { retries: 0, max_repetitions: 255, timeout: 5m } }", "    switches:",
			"      - { name: sw1, vendor: netgear-gs110tp, address: sw1.example. }"),
		doc("sites:", "  lab:", "    switches:", "      - &a { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.300 }", "      - *a"),
		doc("sites:", "  lab:", "    switches:", "      - { name: sw1, vendor: cisco-iox, adress: x, snmp: { timeout: 5, retries: x } }"),
		doc("defaults: { snmp: { version: '1', community: public } }", "sites: {}"),
		doc("sites: [", "---", "a: b"),
		"",
		"~",
		"- 1",
		"sites: { lab: ~ }",
		"sites: { lab: { switches: [ ~, [], 1 ] } }",
	} {
		f.Add(seed)
	}
	env := with("SSH_AUTH_SOCK", "/tmp/agent.sock")
	dir := f.TempDir()
	writeFile(f, filepath.Join(dir, "s"), "file-secret-value\n", 0o600)
	file := filepath.Join(dir, "inventory.yaml")
	f.Fuzz(func(t *testing.T, src string) {
		inv, logs, err := parseIn(t, dir, src, env)
		if err != nil {
			// One problem per line, each naming the file: tools split on
			// lines.
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, file+":") {
					t.Fatalf("error line without the file: %q", line)
				}
			}
			// An inline secret is in the input, and so may be quoted back
			// if it lands in a non-secret field; env and file values never.
			for _, v := range []string{"c0mmunity-value", "auth-passphrase-value", "priv-passphrase-value", "ssh-password-value", "file-secret-value"} {
				if strings.Contains(err.Error(), v) && !strings.Contains(src, v) {
					t.Fatalf("error leaks a secret:\n%v", err)
				}
				if strings.Contains(logs, v) {
					t.Fatalf("log leaks a secret:\n%s", logs)
				}
			}
			return
		}
		n := 0
		for _, s := range inv.Sites {
			if !validName(s.Name) || len(s.Switches) == 0 {
				t.Fatalf("accepted site %q with %d switches", s.Name, len(s.Switches))
			}
			for _, sw := range s.Switches {
				n++
				if sw.Name == "" || !validName(sw.Name) {
					t.Fatalf("accepted switch name %q", sw.Name)
				}
				if _, ok := testVendors[sw.Vendor]; !ok {
					t.Fatalf("accepted vendor %q", sw.Vendor)
				}
				if sw.Port < 1 || sw.Port > 65535 {
					t.Fatalf("switch %s has port %d", sw.Name, sw.Port)
				}
				if sw.Host == "" {
					t.Fatalf("switch %s has no host", sw.Name)
				}
			}
		}
		if n == 0 {
			t.Fatal("accepted an inventory without switches")
		}
	})
}

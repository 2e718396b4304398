package inventory

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/internal/fsutil"
)

// A switch reached over SNMP v2c, the smallest valid one.
const snmpSwitch = `        vendor: netgear-gs110tp
        snmp: { version: "2c", community_env: LAB_SNMP_COMMUNITY }`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		env  map[string]string
		// want are substrings of one error line: file and line, path,
		// field and message, each checked on the same line.
		want []string
	}{
		{
			name: "unknown vendor",
			src: doc(
				"sites:",
				"  lab:",
				"    switches:",
				"      - name: lab-sw1",
				snmpSwitch,
				"        address: 192.0.2.10",
				"      - name: lab-core",
				"        vendor: cisco-iox",
				"        address: 192.0.2.11",
			),
			want: []string{"inventory.yaml:9: sites.lab.switches[1] (lab-core): vendor \"cisco-iox\" is unknown; known: cisco-ios, netgear-gs110tp"},
		},
		{
			name: "missing vendor",
			src:  doc("sites:", "  lab:", "    switches:", "      - name: sw1", "        address: 192.0.2.10"),
			want: []string{"inventory.yaml:4: sites.lab.switches[0] (sw1): vendor: is required; known: cisco-ios, netgear-gs110tp"},
		},
		{
			name: "unknown key typo",
			src:  doc("sites:", "  lab:", "    switches:", "      - name: sw1", snmpSwitch, "        adress: 192.0.2.10"),
			want: []string{"inventory.yaml:7: sites.lab.switches[0] (sw1): adress: unknown key (did you mean \"address\"?); known: name, vendor, address, snmp, ssh"},
		},
		{
			name: "unknown key in snmp block of defaults",
			src:  doc("defaults:", "  snmp:", "    comunity_env: X", "sites: {}"),
			want: []string{"inventory.yaml:3: defaults: snmp.comunity_env: unknown key (did you mean \"community_env\"?)"},
		},
		{
			name: "unknown top-level key",
			src:  doc("site:", "  lab: {}"),
			want: []string{"inventory.yaml:1: site: unknown key (did you mean \"sites\"?)"},
		},
		{
			name: "duplicate switch names across sites",
			src: doc(
				"sites:",
				"  lab:",
				"    switches:",
				"      - name: sw1",
				snmpSwitch,
				"        address: 192.0.2.10",
				"  dc:",
				"    switches:",
				"      - address: 192.0.2.20",
				snmpSwitch,
				"        name: sw1",
			),
			want: []string{"inventory.yaml:13: sites.dc.switches[0] (sw1): name \"sw1\" is already used by sites.lab.switches[0] (sw1) at line 4"},
		},
		{
			name: "missing env secret",
			src:  doc("sites:", "  lab:", "    switches:", "      - name: sw1", snmpSwitch, "        address: 192.0.2.10"),
			env:  with("LAB_SNMP_COMMUNITY", ""),
			want: []string{"inventory.yaml:6: sites.lab.switches[0] (sw1): snmp.community_env: environment variable LAB_SNMP_COMMUNITY is unset or empty"},
		},
		{
			name: "empty env secret in defaults is reported once at the defaults",
			src: doc(
				"defaults:",
				"  snmp:",
				"    version: 2c",
				"    community_env: LAB_SNMP_COMMUNITY",
				"sites:",
				"  lab:",
				"    switches:",
				"      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10 }",
				"      - { name: sw2, vendor: netgear-gs110tp, address: 192.0.2.11 }",
			),
			env:  with("LAB_SNMP_COMMUNITY", ""),
			want: []string{"inventory.yaml:4: defaults: snmp.community_env: environment variable LAB_SNMP_COMMUNITY is unset or empty"},
		},
		{
			name: "missing secret file",
			src: doc("sites:", "  lab:", "    switches:", "      - name: sw1",
				"        vendor: netgear-gs110tp", "        address: 192.0.2.10",
				"        snmp:", "          version: 2c", "          community_file: secrets/nope"),
			want: []string{"inventory.yaml:9: sites.lab.switches[0] (sw1): snmp.community_file: cannot read ", filepath.Join("secrets", "nope") + ": no such file"},
		},
		{
			name: "inline secret refused",
			src: doc("sites:", "  lab:", "    switches:", "      - name: sw1",
				"        vendor: netgear-gs110tp", "        address: 192.0.2.10",
				"        snmp:", "          version: 2c", "          community: public"),
			want: []string{"inventory.yaml:9: sites.lab.switches[0] (sw1): snmp.community: inline secrets are refused; use community_env or community_file (or set allow_inline_secrets: true)"},
		},
		{
			name: "inline ssh password refused in site defaults",
			src: doc("sites:", "  lab:", "    defaults:", "      ssh: { username: u, password: hunter22 }", "    switches:",
				"      - { name: core, vendor: cisco-ios, address: core.example.net }"),
			want: []string{"inventory.yaml:4: sites.lab.defaults: ssh.password: inline secrets are refused; use password_env or password_file"},
		},
		{
			name: "env and file both given",
			src: doc("sites:", "  lab:", "    switches:", "      - name: sw1", "        vendor: netgear-gs110tp", "        address: 192.0.2.10",
				"        snmp:", "          version: 2c", "          community_env: LAB_SNMP_COMMUNITY", "          community_file: c.txt"),
			want: []string{"inventory.yaml:10: sites.lab.switches[0] (sw1): snmp.community: set only one of snmp.community_env, snmp.community_file"},
		},
		{
			name: "duration as a bare number",
			src:  doc("defaults:", "  snmp:", "    timeout: 5", "sites: {}"),
			want: []string{"inventory.yaml:3: defaults: snmp.timeout: expected a duration with a unit such as \"2s\" or \"500ms\", got an integer \"5\""},
		},
		{
			name: "duration too long",
			src:  doc("defaults:", "  ssh:", "    timeout: 10m", "sites: {}"),
			want: []string{"inventory.yaml:3: defaults: ssh.timeout: 10m0s is out of range; expected more than 0 and at most 5m0s"},
		},
		{
			name: "duration not a duration",
			src:  doc("defaults:", "  ssh:", "    timeout: soon", "sites: {}"),
			want: []string{"inventory.yaml:3: defaults: ssh.timeout \"soon\" is not a duration"},
		},
		{
			name: "retries not a number",
			src:  doc("defaults:", "  snmp:", "    retries: x", "sites: {}"),
			want: []string{"inventory.yaml:3: defaults: snmp.retries: expected an integer 0..10, got a string \"x\""},
		},
		{
			name: "retries out of range",
			src:  doc("defaults:", "  snmp:", "    retries: 11", "sites: {}"),
			want: []string{"inventory.yaml:3: defaults: snmp.retries: 11 is out of range; expected an integer 0..10"},
		},
		{
			name: "max_repetitions zero",
			src:  doc("defaults:", "  snmp:", "    max_repetitions: 0", "sites: {}"),
			want: []string{"inventory.yaml:3: defaults: snmp.max_repetitions: 0 is out of range; expected an integer 1..255"},
		},
		{
			name: "port as a quoted string",
			src:  doc("defaults:", "  snmp:", "    port: \"161\"", "sites: {}"),
			want: []string{"inventory.yaml:3: defaults: snmp.port: expected an integer 1..65535, got a string \"161\""},
		},
		{
			name: "snmp block is a list",
			src:  doc("defaults:", "  snmp: [1, 2]", "sites: {}"),
			want: []string{"inventory.yaml:2: defaults: snmp: expected a mapping, got a list"},
		},
		{
			name: "legacy_algorithms not a boolean",
			src:  doc("defaults:", "  ssh:", "    legacy_algorithms: maybe", "sites: {}"),
			want: []string{"inventory.yaml:3: defaults: ssh.legacy_algorithms: expected true or false, got a string \"maybe\""},
		},
		{
			name: "version 1",
			src:  doc("defaults:", "  snmp:", "    version: \"1\"", "sites: {}"),
			want: []string{"inventory.yaml:3: defaults: snmp.version \"1\" is not supported; expected \"2c\" or \"3\""},
		},
		{
			name: "v3 priv without auth",
			src: doc("sites:", "  lab:", "    switches:", "      - name: sw1", "        vendor: netgear-gs110tp", "        address: 192.0.2.10",
				"        snmp:", "          username: qosagent", "          priv_protocol: AES", "          priv_passphrase_env: QOSAGENT_SNMP_PRIV"),
			want: []string{"inventory.yaml:4: sites.lab.switches[0] (sw1): snmp.priv_protocol: AES needs auth_protocol too"},
		},
		{
			name: "v3 protocol inherited without passphrase",
			src: doc("defaults:", "  snmp: { username: q, auth_protocol: sha256 }", "sites:", "  lab:", "    switches:",
				"      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10 }"),
			want: []string{"inventory.yaml:6: sites.lab.switches[0] (sw1): snmp.auth_protocol: SHA256 (from defaults at line 2) needs a passphrase: set auth_passphrase_env or auth_passphrase_file"},
		},
		{
			name: "v3 passphrase without protocol",
			src: doc("sites:", "  lab:", "    switches:", "      - name: sw1", "        vendor: netgear-gs110tp", "        address: 192.0.2.10",
				"        snmp: { username: q, auth_passphrase_env: QOSAGENT_SNMP_AUTH }"),
			want: []string{"inventory.yaml:4: sites.lab.switches[0] (sw1): snmp.auth_passphrase: is set (sites.lab.switches[0] (sw1) at line 7) but auth_protocol is not"},
		},
		{
			name: "v3 passphrase too short",
			src: doc("sites:", "  lab:", "    switches:", "      - name: sw1", "        vendor: netgear-gs110tp", "        address: 192.0.2.10",
				"        snmp: { username: q, auth_protocol: md5, auth_passphrase_env: SHORT }"),
			env:  with("SHORT", "1234567"),
			want: []string{"inventory.yaml:7: sites.lab.switches[0] (sw1): snmp.auth_passphrase_env: the passphrase from env SHORT is shorter than 8 characters"},
		},
		{
			name: "v3 needs username",
			src:  doc("sites:", "  lab:", "    switches:", "      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10 }"),
			want: []string{"inventory.yaml:4: sites.lab.switches[0] (sw1): snmp.username: is required for version \"3\" (built-in default)"},
		},
		{
			name: "unknown auth protocol",
			src:  doc("defaults:", "  snmp: { auth_protocol: sha1 }", "sites: {}"),
			want: []string{"inventory.yaml:2: defaults: snmp.auth_protocol \"sha1\" is unknown; expected one of MD5, SHA, SHA224, SHA256, SHA384, SHA512"},
		},
		{
			name: "v2c without community",
			src: doc("defaults:", "  snmp: { version: 2c }", "sites:", "  lab:", "    switches:",
				"      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10 }"),
			want: []string{"inventory.yaml:6: sites.lab.switches[0] (sw1): snmp: version \"2c\" (from defaults at line 2) needs a community"},
		},
		{
			name: "ssh without credentials or agent",
			src:  doc("sites:", "  lab:", "    switches:", "      - { name: core, vendor: cisco-ios, address: core.example.net, ssh: { username: u } }"),
			want: []string{"inventory.yaml:4: sites.lab.switches[0] (core): ssh: needs key_file, password_env or password_file, or a running ssh-agent"},
		},
		{
			name: "ssh without username",
			src:  doc("sites:", "  lab:", "    switches:", "      - { name: core, vendor: cisco-ios, address: core.example.net, ssh: { password_env: QOSAGENT_SSH_PW } }"),
			want: []string{"inventory.yaml:4: sites.lab.switches[0] (core): ssh.username: is required"},
		},
		{
			name: "no sites",
			src:  doc("defaults: {}"),
			want: []string{"inventory.yaml:1: sites: at least one site is required"},
		},
		{
			name: "empty sites",
			src:  doc("sites: {}"),
			want: []string{"inventory.yaml:1: sites: at least one site is required"},
		},
		{
			name: "site without switches",
			src:  doc("sites:", "  lab:", "    defaults: {}"),
			want: []string{"inventory.yaml:2: sites.lab: switches: at least one switch is required"},
		},
		{
			name: "bad site name",
			src:  doc("sites:", "  lab one:", "    switches:", "      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10, snmp: { version: 2c, community_env: LAB_SNMP_COMMUNITY } }"),
			want: []string{"inventory.yaml:2: sites.lab one: site name \"lab one\" is invalid"},
		},
		{
			name: "bad switch name",
			src:  doc("sites:", "  lab:", "    switches:", "      - { name: \"sw/1\", vendor: netgear-gs110tp, address: 192.0.2.10, snmp: { version: 2c, community_env: LAB_SNMP_COMMUNITY } }"),
			want: []string{"inventory.yaml:4: sites.lab.switches[0] (sw/1): name \"sw/1\" is invalid"},
		},
		{
			name: "missing name",
			src:  doc("sites:", "  lab:", "    switches:", "      - { vendor: netgear-gs110tp, address: 192.0.2.10, snmp: { version: 2c, community_env: LAB_SNMP_COMMUNITY } }"),
			want: []string{"inventory.yaml:4: sites.lab.switches[0]: name: is required"},
		},
		{
			name: "missing address",
			src:  doc("sites:", "  lab:", "    switches:", "      - name: sw1", snmpSwitch),
			want: []string{"inventory.yaml:4: sites.lab.switches[0] (sw1): address: is required"},
		},
		{
			name: "key set twice",
			src:  doc("sites:", "  lab:", "    switches:", "      - name: sw1", snmpSwitch, "        address: 192.0.2.10", "        address: 192.0.2.11"),
			want: []string{"inventory.yaml:8: sites.lab.switches[0] (sw1): address: set twice; first at line 7"},
		},
		{
			name: "syntax error",
			src:  doc("sites:", "  lab:", "    switches: [", "  x: y"),
			want: []string{"inventory.yaml:", "YAML syntax: "},
		},
		{
			name: "tab indentation",
			src:  "sites:\n\tlab: {}\n",
			want: []string{"inventory.yaml:2: YAML syntax: lab: a tab in the indentation", "found character that cannot start any token"},
		},
		{
			name: "empty file",
			src:  "",
			want: []string{"inventory.yaml: the inventory is empty"},
		},
		{
			name: "two documents",
			src:  doc("sites: {}", "---", "sites: {}"),
			want: []string{"inventory.yaml:2: a second YAML document starts here"},
		},
		{
			name: "top level is a list",
			src:  doc("- a", "- b"),
			want: []string{"inventory.yaml:1: expected a mapping, got a list"},
		},
		{
			name: "~user path",
			src:  doc("policy: ~bob/policy.yaml", "sites: {}"),
			want: []string{"inventory.yaml:1: policy \"~bob/policy.yaml\": ~user is not supported"},
		},
		{
			name: "site defined twice",
			src: doc("sites:", "  lab:", "    switches:", "      - name: sw1", snmpSwitch, "        address: 192.0.2.10",
				"  lab:", "    switches: []"),
			want: []string{`site "lab" is defined twice; first at line 2`},
		},
		{
			name: "site name not a string",
			src:  doc("sites:", "  [lab]:", "    switches: []"),
			want: []string{"inventory.yaml:2:", "expected a site name, got"},
		},
		{
			name: "key not plain",
			src:  doc("defaults:", "  snmp:", "    {version: 2c}: x", "sites: {}"),
			want: []string{"inventory.yaml:3:", "expected a plain key, got"},
		},
		{
			name: "priv passphrase without priv protocol",
			src: doc("sites:", "  lab:", "    switches:", "      - name: sw1", "        vendor: netgear-gs110tp", "        address: 192.0.2.10",
				"        snmp: { version: \"3\", username: u, auth_protocol: SHA, auth_passphrase_env: QOSAGENT_SNMP_AUTH, priv_passphrase_env: QOSAGENT_SNMP_PRIV }"),
			want: []string{"snmp.priv_passphrase: is set", "but priv_protocol is not"},
		},
		{
			name: "host name too long",
			src:  doc("sites:", "  lab:", "    switches:", "      - name: sw1", snmpSwitch, "        address: "+strings.Repeat("a.", 130)+"example"),
			want: []string{"inventory.yaml:7: sites.lab.switches[0] (sw1): address: host name is longer than 253 characters"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if env == nil {
				env = testEnv
			}
			_, _, err := parseIn(t, t.TempDir(), tt.src, env)
			if err == nil {
				t.Fatalf("Parse succeeded; want an error containing %q", tt.want)
			}
			assertErrorLine(t, err, tt.want...)
			assertNoSecrets(t, err.Error(), env)
		})
	}
}

// assertErrorLine checks that one line of err contains every part.
func assertErrorLine(t *testing.T, err error, parts ...string) {
	t.Helper()
	for _, line := range strings.Split(err.Error(), "\n") {
		ok := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				ok = false
				break
			}
		}
		if ok {
			return
		}
	}
	t.Errorf("no error line contains all of %q; got:\n%v", parts, err)
}

// assertNoSecrets fails when a message holds the value of any variable of
// the test environment other than HOME.
func assertNoSecrets(t *testing.T, msg string, env map[string]string) {
	t.Helper()
	for k, v := range env {
		if k != "HOME" && v != "" && strings.Contains(msg, v) {
			t.Errorf("message leaks the value of %s:\n%s", k, msg)
		}
	}
}

func TestParseBadAddresses(t *testing.T) {
	tests := []struct{ addr, want string }{
		{`192.0.2.300`, `"192.0.2.300" is not a valid IPv4 address`},
		{`192.0.2.010`, `"192.0.2.010" is not a valid IPv4 address`},
		{`sw_1.lab.example`, `label "sw_1" may hold only letters, digits and '-'`},
		{`-sw1.example`, `label "-sw1" starts or ends with '-'`},
		{`sw1..example`, `empty label`},
		{`"[2001:db8::1"`, `has no closing ']'`},
		{`"[2001:db8::1]x"`, `unexpected "x" after ']'`},
		{`"[192.0.2.1]:161"`, `"192.0.2.1" in brackets is not an IPv6 address`},
		{`"2001:db8::zz"`, `is not an IPv6 address; write an IPv6 address with a port as [v6]:port`},
		{`sw1:0`, `port 0 is out of range; expected 1..65535`},
		{`sw1:65536`, `port 65536 is out of range`},
		{`"sw1:"`, `port is empty`},
		{`sw1:snmp`, `port "snmp" is not a number`},
		{`":161"`, `host is empty`},
		{`"[::1]:-1"`, `port "-1" is not a number`},
		{`"` + strings.Repeat("a", 64) + `.example"`, `is longer than 63 characters`},
		{`""`, `is required`},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			src := doc("sites:", "  lab:", "    switches:", "      - name: sw1", snmpSwitch, "        address: "+tt.addr)
			_, _, err := parseIn(t, t.TempDir(), src, testEnv)
			if err == nil {
				t.Fatalf("Parse accepted address %s", tt.addr)
			}
			line := "inventory.yaml:7: "
			if tt.addr == `""` {
				line = "inventory.yaml:4: "
			}
			assertErrorLine(t, err, line, "sites.lab.switches[0] (sw1): address", tt.want)
		})
	}
}

// Every problem is reported, not only the first, and each is an *Error.
func TestParseCollectsAllErrors(t *testing.T) {
	src := doc(
		"defaults:",
		"  snmp: { retries: x, timeout: 5 }",
		"sites:",
		"  lab:",
		"    switches:",
		"      - { name: sw1, vendor: nope, address: 192.0.2.300 }",
		"      - { name: sw1, vendor: cisco-ios, adress: x }",
	)
	_, _, err := parseIn(t, t.TempDir(), src, testEnv)
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	multi, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error is %T, want errors.Join", err)
	}
	errs := multi.Unwrap()
	for _, want := range []string{"snmp.retries", "snmp.timeout", "vendor \"nope\"", "address \"192.0.2.300\"", "already used", "adress: unknown key", "address: is required", "ssh.username"} {
		assertErrorLine(t, err, want)
	}
	prev := 0
	for _, e := range errs {
		var ie *Error
		if !errors.As(e, &ie) {
			t.Fatalf("%v is %T, want *Error", e, e)
		}
		if ie.Line < prev {
			t.Errorf("errors are not in line order: %d after %d", ie.Line, prev)
		}
		prev = ie.Line
	}
}

func TestLoadRefusesLargeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inventory.yaml")
	writeFile(t, path, "# "+strings.Repeat("x", maxInventorySize), 0o600)
	_, err := Load(path, Options{Vendors: testVendors, Getenv: getenv(testEnv)})
	var tl *fsutil.TooLargeError
	if err == nil || !strings.Contains(err.Error(), "larger than the inventory limit of 64 MiB") || !errors.As(err, &tl) {
		t.Fatalf("Load = %v; want a size error", err)
	}
	_, err = Parse(path, make([]byte, maxInventorySize+1), Options{})
	if err == nil || !strings.Contains(err.Error(), "larger than the inventory limit of 64 MiB") {
		t.Fatalf("Parse = %v; want a size error", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path, Options{})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load = %v; want an error naming %s", err, path)
	}
}

func TestSecretFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	src := doc("sites:", "  lab:", "    switches:", "      - name: sw1", "        vendor: netgear-gs110tp", "        address: 192.0.2.10",
		"        snmp: { version: 2c, community_file: . }")
	_, _, err := parseIn(t, dir, src, testEnv)
	if err == nil {
		t.Fatal("Parse accepted a folder as a secret file")
	}
	assertErrorLine(t, err, "inventory.yaml:7:", "snmp.community_file: ", "is not a regular file")
}

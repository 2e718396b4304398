package inventory

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var testVendors = map[string]Transport{
	"netgear-gs110tp": TransportSNMP,
	"cisco-ios":       TransportSSH,
}

// testEnv is the environment every test starts from; cases add to it.
var testEnv = map[string]string{
	"HOME":               "/home/tester",
	"LAB_SNMP_COMMUNITY": "c0mmunity-value",
	"QOSAGENT_SNMP_AUTH": "auth-passphrase-value",
	"QOSAGENT_SNMP_PRIV": "priv-passphrase-value",
	"QOSAGENT_SSH_PW":    "ssh-password-value",
}

// getenv serves the given variables and nothing else, so tests never see
// the real environment.
func getenv(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

// with returns testEnv plus or minus some variables ("" deletes).
func with(kv ...string) map[string]string {
	m := make(map[string]string)
	for k, v := range testEnv {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(m, kv[i])
		} else {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

// doc joins lines into a YAML document, so that a test can count lines.
func doc(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// parseIn writes nothing: it parses src as dir/inventory.yaml, with a logger
// whose output it returns.
func parseIn(t *testing.T, dir, src string, env map[string]string) (*Inventory, string, error) {
	t.Helper()
	var logs bytes.Buffer
	inv, err := Parse(filepath.Join(dir, "inventory.yaml"), []byte(src), Options{
		Vendors: testVendors,
		Getenv:  getenv(env),
		Logger:  slog.New(slog.NewTextHandler(&logs, nil)),
	})
	return inv, logs.String(), err
}

func mustParse(t *testing.T, src string, env map[string]string) *Inventory {
	t.Helper()
	inv, _, err := parseIn(t, t.TempDir(), src, env)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return inv
}

func writeFile(t testing.TB, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is filtered by umask
		t.Fatal(err)
	}
}

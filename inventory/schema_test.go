package inventory

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestKeysFromTheSchema pins the keys the decoder accepts, in the order
// messages list them: they are derived from snmpFields and sshFields.
func TestKeysFromTheSchema(t *testing.T) {
	wantSNMP := []string{"version", "port", "timeout", "retries", "community_env", "community_file", "community",
		"username", "auth_protocol", "auth_passphrase_env", "auth_passphrase_file", "auth_passphrase",
		"priv_protocol", "priv_passphrase_env", "priv_passphrase_file", "priv_passphrase", "context_name", "max_repetitions",
		"patience", "save_timeout"}
	wantSSH := []string{"port", "username", "key_file", "key_passphrase_env", "key_passphrase_file",
		"password_env", "password_file", "password", "enable_secret_env", "enable_secret_file", "enable_secret",
		"known_hosts", "timeout", "legacy_algorithms", "patience", "save_timeout"}
	if !slices.Equal(snmpKeys, wantSNMP) {
		t.Errorf("snmp keys %q", snmpKeys)
	}
	if !slices.Equal(sshKeys, wantSSH) {
		t.Errorf("ssh keys %q", sshKeys)
	}
}

// TestSwitchViewJSON pins what `inventory list --format json` shows of a
// switch: the inventory's own key names, secrets as their source only.
func TestSwitchViewJSON(t *testing.T) {
	sw := Switch{Site: "lab", Name: "sw1", Vendor: "netgear-gs110tp", Address: "192.0.2.1", Port: 161,
		SNMP: SNMP{Version: "3", Port: 161, Timeout: 2 * time.Second, Retries: 2, Username: "qosagent",
			AuthProtocol: "SHA", AuthPassphrase: NewSecret("s3cret-auth", "env A"), PrivProtocol: "AES",
			PrivPassphrase: NewSecret("s3cret-priv", "file /etc/p"), MaxRepetitions: 25, Patience: time.Minute}}
	got, err := marshal(sw.View(TransportSNMP))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"site":"lab","name":"sw1","vendor":"netgear-gs110tp","address":"192.0.2.1","port":161,"transport":"snmp",` +
		`"credentials":"v3 user qosagent authPriv","snmp":{"version":"3","timeout":"2s","retries":2,"username":"qosagent",` +
		`"auth_protocol":"SHA","auth_passphrase":"<secret from env A>","priv_protocol":"AES",` +
		`"priv_passphrase":"<secret from file /etc/p>","max_repetitions":25,"patience":"1m0s"}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	ssh := Switch{Site: "lab", Name: "core", Vendor: "cisco-ios", Address: "192.0.2.2", Port: 22,
		SSH: SSH{Port: 22, Username: "netops", KeyFile: "/k", KnownHosts: "/kh", Timeout: 10 * time.Second, LegacyAlgorithms: true,
			Patience: time.Minute, SaveTimeout: 90 * time.Second}}
	got, _ = marshal(ssh.View(TransportSSH))
	want = `{"site":"lab","name":"core","vendor":"cisco-ios","address":"192.0.2.2","port":22,"transport":"ssh",` +
		`"credentials":"ssh user netops","ssh":{"username":"netops","key_file":"/k","known_hosts":"/kh","timeout":"10s","legacy_algorithms":true,"patience":"1m0s","save_timeout":"1m30s"}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// marshal encodes as `inventory list` does: "<secret from ...>", not
// "\u003csecret...".
func marshal(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return strings.TrimSpace(b.String()), err
}

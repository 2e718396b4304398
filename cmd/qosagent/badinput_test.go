package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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
		{"huge file", string(good) + "#" + strings.Repeat("x", 65<<20) + "\n", "larger than the inventory limit of 64 MiB"},
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

// TestUnreadableFiles: an inventory, secret or policy file the user cannot
// read gives exit 3 naming the file, and no switch is contacted. Root reads
// any file, so as root the binary runs as nobody (65534).
func TestUnreadableFiles(t *testing.T) {
	l, inv := startLab(t, 1)
	// A directory every user can enter; t.TempDir's are 0700.
	dir, err := os.MkdirTemp("", "qosagent-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := builtQosagent(t)
	good, _ := os.ReadFile(inv)
	secret, _ := os.ReadFile(strings.TrimSuffix(inv, ".yaml") + ".community")
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return p
	}
	readable := write("readable.yaml", []byte(strings.Replace(string(good), "community_file: lab.community", "community_file: closed.community", 1)), 0o644)
	write("closed.community", secret, 0o000)
	closedInv := write("closed.yaml", good, 0o000)
	openSecret := write("open.community", secret, 0o600)
	if os.Geteuid() == 0 {
		if err := os.Chown(openSecret, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	fine := write("fine.yaml", []byte(strings.Replace(string(good), "community_file: lab.community", "community_file: open.community", 1)), 0o644)
	closedPolicy := write("closed-policy.yaml", []byte("classes: []\n"), 0o000)

	run := func(args []string) (int, string) {
		cmd := exec.Command(bin, append(args, "--history", "none")...)
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+dir, "XDG_STATE_HOME="+dir, "HOME="+dir)
		if os.Geteuid() == 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		cmd.Run()
		return cmd.ProcessState.ExitCode(), stderr.String()
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"inventory", []string{"audit", "-i", closedInv}, "closed.yaml"},
		{"secret file", []string{"audit", "-i", readable}, "closed.community"},
		{"policy file", []string{"audit", "-i", fine, "--policy", closedPolicy}, "closed-policy.yaml"},
		{"inventory, apply", []string{"apply", "-i", closedInv, "--all"}, "closed.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stderr := run(c.args)
			if code != agent.ExitInvalid || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "permission denied") {
				t.Fatalf("exit %d, stderr %q; want 3, %s and permission denied", code, stderr, c.want)
			}
		})
	}
	if n := requests(l); n != 0 {
		t.Fatalf("unreadable files still sent %d requests", n)
	}
	// The control: the same user reads fine.yaml and its secret, and audits.
	if code, stderr := run([]string{"audit", "-i", fine}); code != agent.ExitDrift {
		t.Fatalf("readable inventory: exit %d, stderr %q; want 1 (drift)", code, stderr)
	}
}

package cli_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/clisim"
	"github.com/qosagent/qosagent/internal/sshd"
	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors/cli"
	"github.com/qosagent/qosagent/vendors/cli/sshconn"
)

// TestThroughOpenSSH audits and applies through OpenSSH's sshd, an SSH server
// we did not write, whose ForceCommand runs our CLI simulator on the PTY.
// The simulator keeps the switch's state in a file between sessions.
func TestThroughOpenSSH(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "clisim")
	build := exec.Command("go", "build", "-o", bin, "github.com/qosagent/qosagent/internal/clisim/cmd/clisim")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build clisim: %v\n%s", err, out)
	}
	state := filepath.Join(t.TempDir(), "state.json")
	srv := sshd.Start(t, sshd.Options{ForceCommand: bin + " -dialect cisco-ios -hostname core-sw1 -enable-secret " + enable + " -state " + state})

	sw := inventory.Switch{Site: "lab", Name: "core-sw1", Vendor: "cisco-ios", Address: srv.Addr, Host: srv.Host, Port: srv.Port,
		SSH: inventory.SSH{Port: srv.Port, Username: srv.User, KeyFile: srv.KeyFile, EnableSecret: inventory.NewSecret(enable, "test"),
			KnownHosts: filepath.Join(t.TempDir(), "known_hosts"), Timeout: 10 * time.Second}}
	ctx := context.Background()

	// Unknown host: refused, with the fingerprint and the line to add.
	rep := engine(t, cli.Options{}).Audit(ctx, []inventory.Switch{sw})
	if r := rep.Switches[0]; r.Status != agent.StatusError || !strings.Contains(r.Error, "SHA256:") || !strings.Contains(r.Error, "accept-new-host-keys") {
		t.Fatalf("unknown host: %s %q\n%s", r.Status, r.Error, srv.Log())
	}
	if _, err := os.Stat(sw.SSH.KnownHosts); err == nil {
		t.Fatal("known_hosts written without --accept-new-host-keys")
	}
	// Explicit opt-in: the key is recorded and the audit runs.
	rep = engine(t, cli.Options{AcceptNewHostKeys: true}).Audit(ctx, []inventory.Switch{sw})
	if r := rep.Switches[0]; r.Status != agent.StatusDrift {
		t.Fatalf("audit: %s %q\n%s", r.Status, r.Error, srv.Log())
	}
	recorded, _ := os.ReadFile(sw.SSH.KnownHosts)
	if strings.TrimSpace(string(recorded)) != srv.KnownHostsLine {
		t.Fatalf("recorded %q, want %q", recorded, srv.KnownHostsLine)
	}

	// A read-only probe through OpenSSH: its identification and the
	// recorded key, without logging in (sshd logs no accepted login).
	probe := engine(t, cli.Options{}).Probe(ctx, []inventory.Switch{sw})
	if p := probe[0]; !p.OK || !strings.Contains(p.Detail, "SSH-2.0-OpenSSH") || !strings.Contains(p.Detail, "SHA256:") {
		t.Fatalf("probe: %+v\n%s", p, srv.Log())
	}

	// From now on strict checking, as in production.
	e := engine(t, cli.Options{})
	if rep = e.Apply(ctx, []inventory.Switch{sw}, false); rep.Switches[0].Status != agent.StatusChanged {
		t.Fatalf("apply: %+v\n%s", rep.Switches[0], srv.Log())
	}
	if rep = e.Audit(ctx, []inventory.Switch{sw}); rep.Switches[0].Status != agent.StatusCompliant {
		t.Fatalf("re-audit: %+v", rep.Switches[0])
	}
	// The simulator's saved state confirms what sshd's sessions did.
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	sim, _ := clisim.New("cisco-ios", "x")
	var st clisim.State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	if err := sim.Restore(st); err != nil {
		t.Fatal(err)
	}
	if sim.DSCPQueue(46) != 1 || !sim.Saved() || !sim.Running().QoS {
		t.Fatalf("switch state after apply: ef on %d, saved %v, qos %v", sim.DSCPQueue(46), sim.Saved(), sim.Running().QoS)
	}

	// A changed host key (another server on the same address) is refused.
	os.WriteFile(sw.SSH.KnownHosts, []byte(changedKeyLine(t, srv.Addr)+"\n"), 0o600)
	if _, err := read(t, sw, cli.Options{AcceptNewHostKeys: true}); !errors.Is(err, sshconn.ErrHostKeyChanged) {
		t.Fatalf("changed key accepted: %v", err)
	}
}

// changedKeyLine is a known_hosts line for addr with a key the server does not have.
func changedKeyLine(t *testing.T, addr string) string {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return knownhosts.Line([]string{knownhosts.Normalize(addr)}, key)
}

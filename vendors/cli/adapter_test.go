package cli_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/clisim"
	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/cli"
	"github.com/qosagent/qosagent/vendors/cli/sshconn"
)

const (
	user     = "netops"
	password = "s3cret-password"
	enable   = "en-secret-42"
)

type simSwitch struct {
	sim *clisim.Switch
	srv *clisim.SSHServer
	sw  inventory.Switch
}

// startSwitch serves a simulated switch over SSH and describes it as the
// inventory would, with its host key in a known_hosts file when known.
func startSwitch(t *testing.T, dialect string, known bool) simSwitch {
	t.Helper()
	return startVariant(t, dialect, clisim.Options{Hostname: "sw1"}, known)
}

func startVariant(t *testing.T, dialect string, o clisim.Options, known bool) simSwitch {
	t.Helper()
	s, err := clisim.NewWithOptions(dialect, o)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := clisim.ListenSSH(context.Background(), "127.0.0.1:0", s, clisim.SSHConfig{User: user, Password: password, EnableSecret: enable, Banner: "Authorised access only\n"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	kh := filepath.Join(t.TempDir(), "known_hosts")
	if known {
		line := knownhosts.Line([]string{knownhosts.Normalize(srv.Addr())}, srv.HostKey())
		if err := os.WriteFile(kh, []byte(line+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	host, port, _ := net.SplitHostPort(srv.Addr())
	p, _ := strconv.Atoi(port)
	sw := inventory.Switch{Site: "lab", Name: "sw1-" + dialect, Vendor: dialect, Address: srv.Addr(), Host: host, Port: p,
		SSH: inventory.SSH{Port: p, Username: user, Password: inventory.NewSecret(password, "test"),
			EnableSecret: inventory.NewSecret(enable, "test"), KnownHosts: kh, Timeout: 5 * time.Second}}
	return simSwitch{sim: s, srv: srv, sw: sw}
}

func engine(t *testing.T, opts cli.Options) *agent.Engine {
	ps, err := cli.Platforms(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &agent.Engine{Registry: vendors.NewRegistry(ps...), Policy: agent.DefaultPolicy(), Timeout: 30 * time.Second,
		Backups: agent.FileBackups{Dir: t.TempDir()}}
}

var dialects = []string{"cisco-ios", "cisco-sb", "netgear-fastpath"}

func TestAuditApplyAuditPerDialect(t *testing.T) {
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			s := startSwitch(t, d, true)
			e := engine(t, cli.Options{})
			ctx := context.Background()
			sws := []inventory.Switch{s.sw}
			rep := e.Audit(ctx, sws)
			if r := rep.Switches[0]; r.Status != agent.StatusDrift {
				t.Fatalf("audit: %s %s", r.Status, r.Error)
			}
			rep = e.Apply(ctx, sws, false)
			if r := rep.Switches[0]; r.Status != agent.StatusChanged {
				t.Fatalf("apply: %s %s", r.Status, r.Error)
			}
			if !s.sim.Saved() || s.sim.SaveCount() != 1 {
				t.Errorf("saved=%v count=%d", s.sim.Saved(), s.sim.SaveCount())
			}
			rep = e.Audit(ctx, sws)
			r := rep.Switches[0]
			if r.Status != agent.StatusCompliant {
				t.Fatalf("re-audit: %s %+v", r.Status, r.Findings)
			}
			top := *r.TopQueue
			if s.sim.DSCPQueue(46) != top || r.DSCPMap[46] != top {
				t.Errorf("EF on %d, top is %d", s.sim.DSCPQueue(46), top)
			}
		})
	}
}

// TestVariantsReadFromTheDevice: queue count, factory scheduler and per-port
// trust come from what the switch shows, and apply fixes every scope.
func TestVariantsReadFromTheDevice(t *testing.T) {
	tests := []struct {
		dialect string
		opts    clisim.Options
		edit    func(c *clisim.Config)
		queues  []int
		check   func(t *testing.T, r agent.SwitchResult)
	}{
		{"netgear-fastpath", clisim.Options{Hostname: "m4300", Queues: 7, NoMinBandwidth: true, NoMaxBandwidth: true}, nil, []int{0, 1, 2, 3, 4, 5, 6}, nil},
		{"cisco-sb", clisim.Options{Hostname: "sg350", Queues: 8}, nil, []int{1, 2, 3, 4, 5, 6, 7, 8}, func(t *testing.T, r agent.SwitchResult) {
			for _, f := range r.Findings {
				if f.Rule == agent.RuleEFTop && strings.Contains(f.Message, "not strict") {
					t.Errorf("the factory all-strict scheduler read as not strict: %s", f.Message)
				}
			}
			for _, c := range r.SchedulerChanges {
				t.Errorf("plan changes the factory all-strict scheduler: %+v", c)
			}
		}},
		{"cisco-sb", clisim.Options{Hostname: "sg300", AllStrictFactory: true}, func(c *clisim.Config) { c.Ifaces[2].Trust = "untrusted" }, []int{1, 2, 3, 4},
			func(t *testing.T, r agent.SwitchResult) {
				found := false
				for _, f := range r.Findings {
					found = found || f.Rule == agent.RuleTrust && f.Scope == "GigabitEthernet1/0/3"
				}
				if !found {
					t.Errorf("port GigabitEthernet1/0/3 untrusted, no finding: %+v", r.Findings)
				}
			}},
		{"netgear-fastpath", clisim.Options{Hostname: "m4100"}, func(c *clisim.Config) { c.Ifaces[4].Trust = "untrusted" }, []int{0, 1, 2, 3}, func(t *testing.T, r agent.SwitchResult) {
			found := false
			for _, f := range r.Findings {
				found = found || f.Rule == agent.RuleTrust && f.GotTrust == "untrusted"
			}
			if !found {
				t.Errorf("per-interface untrusted, no finding: %+v", r.Findings)
			}
		}},
		{"cisco-ios", clisim.Options{Hostname: "c3750", StackPorts: true}, nil, []int{2, 3, 4, 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.dialect+"/"+tt.opts.Hostname, func(t *testing.T) {
			s := startVariant(t, tt.dialect, tt.opts, true)
			if tt.edit != nil {
				if err := s.sim.Edit(tt.edit); err != nil {
					t.Fatal(err)
				}
			}
			e := engine(t, cli.Options{})
			ctx := context.Background()
			sws := []inventory.Switch{s.sw}
			r := e.Audit(ctx, sws).Switches[0]
			if r.Status != agent.StatusDrift {
				t.Fatalf("audit: %s %s", r.Status, r.Error)
			}
			if !reflect.DeepEqual(r.Queues, tt.queues) {
				t.Errorf("queues %v, want %v", r.Queues, tt.queues)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
			if r := e.Apply(ctx, sws, false).Switches[0]; r.Status != agent.StatusChanged {
				t.Fatalf("apply: %s %s %+v", r.Status, r.Error, r.Findings)
			}
			if r := e.Audit(ctx, sws).Switches[0]; r.Status != agent.StatusCompliant {
				t.Fatalf("re-audit: %s %s %+v", r.Status, r.Error, r.Findings)
			}
			if !s.sim.Saved() {
				t.Error("not saved")
			}
		})
	}
}

// TestUnsavedRunningConfigIsDrift: a running config at the policy that was
// never saved reboots to the factory map. Audit says so (rule saved), and
// apply saves it though nothing needs writing, then verifies the save.
func TestUnsavedRunningConfigIsDrift(t *testing.T) {
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			s := startSwitch(t, d, true)
			e := engine(t, cli.Options{})
			ctx := context.Background()
			sws := []inventory.Switch{s.sw}
			factory := s.sim.Snapshot()
			if r := e.Apply(ctx, sws, false).Switches[0]; r.Status != agent.StatusChanged {
				t.Fatalf("apply: %s %s", r.Status, r.Error)
			}
			// Back to factory on flash only: the running config stays at target.
			st := s.sim.Snapshot()
			st.Startup = factory.Startup
			if err := s.sim.Restore(st); err != nil {
				t.Fatal(err)
			}
			r := e.Audit(ctx, sws).Switches[0]
			saved := false
			for _, f := range r.Findings {
				saved = saved || f.Rule == agent.RuleSaved
			}
			if r.Status != agent.StatusDrift || !saved || len(r.Findings) != 1 {
				t.Fatalf("audit: %s %+v; want drift with only the saved rule", r.Status, r.Findings)
			}
			before := s.sim.SaveCount()
			if r := e.Apply(ctx, sws, true).Switches[0]; r.Status != agent.StatusPlanned || !r.Save || r.ChangeCount() != 1 {
				t.Fatalf("dry run: %s save=%v changes=%d", r.Status, r.Save, r.ChangeCount())
			}
			r = e.Apply(ctx, sws, false).Switches[0]
			if r.Status != agent.StatusChanged || s.sim.SaveCount() != before+1 || !s.sim.Saved() {
				t.Fatalf("apply: %s %s, saves %d -> %d", r.Status, r.Error, before, s.sim.SaveCount())
			}
			if r.Backup != "" {
				t.Errorf("a save-only apply took a backup: %s", r.Backup)
			}
			if r := e.Audit(ctx, sws).Switches[0]; r.Status != agent.StatusCompliant {
				t.Fatalf("re-audit: %s %+v", r.Status, r.Findings)
			}
		})
	}
}

func TestCLIErrorMidSessionRestoresBackup(t *testing.T) {
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			s := startSwitch(t, d, true)
			before := s.sim.Running()
			// The last lines of every plan set trust; refuse them after the
			// map lines went in.
			fail := map[string]string{"cisco-ios": "mls qos trust", "cisco-sb": "priority-queue", "netgear-fastpath": "classofservice trust"}[d]
			s.sim.SetFaults(clisim.Faults{FailCommand: fail})
			rep := engine(t, cli.Options{}).Apply(context.Background(), []inventory.Switch{s.sw}, false)
			r := rep.Switches[0]
			if r.Status != agent.StatusError || !strings.Contains(r.Error, "refused") || !strings.Contains(r.Error, "rolled back to backup") {
				t.Fatalf("status %s error %q", r.Status, r.Error)
			}
			if got := s.sim.Running(); !equalConfig(got, before) {
				t.Fatalf("switch not at its backup:\n got %+v\nwant %+v", got, before)
			}
			if s.sim.SaveCount() != 0 {
				t.Fatal("a failed change was saved")
			}
		})
	}
}

func equalConfig(a, b clisim.Config) bool { return reflect.DeepEqual(a, b) }

// TestRefusedSaveIsAnError: a switch that saves nothing must not be
// reported changed; the change stays in the running config only.
func TestRefusedSaveIsAnError(t *testing.T) {
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			s := startSwitch(t, d, true)
			s.sim.SetFaults(clisim.Faults{RefuseSave: true})
			rep := engine(t, cli.Options{}).Apply(context.Background(), []inventory.Switch{s.sw}, false)
			r := rep.Switches[0]
			if r.Status != agent.StatusError || !strings.Contains(r.Error, "saving to startup config failed") {
				t.Fatalf("status %s error %q", r.Status, r.Error)
			}
			if s.sim.SaveCount() != 0 {
				t.Fatal("saved despite the fault")
			}
		})
	}
}

func TestSessionCutMidConfigReconnectsAndRollsBack(t *testing.T) {
	s := startSwitch(t, "cisco-ios", true)
	before := s.sim.Running()
	s.sim.SetFaults(clisim.Faults{DropAfterConfigLines: 4, DropOnce: true})
	e := engine(t, cli.Options{})
	rep := e.Apply(context.Background(), []inventory.Switch{s.sw}, false)
	r := rep.Switches[0]
	if r.Status != agent.StatusError {
		t.Fatalf("status %s", r.Status)
	}
	if !strings.Contains(r.Error, "rolled back to backup") {
		t.Fatalf("error %q", r.Error)
	}
	if got := s.sim.Running(); !equalConfig(got, before) {
		t.Fatalf("switch half-written:\n got %+v\nwant %+v", got, before)
	}
}

func TestHostKeys(t *testing.T) {
	s := startSwitch(t, "cisco-ios", false)
	_, err := read(t, s.sw, cli.Options{})
	if !errors.Is(err, sshconn.ErrHostKeyUnknown) || !strings.Contains(err.Error(), "SHA256:") {
		t.Fatalf("unknown host: %v", err)
	}
	if _, err := read(t, s.sw, cli.Options{AcceptNewHostKeys: true}); err != nil {
		t.Fatalf("accept-new: %v", err)
	}
	fi, err := os.Stat(s.sw.SSH.KnownHosts)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("known_hosts: %v %v", fi, err)
	}
	if _, err := read(t, s.sw, cli.Options{}); err != nil {
		t.Fatalf("recorded key not accepted: %v", err)
	}
	// Another switch answering on the same address: a changed key is refused,
	// even with accept-new.
	other := startSwitch(t, "cisco-ios", false)
	imposter := s.sw
	imposter.Address, imposter.Port = other.sw.Address, other.sw.Port
	data, _ := os.ReadFile(s.sw.SSH.KnownHosts)
	line := strings.Replace(string(data), knownhosts.Normalize(s.srv.Addr()), knownhosts.Normalize(other.srv.Addr()), 1)
	os.WriteFile(imposter.SSH.KnownHosts, []byte(line), 0o600)
	if _, err := read(t, imposter, cli.Options{AcceptNewHostKeys: true}); !errors.Is(err, sshconn.ErrHostKeyChanged) {
		t.Fatalf("changed key: %v", err)
	}
}

func TestWrongEnableSecret(t *testing.T) {
	s := startSwitch(t, "cisco-ios", true)
	s.sw.SSH.EnableSecret = inventory.NewSecret("wrong-secret", "test")
	_, err := read(t, s.sw, cli.Options{})
	if err == nil || !strings.Contains(err.Error(), "enable refused") || strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("err = %v", err)
	}
}

func read(t *testing.T, sw inventory.Switch, opts cli.Options) (vendors.State, error) {
	t.Helper()
	ps, _ := cli.Platforms(opts)
	for _, p := range ps {
		if p.Name == sw.Vendor {
			a, err := p.Open(sw)
			if err != nil {
				return vendors.State{}, err
			}
			defer a.Close()
			return a.Read(context.Background())
		}
	}
	t.Fatalf("no platform %s", sw.Vendor)
	return vendors.State{}, nil
}

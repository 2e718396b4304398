// Package lab starts a site of simulated switches on loopback and writes the
// inventory that reaches them, for `qosagent demo`, `qosagent lab` and tests:
// GS110TPs over real SNMP and Cisco-like CLI switches over real SSH.
package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gosnmp/gosnmp"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/qosagent/qosagent/internal/clisim"
	"github.com/qosagent/qosagent/internal/fsutil"
	"github.com/qosagent/qosagent/internal/sim"
	"github.com/qosagent/qosagent/inventory"
)

// Site is the name of the lab's site in the inventory it writes.
const Site = "lab"

// CLIDialects are the CLI platforms a lab cycles through.
var CLIDialects = []string{"cisco-ios", "cisco-sb", "netgear-fastpath"}

// Config says how many switches of each kind to start, and the network
// they sit behind.
type Config struct {
	SNMP int // GS110TPs
	CLI  int // CLI switches, cycling through CLIDialects
	// RTT is the round trip time every switch simulates (sim.ServerConfig.RTT,
	// clisim.SSHConfig.RTT); 0 is plain loopback.
	RTT time.Duration
	// Loss is the fraction (0..1) of SNMP requests, and of SSH writes, lost
	// on the way; which ones follows from Seed, so runs are reproducible.
	// Switch i (0-based, SNMP then CLI) uses seed Seed+i.
	Loss float64
	Seed uint64
	// Sites spreads the switches round-robin over this many sites, named
	// lab1..labN; 0 or 1 puts them all in site Site ("lab").
	Sites int
	// SiteRTT, when set, overrides RTT for the switches of site n (0-based)
	// where SiteRTT[n] > 0: a site behind a slow WAN link.
	SiteRTT []time.Duration
	// Spawn starts another process of the lab when its GS110TPs need more
	// sockets than one process may open (RLIMIT_NOFILE): the command it
	// returns must call ServeShard (see Self). Nil keeps the lab in one
	// process and refuses a fleet that does not fit.
	Spawn func() (*exec.Cmd, error)
	// PerProcess caps the GS110TPs of one process; 0 derives it from
	// RLIMIT_NOFILE. Tests set it to spread a small lab over processes.
	PerProcess int
	// CLIVariants picks the hardware variant of each CLI dialect (7-queue
	// FASTPATH, 8-queue small business, stacked Catalyst port names, ...);
	// a dialect not named runs its default variant.
	CLIVariants map[string]clisim.Options
	// SNMPVersion is "2c" (the default when empty: a community) or "3":
	// the GS110TPs then answer only an SNMPv3 user at authPriv (SHA, AES).
	SNMPVersion string
}

// V3User is the SNMPv3 user name of a lab started with SNMPVersion "3".
const V3User = "qosagent-lab"

// pacing picks the inventory's timeouts and retries for the lab's RTTs and
// loss, so that a slow or lossy lab is still read: an SNMP timeout of at
// least 3 RTTs (1 s minimum), enough retries that a switch fails with
// probability under 1/1000, and an SSH timeout of at least 10 RTTs (5 s).
func (c Config) pacing() (snmpTimeout time.Duration, retries int, sshTimeout time.Duration) {
	rtt := c.RTT
	for _, r := range c.SiteRTT {
		rtt = max(rtt, r)
	}
	retries = 1
	for retries < 10 && math.Pow(c.Loss, float64(retries+1)) >= 1e-3 {
		retries++
	}
	return max(time.Second, 3*rtt), retries, max(5*time.Second, 10*rtt)
}

// rttOf returns the RTT of switch j (0-based, SNMP switches first).
func (c Config) rttOf(j int) time.Duration {
	if n := j % max(c.Sites, 1); n < len(c.SiteRTT) && c.SiteRTT[n] > 0 {
		return c.SiteRTT[n]
	}
	return c.RTT
}

// Lab is a running set of simulated switches.
type Lab struct {
	// Switches are the GS110TPs served by this process: all of them unless
	// the lab spans processes (Config.Spawn); Counters covers every one.
	Switches    []*sim.GS110TP
	CLISwitches []*clisim.Switch
	snmp        []*sim.Server
	addrs       []string // every GS110TP's address, this process's first
	shards      []*shard
	ssh         []*clisim.SSHServer
	cfg         Config
	community   string
	password    string
	enable      string
	authPass    string // SNMPv3
	privPass    string
}

func randomSecret(prefix string) (string, error) {
	buf := make([]byte, 12)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(buf), nil
}

// Start serves the switches on loopback, each on its own port, with
// factory defaults and fresh random credentials. GS110TPs are spread over
// 127.0.0.1, 127.0.0.2, ... on ports outside the kernel's ephemeral range
// (ports), so that however many there are, the auditor still finds local
// ports for its own sockets; CLI switches listen on 127.0.0.1. A lab with
// more GS110TPs than one process may hold sockets for runs the rest in
// processes started with cfg.Spawn.
func Start(ctx context.Context, cfg Config) (*Lab, error) {
	if cfg.SNMP < 0 || cfg.CLI < 0 || cfg.SNMP+cfg.CLI < 1 {
		return nil, fmt.Errorf("lab needs at least one switch")
	}
	if cfg.SNMPVersion != "" && cfg.SNMPVersion != "2c" && cfg.SNMPVersion != "3" {
		return nil, fmt.Errorf("lab: SNMP version %q: expected 2c or 3", cfg.SNMPVersion)
	}
	if cfg.RTT < 0 || !(cfg.Loss >= 0 && cfg.Loss <= 1) || cfg.Sites < 0 {
		return nil, fmt.Errorf("lab: RTT %s, loss %v, sites %d: expected RTT >= 0, loss in 0..1, sites >= 0", cfg.RTT, cfg.Loss, cfg.Sites)
	}
	plan, err := cfg.split()
	if err != nil {
		return nil, err
	}
	l := &Lab{cfg: cfg, Switches: make([]*sim.GS110TP, 0, plan[0]), snmp: make([]*sim.Server, 0, plan[0])}
	for _, s := range []*string{&l.community, &l.password, &l.enable, &l.authPass, &l.privPass} {
		if *s, err = randomSecret("lab-"); err != nil {
			return nil, err
		}
	}
	// The other processes start first: they bind in parallel with this one.
	first := plan[0]
	for k, n := range plan[1:] {
		sh, err := startShard(cfg, shardSpec{Shard: k + 1, First: first, Count: n, Secrets: l.snmpSecrets(),
			RTT: cfg.RTT, Loss: cfg.Loss, Seed: cfg.Seed, Sites: cfg.Sites, SiteRTT: cfg.SiteRTT})
		if err != nil {
			l.Close()
			return nil, err
		}
		l.shards = append(l.shards, sh)
		first += n
	}
	ports := newPorts(0)
	for i := 1; i <= plan[0]; i++ {
		sw, srv, err := serveOne(ctx, ports, i-1, cfg, l.snmpSecrets())
		if err != nil {
			l.Close()
			return nil, err
		}
		l.Switches = append(l.Switches, sw)
		l.snmp = append(l.snmp, srv)
		l.addrs = append(l.addrs, srv.Addr())
	}
	for _, sh := range l.shards {
		addrs, err := sh.ready()
		if err != nil {
			l.Close()
			return nil, err
		}
		l.addrs = append(l.addrs, addrs...)
	}
	for i := 1; i <= cfg.CLI; i++ {
		dialect := CLIDialects[(i-1)%len(CLIDialects)]
		o := cfg.CLIVariants[dialect]
		o.Hostname = fmt.Sprintf("lab-cli%d", i)
		sw, err := clisim.NewWithOptions(dialect, o)
		if err != nil {
			l.Close()
			return nil, err
		}
		srv, err := clisim.ListenSSH(ctx, "127.0.0.1:0", sw, clisim.SSHConfig{User: "lab", Password: l.password, EnableSecret: l.enable,
			Banner: "Simulated switch for qosagent lab: authorised use only\n",
			RTT:    cfg.rttOf(cfg.SNMP + i - 1), Loss: cfg.Loss, Seed: cfg.Seed + uint64(cfg.SNMP+i-1)})
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("start simulated CLI switch %d: %w", i, err)
		}
		l.CLISwitches = append(l.CLISwitches, sw)
		l.ssh = append(l.ssh, srv)
	}
	return l, nil
}

// serveOne starts GS110TP j (0-based, over the whole lab) on the next free
// address of ports.
func serveOne(ctx context.Context, ports *ports, j int, cfg Config, sec snmpSecrets) (*sim.GS110TP, *sim.Server, error) {
	sw := sim.NewGS110TP(fmt.Sprintf("lab-sw%d", j+1))
	sc := sim.ServerConfig{Community: sec.Community, RTT: cfg.rttOf(j), Loss: cfg.Loss, Seed: cfg.Seed + uint64(j)} //nolint:gosec // j >= 0
	if sec.Version == "3" {
		sc.Community = ""
		sc.V3 = &sim.V3User{UserName: V3User, AuthProtocol: gosnmp.SHA, AuthPassphrase: sec.AuthPass,
			PrivProtocol: gosnmp.AES, PrivPassphrase: sec.PrivPass}
	}
	for {
		addr, err := ports.next()
		if err != nil {
			return nil, nil, fmt.Errorf("start simulated switch %d: %w", j+1, err)
		}
		srv, err := sim.ListenSNMP(ctx, addr, sw, sc)
		if err == nil {
			return sw, srv, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, fmt.Errorf("start simulated switch %d: %w", j+1, err)
		}
		// Taken by another program, or another lab: try the next one.
	}
}

// snmpSecrets are what a GS110TP of the lab answers to, in every process.
type snmpSecrets struct {
	Version, Community, AuthPass, PrivPass string
}

func (l *Lab) snmpSecrets() snmpSecrets {
	return snmpSecrets{Version: l.cfg.SNMPVersion, Community: l.community, AuthPass: l.authPass, PrivPass: l.privPass}
}

// Addr returns the UDP address of GS110TP i (0-based).
func (l *Lab) Addr(i int) string { return l.addrs[i] }

// NumSNMP is the number of GS110TPs over every process of the lab.
func (l *Lab) NumSNMP() int { return len(l.addrs) }

// Processes is the number of processes serving the lab, this one included.
func (l *Lab) Processes() int { return 1 + len(l.shards) }

// CLIAddr returns the SSH address of CLI switch i (0-based).
func (l *Lab) CLIAddr(i int) string { return l.ssh[i].Addr() }

// SiteName returns the name of site n (0-based) in the inventory: Site when
// the lab has one site, lab1, lab2, ... otherwise.
func (l *Lab) SiteName(n int) string {
	if l.cfg.Sites <= 1 {
		return Site
	}
	return fmt.Sprintf("%s%d", Site, n+1)
}

// Close stops every simulated switch.
func (l *Lab) Close() error {
	var errs []error
	for _, sh := range l.shards {
		errs = append(errs, sh.close())
	}
	for _, s := range l.snmp {
		errs = append(errs, s.Close())
	}
	for _, s := range l.ssh {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// Inventory writes the lab's inventory at path (WriteInventory) and loads
// it through the real loader, as `qosagent audit -i` would; it returns
// every switch. transports are the vendor names the caller's registry knows.
func (l *Lab) Inventory(path string, transports map[string]inventory.Transport) ([]inventory.Switch, error) {
	if err := l.WriteInventory(path); err != nil {
		return nil, err
	}
	inv, err := inventory.Load(path, inventory.Options{Vendors: transports})
	if err != nil {
		return nil, fmt.Errorf("lab inventory: %w", err)
	}
	return inv.Select(nil, nil)
}

// WriteInventory writes an inventory for the lab at path. Secrets go to 0600
// files beside it, referenced with *_file as a real inventory would, and the
// CLI switches' host keys to a known_hosts file, so host keys are verified
// strictly as in production.
func (l *Lab) WriteInventory(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(abs, filepath.Ext(abs))
	files := map[string]string{".community": l.community, ".password": l.password, ".enable": l.enable}
	if l.cfg.SNMPVersion == "3" {
		files = map[string]string{".auth": l.authPass, ".priv": l.privPass, ".password": l.password, ".enable": l.enable}
	}
	for ext, secret := range files {
		if err := fsutil.WriteAtomic(base+ext, []byte(secret+"\n"), 0o600); err != nil {
			return err
		}
	}
	var kh strings.Builder
	for _, srv := range l.ssh {
		kh.WriteString(knownhosts.Line([]string{knownhosts.Normalize(srv.Addr())}, srv.HostKey()) + "\n")
	}
	if err := fsutil.WriteAtomic(base+".known_hosts", []byte(kh.String()), 0o600); err != nil {
		return err
	}
	name := filepath.Base(base)
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by `qosagent lab`: %d simulated GS110TPs (SNMP) and %d CLI switches (SSH) on loopback.\n", len(l.addrs), len(l.ssh))
	if l.cfg.SNMPVersion == "3" {
		b.WriteString("defaults:\n  snmp:\n    version: \"3\"\n")
		fmt.Fprintf(&b, "    username: %s\n    auth_protocol: SHA\n    auth_passphrase_file: %s.auth\n    priv_protocol: AES\n    priv_passphrase_file: %s.priv\n", V3User, name, name)
	} else {
		b.WriteString("defaults:\n  snmp:\n    version: \"2c\"\n")
		fmt.Fprintf(&b, "    community_file: %s.community\n", name)
	}
	snmpTimeout, retries, sshTimeout := l.cfg.pacing()
	fmt.Fprintf(&b, "    timeout: %s\n    retries: %d\n", snmpTimeout, retries)
	b.WriteString("  ssh:\n    username: lab\n")
	fmt.Fprintf(&b, "    password_file: %s.password\n    enable_secret_file: %s.enable\n    known_hosts: %s.known_hosts\n", name, name, name)
	fmt.Fprintf(&b, "    timeout: %s\n", sshTimeout)
	b.WriteString("sites:\n")
	sites := make([]strings.Builder, max(l.cfg.Sites, 1))
	for i, addr := range l.addrs {
		fmt.Fprintf(&sites[i%len(sites)], "      - name: lab-sw%d\n        vendor: netgear-gs110tp\n        address: %s\n", i+1, addr)
	}
	for i, sw := range l.CLISwitches {
		j := len(l.addrs) + i
		fmt.Fprintf(&sites[j%len(sites)], "      - name: lab-cli%d\n        vendor: %s\n        address: %s\n", i+1, sw.Dialect(), l.CLIAddr(i))
	}
	for n := range sites {
		if sites[n].Len() == 0 {
			continue // more sites than switches
		}
		fmt.Fprintf(&b, "  %s:\n    switches:\n%s", l.SiteName(n), sites[n].String())
	}
	return fsutil.WriteAtomic(abs, []byte(b.String()), 0o600)
}

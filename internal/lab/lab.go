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
	"path/filepath"
	"strings"
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
	Switches    []*sim.GS110TP
	CLISwitches []*clisim.Switch
	snmp        []*sim.Server
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

// Start serves the switches on 127.0.0.1, each on its own port, with
// factory defaults and fresh random credentials.
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
	l := &Lab{cfg: cfg, Switches: make([]*sim.GS110TP, 0, cfg.SNMP), snmp: make([]*sim.Server, 0, cfg.SNMP)}
	var err error
	for _, s := range []*string{&l.community, &l.password, &l.enable, &l.authPass, &l.privPass} {
		if *s, err = randomSecret("lab-"); err != nil {
			return nil, err
		}
	}
	for i := 1; i <= cfg.SNMP; i++ {
		sw := sim.NewGS110TP(fmt.Sprintf("lab-sw%d", i))
		sc := sim.ServerConfig{Community: l.community, RTT: cfg.rttOf(i - 1), Loss: cfg.Loss, Seed: cfg.Seed + uint64(i-1)}
		if cfg.SNMPVersion == "3" {
			sc.Community = ""
			sc.V3 = &sim.V3User{UserName: V3User, AuthProtocol: gosnmp.SHA, AuthPassphrase: l.authPass,
				PrivProtocol: gosnmp.AES, PrivPassphrase: l.privPass}
		}
		srv, err := sim.ListenSNMP(ctx, "127.0.0.1:0", sw, sc)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("start simulated switch %d: %w", i, err)
		}
		l.Switches = append(l.Switches, sw)
		l.snmp = append(l.snmp, srv)
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

// Addr returns the UDP address of GS110TP i (0-based).
func (l *Lab) Addr(i int) string { return l.snmp[i].Addr() }

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
	fmt.Fprintf(&b, "# Written by `qosagent lab`: %d simulated GS110TPs (SNMP) and %d CLI switches (SSH) on loopback.\n", len(l.snmp), len(l.ssh))
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
	for i, sw := range l.Switches {
		fmt.Fprintf(&sites[i%len(sites)], "      - name: %s\n        vendor: netgear-gs110tp\n        address: %s\n", sw.Name(), l.Addr(i))
	}
	for i, sw := range l.CLISwitches {
		j := len(l.Switches) + i
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

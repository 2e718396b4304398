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
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/qosagent/qosagent/internal/clisim"
	"github.com/qosagent/qosagent/internal/sim"
)

// Site is the name of the lab's site in the inventory it writes.
const Site = "lab"

// CLIDialects are the CLI platforms a lab cycles through.
var CLIDialects = []string{"cisco-ios", "cisco-sb", "netgear-fastpath"}

// Config says how many switches of each kind to start.
type Config struct {
	SNMP int // GS110TPs
	CLI  int // CLI switches, cycling through CLIDialects
}

// Lab is a running set of simulated switches.
type Lab struct {
	Switches    []*sim.GS110TP
	CLISwitches []*clisim.Switch
	snmp        []*sim.Server
	ssh         []*clisim.SSHServer
	community   string
	password    string
	enable      string
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
	l := &Lab{}
	var err error
	for _, s := range []*string{&l.community, &l.password, &l.enable} {
		if *s, err = randomSecret("lab-"); err != nil {
			return nil, err
		}
	}
	for i := 1; i <= cfg.SNMP; i++ {
		sw := sim.NewGS110TP(fmt.Sprintf("lab-sw%d", i))
		srv, err := sim.ListenSNMP(ctx, "127.0.0.1:0", sw, sim.ServerConfig{Community: l.community})
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("start simulated switch %d: %w", i, err)
		}
		l.Switches = append(l.Switches, sw)
		l.snmp = append(l.snmp, srv)
	}
	for i := 1; i <= cfg.CLI; i++ {
		dialect := CLIDialects[(i-1)%len(CLIDialects)]
		sw, err := clisim.New(dialect, fmt.Sprintf("lab-cli%d", i))
		if err != nil {
			l.Close()
			return nil, err
		}
		srv, err := clisim.ListenSSH(ctx, "127.0.0.1:0", sw, clisim.SSHConfig{User: "lab", Password: l.password, EnableSecret: l.enable,
			Banner: "Simulated switch for qosagent lab: authorised use only\n"})
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
	for ext, secret := range files {
		if err := writeFile(base+ext, []byte(secret+"\n")); err != nil {
			return err
		}
	}
	var kh strings.Builder
	for _, srv := range l.ssh {
		kh.WriteString(knownhosts.Line([]string{knownhosts.Normalize(srv.Addr())}, srv.HostKey()) + "\n")
	}
	if err := writeFile(base+".known_hosts", []byte(kh.String())); err != nil {
		return err
	}
	name := filepath.Base(base)
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by `qosagent lab`: %d simulated GS110TPs (SNMP) and %d CLI switches (SSH) on loopback.\n", len(l.snmp), len(l.ssh))
	b.WriteString("defaults:\n  snmp:\n    version: \"2c\"\n")
	fmt.Fprintf(&b, "    community_file: %s.community\n", name)
	b.WriteString("    timeout: 1s\n    retries: 1\n")
	b.WriteString("  ssh:\n    username: lab\n")
	fmt.Fprintf(&b, "    password_file: %s.password\n    enable_secret_file: %s.enable\n    known_hosts: %s.known_hosts\n", name, name, name)
	b.WriteString("    timeout: 5s\n")
	fmt.Fprintf(&b, "sites:\n  %s:\n    switches:\n", Site)
	for i, sw := range l.Switches {
		fmt.Fprintf(&b, "      - name: %s\n        vendor: netgear-gs110tp\n        address: %s\n", sw.Name(), l.Addr(i))
	}
	for i, sw := range l.CLISwitches {
		fmt.Fprintf(&b, "      - name: lab-cli%d\n        vendor: %s\n        address: %s\n", i+1, sw.Dialect(), l.CLIAddr(i))
	}
	return writeFile(abs, []byte(b.String()))
}

// writeFile writes 0600 through a temporary file and a rename.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lab-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

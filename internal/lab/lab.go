// Package lab starts a site of simulated switches on loopback and writes the
// inventory that reaches them, for `qosagent demo`, `qosagent lab` and tests.
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

	"github.com/qosagent/qosagent/internal/sim"
)

// Site is the name of the lab's site in the inventory it writes.
const Site = "lab"

// Lab is a running set of simulated switches.
type Lab struct {
	Switches  []*sim.GS110TP
	servers   []*sim.Server
	community string
}

// Start serves n factory-default GS110TPs on 127.0.0.1, each on its own port.
func Start(ctx context.Context, n int) (*Lab, error) {
	if n < 1 {
		return nil, fmt.Errorf("lab needs at least one switch, got %d", n)
	}
	buf := make([]byte, 12)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	l := &Lab{community: "lab-" + hex.EncodeToString(buf)}
	for i := 1; i <= n; i++ {
		sw := sim.NewGS110TP(fmt.Sprintf("lab-sw%d", i))
		srv, err := sim.ListenSNMP(ctx, "127.0.0.1:0", sw, sim.ServerConfig{Community: l.community})
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("start simulated switch %d: %w", i, err)
		}
		l.Switches = append(l.Switches, sw)
		l.servers = append(l.servers, srv)
	}
	return l, nil
}

// Addr returns the UDP address of switch i (0-based).
func (l *Lab) Addr(i int) string { return l.servers[i].Addr() }

// Close stops every simulated switch.
func (l *Lab) Close() error {
	var errs []error
	for _, s := range l.servers {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// WriteInventory writes an inventory for the lab at path, with the community
// in a 0600 file beside it, referenced by community_file as a real inventory
// would.
func (l *Lab) WriteInventory(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	secret := strings.TrimSuffix(abs, filepath.Ext(abs)) + ".community"
	if err := writeFile(secret, []byte(l.community+"\n")); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by `qosagent lab`: %d simulated GS110TP switches on loopback.\n", len(l.servers))
	b.WriteString("defaults:\n  snmp:\n    version: \"2c\"\n")
	fmt.Fprintf(&b, "    community_file: %s\n", filepath.Base(secret))
	b.WriteString("    timeout: 1s\n    retries: 1\n")
	fmt.Fprintf(&b, "sites:\n  %s:\n    switches:\n", Site)
	for i, sw := range l.Switches {
		fmt.Fprintf(&b, "      - name: %s\n        vendor: netgear-gs110tp\n        address: %s\n", sw.Name(), l.Addr(i))
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

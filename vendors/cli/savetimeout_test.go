package cli

import (
	"testing"
	"time"

	"github.com/qosagent/qosagent/inventory"
)

// The save timeout: the inventory's, else the dialect's, else the default.
func TestSaveTimeoutPrecedence(t *testing.T) {
	ds, err := Dialects()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Dialect{}
	for _, d := range ds {
		byName[d.Name] = d
	}
	fp, ios := byName["netgear-fastpath"], byName["cisco-ios"]
	if fp == nil || ios == nil {
		t.Fatal("dialects missing")
	}
	if fp.Save.Timeout != 3*time.Minute {
		t.Errorf("netgear-fastpath save.timeout = %s, want 3m (its save \"may take a few minutes\")", fp.Save.Timeout)
	}
	for _, c := range []struct {
		d    *Dialect
		inv  time.Duration
		want time.Duration
	}{{fp, 0, 3 * time.Minute}, {fp, 30 * time.Second, 30 * time.Second}, {ios, 0, inventory.DefaultSaveTimeout}, {ios, time.Minute, time.Minute}} {
		a := &Adapter{d: c.d, sw: inventory.Switch{SSH: inventory.SSH{SaveTimeout: c.inv}}}
		if got := a.SaveTimeout(); got != c.want {
			t.Errorf("%s with inventory save_timeout %s: %s, want %s", c.d.Name, c.inv, got, c.want)
		}
	}
}

// Through the inventory loader: a switch that leaves save_timeout unset
// gets its dialect's, not a built-in default that would hide it.
func TestSaveTimeoutFromLoadedInventory(t *testing.T) {
	ds, err := Dialects()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Dialect{}
	vendors := map[string]inventory.Transport{}
	for _, d := range ds {
		byName[d.Name] = d
		vendors[d.Name] = inventory.TransportSSH
	}
	src := []byte(`defaults:
  ssh: { username: admin, password_file: pw }
sites:
  lab:
    switches:
      - { name: fp, vendor: netgear-fastpath, address: 192.0.2.1 }
      - { name: ios, vendor: cisco-ios, address: 192.0.2.2 }
      - { name: fp-set, vendor: netgear-fastpath, address: 192.0.2.3, ssh: { save_timeout: 40s } }
`)
	inv, err := inventory.Parse("inventory.yaml", src, inventory.Options{Vendors: vendors, NoSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{"fp": 3 * time.Minute, "ios": inventory.DefaultSaveTimeout, "fp-set": 40 * time.Second}
	for _, sw := range inv.Sites[0].Switches {
		a := &Adapter{d: byName[sw.Vendor], sw: sw}
		if got := a.SaveTimeout(); got != want[sw.Name] {
			t.Errorf("%s (%s): save timeout %s, want %s", sw.Name, sw.Vendor, got, want[sw.Name])
		}
	}
}

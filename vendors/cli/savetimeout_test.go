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

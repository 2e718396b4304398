package inventory

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	src := doc(
		"defaults:",
		"  snmp: { version: 2c, community_env: LAB_SNMP_COMMUNITY }",
		"sites:",
		"  lab:",
		"    switches:",
		"      - { name: lab-sw1, vendor: netgear-gs110tp, address: 192.0.2.10 }",
		"      - { name: lab-sw2, vendor: netgear-gs110tp, address: 192.0.2.11 }",
		"  dc:",
		"    switches:",
		"      - { name: dc-sw1, vendor: netgear-gs110tp, address: 192.0.2.20 }",
	)
	inv := mustParse(t, src, testEnv)
	tests := []struct {
		name            string
		sites, switches []string
		want            []string
		wantErr         []string
	}{
		{name: "all", want: []string{"lab-sw1", "lab-sw2", "dc-sw1"}},
		{name: "one site", sites: []string{"dc"}, want: []string{"dc-sw1"}},
		{name: "sites in file order", sites: []string{"dc", "lab", "dc"}, want: []string{"lab-sw1", "lab-sw2", "dc-sw1"}},
		{name: "switches", switches: []string{"dc-sw1", "lab-sw2"}, want: []string{"lab-sw2", "dc-sw1"}},
		{name: "site and switch narrow", sites: []string{"lab"}, switches: []string{"lab-sw2", "dc-sw1"}, want: []string{"lab-sw2"}},
		{name: "unknown site", sites: []string{"lab", "labb"}, wantErr: []string{`unknown site "labb"; known: dc, lab`}},
		{name: "unknown switch", switches: []string{"lab-sw3"}, wantErr: []string{`unknown switch "lab-sw3"; known: dc-sw1, lab-sw1, lab-sw2`}},
		{name: "every unknown name", sites: []string{"x"}, switches: []string{"y"}, wantErr: []string{`unknown site "x"`, `unknown switch "y"`}},
		{name: "disjoint", sites: []string{"lab"}, switches: []string{"dc-sw1"}, wantErr: []string{"no switch is in scope", "dc-sw1 is in site dc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inv.Select(tt.sites, tt.switches)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("Select = %v; want an error", names(got))
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(got), tt.want) {
				t.Errorf("Select = %v; want %v", names(got), tt.want)
			}
		})
	}
}

func names(sws []Switch) []string {
	var out []string
	for _, sw := range sws {
		out = append(out, sw.Name)
	}
	return out
}

// TestUnknownSwitchListsTheClosest: in a large fleet an unknown name
// lists the few nearest names, not every switch.
func TestUnknownSwitchListsTheClosest(t *testing.T) {
	inv := &Inventory{Sites: []Site{{Name: "lab"}}}
	for i := range 500 {
		inv.Sites[0].Switches = append(inv.Sites[0].Switches, Switch{Site: "lab", Name: fmt.Sprintf("sw%03d", i)})
	}
	_, err := inv.Select(nil, []string{"sw0l2"})
	if err == nil {
		t.Fatal("unknown switch accepted")
	}
	msg := err.Error()
	if !strings.Contains(msg, "closest of 500 known: sw002, sw012") || strings.Count(msg, ", ") != maxKnown-1 {
		t.Fatalf("got %q", msg)
	}
}

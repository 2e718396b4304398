package inventory

import (
	"strings"
	"testing"
	"time"
)

// patience and save_timeout merge like the other timeouts, per transport;
// patience defaults to a minute, save_timeout to the platform's (0 here).
func TestParsePatienceAndSaveTimeout(t *testing.T) {
	src := doc(
		"defaults:",
		"  snmp: { version: 2c, community_env: LAB_SNMP_COMMUNITY, patience: 30s }",
		"  ssh: { username: netops, password_env: QOSAGENT_SSH_PW, save_timeout: 5m }",
		"sites:",
		"  lab:",
		"    defaults:",
		"      snmp: { save_timeout: 90s }",
		"    switches:",
		"      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10 }",
		"      - { name: sw2, vendor: netgear-gs110tp, address: 192.0.2.11, snmp: { patience: 2m } }",
		"      - { name: core, vendor: cisco-ios, address: 192.0.2.12 }",
		"  dc:",
		"    switches:",
		"      - { name: sw3, vendor: netgear-gs110tp, address: 192.0.2.13 }",
	)
	inv := mustParse(t, src, testEnv)
	sws := append(inv.Sites[0].Switches, inv.Sites[1].Switches...)
	for _, c := range []struct {
		sw             Switch
		patience, save time.Duration
	}{{sws[0], 30 * time.Second, 90 * time.Second}, {sws[1], 2 * time.Minute, 90 * time.Second}, {sws[2], DefaultPatience, 5 * time.Minute}, {sws[3], 30 * time.Second, 0}} {
		if c.sw.Patience() != c.patience || c.sw.SaveTimeout() != c.save {
			t.Errorf("%s: patience %s, save timeout %s; want %s, %s", c.sw.Name, c.sw.Patience(), c.sw.SaveTimeout(), c.patience, c.save)
		}
	}
	if DefaultPatience != time.Minute || DefaultSaveTimeout != 2*time.Minute {
		t.Errorf("defaults %s, %s", DefaultPatience, DefaultSaveTimeout)
	}
	sw := sws[3]
	sw.Override(5*time.Second, 0)
	if sw.Patience() != 5*time.Second || sw.SaveTimeout() != 0 {
		t.Errorf("after Override(5s, 0): %s, %s", sw.Patience(), sw.SaveTimeout())
	}
	sw.Override(0, time.Second)
	if sw.Patience() != 5*time.Second || sw.SaveTimeout() != time.Second {
		t.Errorf("after Override(0, 1s): %s, %s", sw.Patience(), sw.SaveTimeout())
	}
}

func TestParsePatienceRefusesBadValues(t *testing.T) {
	for _, v := range []string{"0s", "10", "6m", "soon"} {
		src := doc(
			"sites:",
			"  lab:",
			"    switches:",
			"      - { name: sw1, vendor: netgear-gs110tp, address: 192.0.2.10, snmp: { version: 2c, community_env: LAB_SNMP_COMMUNITY, patience: "+v+" } }",
		)
		_, _, err := parseIn(t, t.TempDir(), src, testEnv)
		if err == nil || !strings.Contains(err.Error(), "snmp.patience") || !strings.Contains(err.Error(), ":4:") && !strings.Contains(err.Error(), "line 4") {
			t.Errorf("patience %s: %v", v, err)
		}
	}
}

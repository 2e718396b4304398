//go:build truthmodel

// These cases hold the parsers to device facts today's model cannot place:
// 7 and 8 queues, per-port trust in the running config, the small business
// factory scheduler (no priority-queue line: every queue strict), the
// cos-queue table without its Max. Bandwidth column. They stay out of the
// default build until the per-scope state model reads them; run them with
//
//	go test ./vendors/cli -tags truthmodel -run TestReadManualDevices
//
// and when they pass, drop the build tag. stateFacts is the one place that
// knows how a State holds each fact.

package cli

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/vendors"
)

// stateFacts flattens a State into "what" -> value pairs.
func stateFacts(st vendors.State) map[string]string {
	f := map[string]string{"queues": strconv.Itoa(len(st.Queues))}
	for d, q := range st.DSCP {
		f["dscp "+strconv.Itoa(d)] = strconv.Itoa(q)
	}
	if len(st.Queues) > 0 {
		f["top queue"] = strconv.Itoa(st.Top().ID)
	}
	for _, q := range st.Queues {
		f["queue "+strconv.Itoa(q.ID)] = schedWord(q.Strict)
	}
	for _, p := range st.Trust {
		f["trust "+p.Port] = string(p.Trust)
	}
	return f
}

// replay feeds a dialect's parsers the transcripts of its read commands:
// files maps a command to a transcript; a command with "| include text"
// not listed is the include filter over its base command's transcript.
func replay(t *testing.T, d *Dialect, files map[string]string) vendors.State {
	t.Helper()
	r := d.newReading()
	for _, rc := range d.Read {
		var out string
		if f, ok := files[rc.Command]; ok {
			out = manualTranscript(t, f)
		} else if base, text, ok := strings.Cut(rc.Command, " | include "); ok && files[base] != "" {
			out = include(manualTranscript(t, files[base]), text)
		} else {
			t.Fatalf("%s reads %q: no transcript for it", d.Name, rc.Command)
		}
		if err := parsers[rc.Parser](out, r); err != nil {
			t.Fatalf("%s on %q: %v", rc.Parser, rc.Command, err)
		}
	}
	st, err := d.toState(r)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestReadManualDevices(t *testing.T) {
	m4300 := map[string]string{
		"show classofservice ip-dscp-mapping": "manual/m4300-show-classofservice-ip-dscp-mapping.txt",
		"show classofservice trust":           "manual/m4300-show-classofservice-trust.txt",
		"show interfaces cos-queue":           "manual/m4300-show-interfaces-cos-queue.txt",
		"show running-config":                 "manual/fastpath-running-config-port-trust.txt",
	}
	m4300NoMax := map[string]string{}
	for k, v := range m4300 {
		m4300NoMax[k] = v
	}
	m4300NoMax["show interfaces cos-queue"] = "manual/m4300-show-interfaces-cos-queue-no-max-bandwidth.txt"
	m4300Want := map[string]string{"queues": "7", "top queue": "6", "queue 6": "strict", "queue 5": "strict",
		"queue 4": "weighted", "dscp 46": "5", "dscp 34": "3", "trust global": "dscp",
		"trust 1/0/5": "untrusted", "trust 1/0/6": "dot1p"}
	tests := []struct {
		name, dialect string
		files         map[string]string
		want          map[string]string
	}{
		{"M4300 7 traffic classes", "netgear-fastpath", m4300, m4300Want},
		{"M4300 cos-queue without Max. Bandwidth", "netgear-fastpath", m4300NoMax, m4300Want},
		{"SG350 8 queues, factory scheduler", "cisco-sb", map[string]string{
			"show qos":                "manual/sb-show-qos.txt",
			"show qos map dscp-queue": "manual/sg350-show-qos-map-dscp-queue-8-queues.txt",
			"show running-config":     "manual/sb-running-config-no-priority-queue.txt",
		}, map[string]string{"queues": "8", "top queue": "8", "queue 8": "strict", "queue 1": "strict",
			"dscp 46": "8", "dscp 34": "7", "trust global": "dscp"}},
		{"SB per-port trust", "cisco-sb", map[string]string{
			"show qos":                "manual/sb-show-qos.txt",
			"show qos map dscp-queue": "sb-dscp-queue.txt",
			"show running-config":     "manual/sb-running-config-port-trust.txt",
		}, map[string]string{"queues": "4", "top queue": "4", "queue 4": "strict", "queue 3": "weighted",
			"trust global": "dscp", "trust GigabitEthernet1/0/5": "untrusted", "trust GigabitEthernet1/0/6": "untrusted"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := stateFacts(replay(t, dialect(t, tc.dialect), tc.files))
			var keys []string
			for k := range tc.want {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if got[k] != tc.want[k] {
					t.Errorf("%q = %q, want %q", k, got[k], tc.want[k])
				}
			}
		})
	}
}

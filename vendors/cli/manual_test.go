package cli

import (
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/vendors"
)

// Transcripts under testdata/manual were written by hand from vendor
// manuals and public captures, not by our simulator: each names its source
// in a "#" header. They are the yardstick the parsers are held to; the
// simulator's own output is tested against its golden files elsewhere.

// manualFiles are the hand-written transcripts outside testdata/manual.
var manualFiles = []string{"sb-dscp-queue.txt"}

// manualTranscript returns a transcript without its "#" header, as the
// device prints it.
func manualTranscript(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	ls := strings.SplitAfter(string(b), "\n")
	i := 0
	for i < len(ls) && strings.HasPrefix(ls[i], "#") {
		i++
	}
	return strings.Join(ls[i:], "")
}

// include is the CLI's "| include text" filter.
func include(out, text string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(out, "\n") {
		if strings.Contains(l, text) {
			b.WriteString(l)
		}
	}
	return b.String()
}

// Every hand-written transcript names its source and says how it was made.
func TestManualTranscriptsNameTheirSource(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "manual", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts under testdata/manual: %v", err)
	}
	for _, f := range manualFiles {
		files = append(files, filepath.Join("testdata", f))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		head := string(b)
		if !strings.HasPrefix(head, "# Source: ") || !strings.Contains(head, "\n# Transcribed ") {
			t.Errorf("%s: no \"# Source: ...\" and \"# Transcribed ...\" header", f)
		}
	}
	// None of them is a copy of what the simulator prints: a yardstick our
	// own code wrote would measure nothing.
	var goldens []string
	err = filepath.WalkDir(filepath.Join("..", "..", "internal", "clisim", "testdata"), func(path string, de os.DirEntry, err error) error {
		if err == nil && !de.IsDir() && strings.HasSuffix(path, ".golden") {
			goldens = append(goldens, path)
		}
		return err
	})
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no simulator golden files: %v", err)
	}
	for _, f := range files {
		body := strings.TrimSpace(manualTranscript(t, strings.TrimPrefix(f, "testdata"+string(filepath.Separator))))
		for _, g := range goldens {
			if gb, _ := os.ReadFile(g); strings.TrimSpace(string(gb)) == body {
				t.Errorf("%s is the simulator's own output (%s)", f, g)
			}
		}
	}
}

// readingFacts flattens what one parser recorded into "what" -> value
// pairs, so the tables below state expectations independently of how a
// reading stores them.
func readingFacts(r *reading) map[string]string {
	f := map[string]string{}
	for d, q := range r.dscp {
		f["dscp "+strconv.Itoa(d)] = strconv.Itoa(q)
	}
	if len(r.dscp) > 0 {
		f["dscp values"] = strconv.Itoa(len(r.dscp))
	}
	for q, s := range r.strict {
		f["queue "+strconv.Itoa(q)] = schedWord(s)
	}
	if r.numQueues > 0 {
		f["queues"] = strconv.Itoa(r.numQueues)
	}
	if r.globalTrust != "" {
		f["trust global"] = string(r.globalTrust)
	}
	return f
}

// stateFacts flattens a State the same way: queue count and top queue,
// the global map, each scope's trust and per-queue scheduling (by native
// queue ID), and whether the boot config was read and differs.
func stateFacts(st vendors.State) map[string]string {
	f := map[string]string{"queues": strconv.Itoa(len(st.Queues)), "boot read": strconv.FormatBool(st.BootRead),
		"unsaved": strconv.FormatBool(st.Unsaved != "")}
	if len(st.Queues) > 0 {
		f["top queue"] = strconv.Itoa(st.Top())
	}
	for d, q := range st.GlobalMap() {
		f["dscp "+strconv.Itoa(d)] = strconv.Itoa(q)
	}
	for _, sc := range st.Scopes {
		if sc.Trust != "" {
			f["trust "+sc.Name] = string(sc.Trust)
		}
		for rank, s := range sc.Sched {
			if rank < len(st.Queues) {
				f[sc.Name+" queue "+strconv.Itoa(st.Queues[rank])] = schedWord(s.Strict)
			}
		}
	}
	return f
}

func schedWord(strict bool) string {
	if strict {
		return "strict"
	}
	return "weighted"
}

// checkFacts reports every wanted fact that differs, in sorted order.
func checkFacts(t *testing.T, got, want map[string]string) {
	t.Helper()
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got[k] != want[k] {
			t.Errorf("%q = %q, want %q", k, got[k], want[k])
		}
	}
}

// One show command's transcript through its parser.
func TestParseManualTranscripts(t *testing.T) {
	tests := []struct {
		file, parser string
		want         map[string]string
	}{
		{file: "manual/m4300-show-classofservice-ip-dscp-mapping.txt", parser: "rows-dscp-queue", want: map[string]string{"dscp values": "64",
			"dscp 0": "1", "dscp 8": "0", "dscp 16": "0", "dscp 24": "2", "dscp 34": "3", "dscp 40": "4", "dscp 46": "5",
			"dscp 48": "5", "dscp 56": "6", "dscp 63": "6"}},
		{file: "manual/m4300-show-interfaces-cos-queue.txt", parser: "fastpath-cos-queue", want: map[string]string{
			"queues": "7", "queue 0": "weighted", "queue 4": "weighted", "queue 5": "strict", "queue 6": "strict"}},
		{file: "manual/m4300-show-interfaces-cos-queue-no-max-bandwidth.txt", parser: "fastpath-cos-queue", want: map[string]string{
			"queues": "7", "queue 0": "weighted", "queue 4": "weighted", "queue 5": "strict", "queue 6": "strict"}},
		{file: "manual/m4300-show-classofservice-trust.txt", parser: "fastpath-trust", want: map[string]string{"trust global": "dscp"}},
		{file: "sb-dscp-queue.txt", parser: "grid-queue", want: map[string]string{"dscp values": "64",
			"dscp 0": "1", "dscp 15": "1", "dscp 16": "2", "dscp 23": "2", "dscp 24": "3", "dscp 34": "3", "dscp 39": "3",
			"dscp 40": "4", "dscp 46": "4", "dscp 47": "4", "dscp 48": "3", "dscp 63": "3"}},
		{file: "manual/sg350-show-qos-map-dscp-queue-8-queues.txt", parser: "grid-queue", want: map[string]string{"dscp values": "64",
			"dscp 0": "1", "dscp 8": "2", "dscp 24": "6", "dscp 34": "7", "dscp 40": "6", "dscp 46": "8", "dscp 56": "8", "dscp 63": "8"}},
		{file: "manual/sb-show-qos.txt", parser: "sb-qos", want: map[string]string{"trust global": "dscp"}},
		{file: "manual/sb-show-qos-interface-queuing.txt", parser: "sb-queuing", want: map[string]string{"queues": "4"}},
		{file: "manual/sg350-show-qos-interface-queuing-8-queues.txt", parser: "sb-queuing", want: map[string]string{"queues": "8"}},
		{file: "manual/ios-show-mls-qos-maps-dscp-output-q.txt", parser: "grid-queue-threshold", want: map[string]string{"dscp values": "64",
			"dscp 0": "2", "dscp 16": "3", "dscp 34": "4", "dscp 40": "1", "dscp 46": "1", "dscp 48": "4", "dscp 63": "4"}},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			r := dialectReading(t, tc.parser)
			if err := parsers[tc.parser](manualTranscript(t, tc.file), r); err != nil {
				t.Fatalf("%s: %v", tc.parser, err)
			}
			checkFacts(t, readingFacts(r), tc.want)
		})
	}
}

// replay feeds a dialect's parsers the transcripts of all its read
// commands, as a session would: files maps a command to a transcript; a
// command with "| include text" not listed is the filter over its base
// command's transcript. A read command without a transcript fails the test.
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

// Whole switches, every read command from a hand-written transcript: the
// facts the issue names (7 and 8 queues read from the device, the small
// business factory scheduler, per-port trust in the running config, a
// running config the switch would not boot with).
func TestReadManualSwitches(t *testing.T) {
	m4300 := map[string]string{
		"show classofservice ip-dscp-mapping": "manual/m4300-show-classofservice-ip-dscp-mapping.txt",
		"show classofservice trust":           "manual/m4300-show-classofservice-trust.txt",
		"show interfaces cos-queue":           "manual/m4300-show-interfaces-cos-queue.txt",
		"show running-config":                 "manual/fastpath-running-config-port-trust.txt",
		"show startup-config":                 "manual/fastpath-running-config-port-trust.txt", // saved
	}
	m4300NoMax := maps.Clone(m4300)
	m4300NoMax["show interfaces cos-queue"] = "manual/m4300-show-interfaces-cos-queue-no-max-bandwidth.txt"
	m4300Want := map[string]string{"queues": "7", "top queue": "6", "global queue 6": "strict", "global queue 5": "strict",
		"global queue 4": "weighted", "global queue 0": "weighted", "dscp 46": "5", "dscp 34": "3", "trust global": "dscp",
		"trust 1/0/5": "untrusted", "trust 1/0/6": "dot1p", "boot read": "true", "unsaved": "false"}
	tests := []struct {
		name, dialect string
		files         map[string]string
		want          map[string]string
	}{
		{"M4300 7 traffic classes, per-interface trust", "netgear-fastpath", m4300, m4300Want},
		{"M4300 cos-queue without Max. Bandwidth", "netgear-fastpath", m4300NoMax, m4300Want},
		{"SG350 8 queues, factory scheduler (no priority-queue line)", "cisco-sb", map[string]string{
			"show qos":                   "manual/sb-show-qos.txt",
			"show qos map dscp-queue":    "manual/sg350-show-qos-map-dscp-queue-8-queues.txt",
			"show qos interface queuing": "manual/sg350-show-qos-interface-queuing-8-queues.txt",
			"show running-config":        "manual/sb-running-config-no-priority-queue.txt",
			"show startup-config":        "manual/sb-running-config-no-priority-queue.txt",
		}, map[string]string{"queues": "8", "top queue": "8", "global queue 8": "strict", "global queue 1": "strict",
			"dscp 46": "8", "dscp 34": "7", "trust global": "dscp", "unsaved": "false"}},
		{"SB per-port trust, one port not saved", "cisco-sb", map[string]string{
			"show qos":                   "manual/sb-show-qos.txt",
			"show qos map dscp-queue":    "sb-dscp-queue.txt",
			"show qos interface queuing": "manual/sb-show-qos-interface-queuing.txt",
			"show running-config":        "manual/sb-running-config-port-trust.txt",
			"show startup-config":        "manual/sb-startup-config-port-trust.txt",
		}, map[string]string{"queues": "4", "top queue": "4", "global queue 4": "strict", "global queue 3": "weighted",
			"trust global": "dscp", "trust GigabitEthernet1/0/5": "untrusted", "trust GigabitEthernet1/0/6": "untrusted",
			"boot read": "true", "unsaved": "true"}},
		{"Catalyst stack, running config not saved", "cisco-ios", map[string]string{
			"show mls qos":                    "manual/ios-show-mls-qos.txt",
			"show mls qos maps dscp-output-q": "manual/ios-show-mls-qos-maps-dscp-output-q.txt",
			"show mls qos interface":          "manual/ios-show-mls-qos-interface.txt",
			"show mls qos interface queueing": "manual/ios-show-mls-qos-interface-queueing.txt",
			"show running-config":             "manual/ios-show-running-config.txt",
			"show startup-config":             "manual/ios-show-startup-config.txt",
		}, map[string]string{"queues": "4", "top queue": "1", "dscp 46": "1", "dscp 34": "4",
			"trust GigabitEthernet1/0/1": "dscp", "trust GigabitEthernet1/0/3": "dscp",
			"GigabitEthernet1/0/1 queue 1": "strict", "GigabitEthernet1/0/3 queue 1": "weighted",
			"boot read": "true", "unsaved": "true"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkFacts(t, stateFacts(replay(t, dialect(t, tc.dialect), tc.files)), tc.want)
		})
	}
}

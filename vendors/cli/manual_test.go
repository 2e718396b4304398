package cli

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
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
}

// readingFacts flattens what the parsers recorded into "what" -> value
// pairs, so the table below states expectations independently of how a
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
	if len(r.strict) > 0 {
		f["queues"] = strconv.Itoa(len(r.strict))
	}
	if r.strictTop != nil {
		f["strict top queues"] = strconv.Itoa(*r.strictTop)
	}
	if r.globalTrust != "" {
		f["trust global"] = string(r.globalTrust)
	}
	for p, tr := range r.portTrust {
		f["trust "+p] = string(tr)
	}
	return f
}

func schedWord(strict bool) string {
	if strict {
		return "strict"
	}
	return "weighted"
}

func TestParseManualTranscripts(t *testing.T) {
	m4300Map := map[string]string{"dscp values": "64", "dscp 0": "1", "dscp 8": "0", "dscp 16": "0", "dscp 24": "2",
		"dscp 34": "3", "dscp 40": "4", "dscp 46": "5", "dscp 48": "5", "dscp 56": "6", "dscp 63": "6"}
	tests := []struct {
		file, parser string
		filter       string // "| include" text applied first, as the dialect's command does
		want         map[string]string
	}{
		{file: "manual/m4300-show-classofservice-ip-dscp-mapping.txt", parser: "rows-dscp-queue", want: m4300Map},
		{file: "manual/m4300-show-interfaces-cos-queue.txt", parser: "fastpath-cos-queue", want: map[string]string{
			"queues": "7", "queue 0": "weighted", "queue 4": "weighted", "queue 5": "strict", "queue 6": "strict"}},
		{file: "manual/m4300-show-classofservice-trust.txt", parser: "fastpath-trust", want: map[string]string{"trust global": "dscp"}},
		{file: "sb-dscp-queue.txt", parser: "grid-queue", want: map[string]string{"dscp values": "64",
			"dscp 0": "1", "dscp 15": "1", "dscp 16": "2", "dscp 23": "2", "dscp 24": "3", "dscp 34": "3", "dscp 39": "3",
			"dscp 40": "4", "dscp 46": "4", "dscp 47": "4", "dscp 48": "3", "dscp 63": "3"}},
		{file: "manual/sg350-show-qos-map-dscp-queue-8-queues.txt", parser: "grid-queue", want: map[string]string{"dscp values": "64",
			"dscp 0": "1", "dscp 8": "2", "dscp 24": "6", "dscp 34": "7", "dscp 40": "6", "dscp 46": "8", "dscp 56": "8", "dscp 63": "8"}},
		{file: "manual/sb-show-qos.txt", parser: "sb-qos", want: map[string]string{"trust global": "dscp"}},
		{file: "manual/sb-running-config-port-trust.txt", parser: "sb-priority-queue", filter: "priority-queue",
			want: map[string]string{"strict top queues": "1"}},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			out := manualTranscript(t, tc.file)
			if tc.filter != "" {
				out = include(out, tc.filter)
			}
			r := dialectReading(t, tc.parser)
			if err := parsers[tc.parser](out, r); err != nil {
				t.Fatalf("%s: %v", tc.parser, err)
			}
			got := readingFacts(r)
			var keys []string
			for k := range tc.want {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if got[k] != tc.want[k] {
					t.Errorf("%s: %q = %q, want %q", tc.file, k, got[k], tc.want[k])
				}
			}
		})
	}
}

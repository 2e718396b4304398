package cli

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/vendors"
)

func dialect(t testing.TB, name string) *Dialect {
	t.Helper()
	ds, err := Dialects()
	if err != nil {
		t.Fatal(err)
	}
	d, ok := ds[name]
	if !ok {
		t.Fatalf("no dialect %s", name)
	}
	return d
}

func transcript(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readState feeds transcripts, in the dialect's read order, to its parsers.
func readState(t *testing.T, d *Dialect, files ...string) vendors.State {
	t.Helper()
	r := d.newReading()
	for i, rc := range d.Read {
		if err := parsers[rc.Parser](transcript(t, files[i]), r); err != nil {
			t.Fatalf("%s on %s: %v", rc.Parser, files[i], err)
		}
	}
	st, err := d.toState(r)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func writeTmp(t *testing.T, text string) string {
	p := filepath.Join(t.TempDir(), "x.txt")
	os.WriteFile(p, []byte(text), 0o600)
	return p
}

func TestDialectsLoad(t *testing.T) {
	ds, err := Dialects()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range ds {
		names = append(names, n)
	}
	if len(ds) != 3 || ds["cisco-ios"] == nil || ds["cisco-sb"] == nil || ds["netgear-fastpath"] == nil {
		t.Fatalf("dialects: %v", names)
	}
}

func TestPrompts(t *testing.T) {
	tests := []struct {
		dialect, line string
		want          bool
	}{
		{"cisco-ios", "core-sw1>", true},
		{"cisco-ios", "core-sw1#", true},
		{"cisco-ios", "core-sw1(config)#", true},
		{"cisco-ios", "core-sw1(config-if)#", true},
		{"cisco-ios", "Building configuration...", false},
		{"cisco-ios", "Destination filename [startup-config]?", false},
		{"netgear-fastpath", "(NETGEAR Switch) >", true},
		{"netgear-fastpath", "(NETGEAR Switch) #", true},
		{"netgear-fastpath", "(NETGEAR Switch) (Config)#", true},
		{"netgear-fastpath", "Are you sure you want to save? (y/n)", false},
		{"cisco-sb", "switch8a3f1c#", true},
		{"cisco-sb", "Overwrite file [startup-config].... (Y/N)[N] ?", false},
	}
	for _, tt := range tests {
		if got := dialect(t, tt.dialect).prompt.MatchString(tt.line); got != tt.want {
			t.Errorf("%s prompt %q: %v, want %v", tt.dialect, tt.line, got, tt.want)
		}
	}
}

func TestParseIOS(t *testing.T) {
	d := dialect(t, "cisco-ios")
	qos := writeTmp(t, "QoS is enabled\nQoS ip packet dscp rewrite is enabled\n")
	st := readStateFiles(t, d, qos, "testdata/ios-dscp-output-q.txt", "testdata/ios-mls-qos-interface.txt", "testdata/ios-mls-qos-interface-queueing.txt")
	if st.QoSDisabled {
		t.Error("QoS read as disabled")
	}
	want := map[int]int{0: 2, 15: 2, 16: 3, 24: 3, 31: 3, 32: 4, 34: 4, 40: 1, 46: 1, 48: 4, 63: 4}
	for dscp, q := range want {
		if st.DSCP[dscp] != q {
			t.Errorf("dscp %d on %d, want %d", dscp, st.DSCP[dscp], q)
		}
	}
	wantQ := []vendors.Queue{{ID: 2, Weight: 25}, {ID: 3, Weight: 25}, {ID: 4, Weight: 25}, {ID: 1, Strict: false, Weight: 25}}
	if !reflect.DeepEqual(st.Queues, wantQ) {
		t.Errorf("queues %+v: port 3 lacks priority-queue out, so Q1 is not strict", st.Queues)
	}
	wantT := []vendors.PortTrust{{Port: "GigabitEthernet0/1", Trust: "untrusted"}, {Port: "GigabitEthernet0/2", Trust: "dscp"}, {Port: "GigabitEthernet0/3", Trust: "untrusted"}, {Port: "GigabitEthernet0/4", Trust: "untrusted"}}
	if !reflect.DeepEqual(st.Trust, wantT) {
		t.Errorf("trust %+v", st.Trust)
	}
}

// readStateFiles is readState with explicit paths.
func readStateFiles(t *testing.T, d *Dialect, paths ...string) vendors.State {
	t.Helper()
	r := d.newReading()
	for i, rc := range d.Read {
		b, err := os.ReadFile(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := parsers[rc.Parser](string(b), r); err != nil {
			t.Fatalf("%s on %s: %v", rc.Parser, paths[i], err)
		}
	}
	st, err := d.toState(r)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestParseSB(t *testing.T) {
	d := dialect(t, "cisco-sb")
	pq := writeTmp(t, "priority-queue out num-of-queues 1\n")
	st := readStateFiles(t, d, "testdata/sb-qos.txt", "testdata/sb-dscp-queue.txt", pq)
	if st.DSCP[46] != 4 || st.DSCP[34] != 3 || st.DSCP[24] != 3 || st.DSCP[0] != 1 || st.DSCP[48] != 3 {
		t.Errorf("map: ef %d af41 %d cs3 %d be %d", st.DSCP[46], st.DSCP[34], st.DSCP[24], st.DSCP[0])
	}
	if !st.Top().Strict || st.Queues[2].Strict || st.Top().ID != 4 {
		t.Errorf("queues %+v; want only queue 4 strict", st.Queues)
	}
	if len(st.Trust) != 1 || st.Trust[0] != (vendors.PortTrust{Port: vendors.GlobalPort, Trust: vendors.TrustDSCP}) {
		t.Errorf("trust %+v", st.Trust)
	}
}

func TestParseFastpath(t *testing.T) {
	d := dialect(t, "netgear-fastpath")
	st := readState(t, d, "fastpath-ip-dscp-mapping.txt", "fastpath-trust.txt", "fastpath-cos-queue.txt")
	if st.DSCP[46] != 2 || st.DSCP[34] != 2 || st.DSCP[24] != 1 || st.DSCP[0] != 1 || st.DSCP[8] != 0 || st.DSCP[63] != 3 {
		t.Errorf("map %v", st.DSCP)
	}
	if !st.Top().Strict || st.Queues[0].Strict {
		t.Errorf("queues %+v", st.Queues)
	}
	if st.Trust[0].Trust != vendors.TrustDSCP {
		t.Errorf("trust %+v", st.Trust)
	}
}

// dialectReading starts a reading for the first dialect that uses parser.
func dialectReading(t testing.TB, parser string) *reading {
	t.Helper()
	ds, err := Dialects()
	if err != nil {
		t.Fatal(err)
	}
	return dialectOf(t, ds, parser).newReading()
}

func dialectOf(t testing.TB, ds map[string]*Dialect, parser string) *Dialect {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(ds)) {
		for _, rc := range ds[name].Read {
			if rc.Parser == parser {
				return ds[name]
			}
		}
	}
	t.Fatalf("no dialect uses parser %s", parser)
	return nil
}

func TestParserErrors(t *testing.T) {
	tests := []struct {
		parser, out, want string
	}{
		{"ios-qos", "% Invalid input detected at '^' marker.\n", "no \"QoS is enabled\""},
		{"grid-queue-threshold", "      0 :    02-01 02-01\n", "map lists 2 DSCP values; expected 64"},
		{"grid-queue-threshold", "      0 :    02-01 xx\n", `cell "xx" is not a queue`},
		{"grid-queue", "      6 :    01 01 01 01 01 01 01 01 01 01 01\n", "too many cells"},
		{"rows-dscp-queue", "0(be/cs0)  1\n0  1\n", "dscp 0 listed twice"},
		{"ios-interface-trust", "GigabitEthernet0/1\ntrust mode: trust everything\n", `trust mode "trust everything" is unknown`},
		{"ios-interface-queueing", "Gi0/1\nEgress Priority Queue : maybe\n", "expected enabled or disabled"},
		{"fastpath-trust", "Class of Service Trust Mode: Sometimes\n", "unknown"},
		{"sb-qos", "Qos: Basic mode\nBasic trust: vlan\n", `trust mode "vlan" is unknown`},
		{"fastpath-cos-queue", "nothing here\n", "no queue rows"},
		{"sb-qos", "Basic trust: dscp\n", "no \"Qos:\" line"},
	}
	for _, tt := range tests {
		err := parsers[tt.parser](tt.out, dialectReading(t, tt.parser))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.parser, err, tt.want)
		}
	}
}

// FuzzParsers feeds arbitrary device output to every parser: none may panic,
// and a map that parses has only values 0..63.
func FuzzParsers(f *testing.F) {
	for _, name := range []string{"ios-dscp-output-q.txt", "sb-dscp-queue.txt", "fastpath-ip-dscp-mapping.txt", "ios-mls-qos-interface.txt", "ios-mls-qos-interface-queueing.txt", "fastpath-trust.txt", "fastpath-cos-queue.txt", "sb-qos.txt"} {
		f.Add(transcript(f, name))
	}
	f.Add("\x1b[2J\x1b[H  0 :  01-01\r\n --More-- ")
	names := parserNames()
	ds, err := Dialects()
	if err != nil {
		f.Fatal(err)
	}
	readings := map[string]func() *reading{} // parser -> a dialect that uses it
	for _, n := range names {
		d := dialectOf(f, ds, n)
		readings[n] = d.newReading
	}
	f.Fuzz(func(t *testing.T, out string) {
		for _, n := range names {
			r := readings[n]()
			if err := parsers[n](out, r); err != nil {
				continue
			}
			for dscp := range r.dscp {
				if dscp < 0 || dscp >= vendors.NumDSCP {
					t.Fatalf("%s accepted dscp %d", n, dscp)
				}
			}
			for _, d := range ds {
				if st, err := d.toState(r); err == nil && len(st.Queues) != len(d.Queues) {
					t.Fatalf("%s: %d queues", d.Name, len(st.Queues))
				}
			}
		}
	})
}

// TestPagerMatchesWholePrompt: the pager pattern takes the whole prompt, so
// nothing of it is left in the output (Go's regexp prefers the first
// alternative that matches, not the longest).
func TestPagerMatchesWholePrompt(t *testing.T) {
	for name, prompt := range map[string]string{
		"cisco-ios":        " --More-- ",
		"cisco-sb":         "--More--",
		"netgear-fastpath": "--More-- or (q)uit",
	} {
		d := dialect(t, name)
		if loc := d.pager.FindStringIndex(prompt); loc == nil || strings.TrimSpace(prompt[:loc[0]]+prompt[loc[1]:]) != "" {
			t.Errorf("%s: pager %q matches %v of %q", name, d.Pager, loc, prompt)
		}
	}
}

// TestTrustWordsMustBeWritable: a dialect that can read a trust mode it
// cannot write back could never restore a backup holding it; such a
// dialect is refused when it loads.
func TestTrustWordsMustBeWritable(t *testing.T) {
	data, err := dialectFiles.ReadFile("dialects/cisco-sb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), "cos-dscp: cos-dscp }\n", "cos-dscp: cos-dscp, untrusted: untrusted }\n", 1)
	if bad == string(data) {
		t.Fatal("fixture: trust_words line not found")
	}
	if _, err := ParseDialect("bad.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "write.trust cannot set back") {
		t.Fatalf("ParseDialect = %v; want the unwritable trust word refused", err)
	}
}

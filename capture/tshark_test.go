package capture

import (
	"bytes"
	"fmt"
	"maps"
	"net/netip"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/internal/peer"
)

// needTool finds a third-party program the test compares against or
// captures with; missing, it skips the test, or fails it in CI.
func needTool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		peer.Missing(t, name, "apt-get install "+pkg, err)
	}
	return path
}

// tsharkFlows reads a capture with tshark (Debian tshark, Wireshark's
// dissectors: an implementation independent of gopacket) and returns the
// DSCP histogram of every one-directional UDP and TCP flow, keyed like
// flowID.
func tsharkFlows(t *testing.T, file string) map[string]map[int]int {
	t.Helper()
	bin := needTool(t, "tshark", "tshark")
	cmd := exec.Command(bin, "-n", "-r", file, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f",
		"-e", "ip.src", "-e", "ipv6.src", "-e", "udp.srcport", "-e", "tcp.srcport",
		"-e", "ip.dst", "-e", "ipv6.dst", "-e", "udp.dstport", "-e", "tcp.dstport",
		"-e", "ip.dsfield.dscp", "-e", "ipv6.tclass.dscp",
		"-Y", "(udp or tcp) and not icmp and not icmpv6 and not ip.flags.mf == 1 and not ip.frag_offset > 0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v\n%s", file, err, stderr.String())
	}
	flows := map[string]map[int]int{}
	for line := range strings.SplitSeq(strings.TrimRight(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 10 {
			t.Fatalf("tshark line %q: %d fields", line, len(f))
		}
		or := func(a, b string) string {
			if a != "" {
				return a
			}
			return b
		}
		proto := "udp"
		if f[2] == "" {
			proto = "tcp"
		}
		ep := func(host, port string) string {
			a, err := netip.ParseAddr(host)
			if err != nil {
				t.Fatalf("tshark line %q: %v", line, err)
			}
			p, _ := strconv.Atoi(port)
			return netip.AddrPortFrom(a, uint16(p)).String()
		}
		key := proto + " " + ep(or(f[0], f[1]), or(f[2], f[3])) + " > " + ep(or(f[4], f[5]), or(f[6], f[7]))
		d, err := strconv.Atoi(or(f[8], f[9]))
		if err != nil {
			t.Fatalf("tshark line %q: dscp: %v", line, err)
		}
		if flows[key] == nil {
			flows[key] = map[int]int{}
		}
		flows[key][d]++
	}
	return flows
}

func flowID(f Flow) string { return f.Protocol + " " + f.Src + " > " + f.Dst }

// sameAsTshark checks that the report holds exactly the flows tshark sees,
// with the same packet counts and DSCP histograms. The report must have
// been made without a --modality filter.
func sameAsTshark(t *testing.T, rep *Report, file string) {
	t.Helper()
	want := tsharkFlows(t, file)
	got := map[string]map[int]int{}
	for _, f := range rep.Flows {
		h := map[int]int{}
		n := 0
		for _, d := range f.DSCP.values() {
			h[d] = f.DSCP[d]
			n += f.DSCP[d]
		}
		if n != f.Packets {
			t.Errorf("%s: histogram sums to %d, packets %d", flowID(f), n, f.Packets)
		}
		got[flowID(f)] = h
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if fmt.Sprint(got[k]) != fmt.Sprint(want[k]) {
			t.Errorf("%s: qosagent %v, tshark %v", k, got[k], want[k])
		}
	}
	for k := range got {
		if want[k] == nil {
			t.Errorf("%s: in the report, not in tshark's reading", k)
		}
	}
}

// filtersSelectFlows checks that each flow's Wireshark display filter
// selects exactly its packets, in tshark.
func filtersSelectFlows(t *testing.T, rep *Report, file string) {
	t.Helper()
	bin := needTool(t, "tshark", "tshark")
	n := 0
	for _, f := range rep.Flows {
		if f.Filter == "" {
			continue
		}
		n++
		out, err := exec.Command(bin, "-n", "-r", file, "-Y", f.Filter, "-T", "fields", "-e", "frame.number").Output()
		if err != nil {
			t.Fatalf("tshark -Y %q: %v", f.Filter, err)
		}
		if got := strings.Count(string(out), "\n"); got != f.Packets {
			t.Errorf("%s: filter %q selects %d packets, the flow has %d", flowID(f), f.Filter, got, f.Packets)
		}
	}
	if n == 0 {
		t.Error("no flow has a filter")
	}
}

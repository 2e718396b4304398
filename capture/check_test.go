package capture

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/qosagent/qosagent/agent"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata")

func checkFile(t *testing.T, path string, p agent.Policy, opt Options) *Report {
	t.Helper()
	rep, err := CheckFile(context.Background(), path, p, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func render(t *testing.T, rep *Report, table bool) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	if table {
		err = rep.WriteTable(&b)
	} else {
		err = rep.WriteJSON(&b)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./capture -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the report:\n%s", path, got)
	}
}

// TestGolden pins the JSON and table reports of a call built packet by
// packet: every status, matching by source and by destination, VLAN tags,
// IPv6, RTP sequence numbers that wrap, packets in no flow.
func TestGolden(t *testing.T) {
	dir := t.TempDir()
	path := writeCapture(t, dir, "call.pcap", layers.LinkTypeEthernet, false, goldenPackets())
	rep := checkFile(t, path, testPolicy(), Options{})
	sameAsTshark(t, rep, path)
	filtersSelectFlows(t, rep, path)
	rep.File = "call.pcap"
	golden(t, "call.json", render(t, rep, false))
	golden(t, "call.txt", render(t, rep, true))
	if rep.ExitCode() != ExitProblems {
		t.Errorf("exit code %d, want %d", rep.ExitCode(), ExitProblems)
	}
	// The capture itself is a fixture of the command's tests.
	b, _ := os.ReadFile(path)
	golden(t, "call.pcap", b)
	b, _ = os.ReadFile(writeCapture(t, dir, "ok.pcapng", layers.LinkTypeEthernet, true, okPackets()))
	golden(t, "ok.pcapng", b)
}

// okPackets is a call marked as the policy says, and a web flow.
func okPackets() []pkt {
	var ps []pkt
	for i := range 6 {
		ps = append(ps, pkt{src: "10.0.0.5", dst: "10.0.0.9", sport: 6001, dport: 6002, dscp: 46, rtp: &rtpHdr{ssrc: 7, seq: uint16(i)}})
		ps = append(ps, pkt{v6: true, vlan: 10, src: "2001:db8::9", dst: "2001:db8::5", sport: 6021, dport: 6022, dscp: 34, rtp: &rtpHdr{ssrc: 8, seq: uint16(i)}})
	}
	return append(ps, pkt{src: "10.0.0.5", dst: "10.0.0.1", sport: 40000, dport: 443, tcp: true})
}

// TestLinkTypes checks that the framing does not change the verdict: the
// same packets as pcap and pcapng, over Ethernet, Linux cooked v1 and v2
// and raw IP, give the same report.
func TestLinkTypes(t *testing.T) {
	dir := t.TempDir()
	ps := goldenPackets()
	var flat []pkt // no VLAN tags off Ethernet
	for _, p := range ps {
		if !p.arp { // ARP has no raw-IP framing
			p.vlan = 0
			flat = append(flat, p)
		}
	}
	base := checkFile(t, writeCapture(t, dir, "base.pcap", layers.LinkTypeEthernet, false, flat), testPolicy(), Options{})
	want := render(t, base, false)
	want = bytes.Replace(want, []byte(base.File), []byte("F"), 1)
	for _, tc := range []struct {
		link layers.LinkType
		ng   bool
	}{
		{layers.LinkTypeEthernet, true},
		{layers.LinkTypeLinuxSLL, false},
		{layers.LinkTypeLinuxSLL, true},
		{layers.LinkTypeLinuxSLL2, false},
		{layers.LinkTypeLinuxSLL2, true},
		{layers.LinkTypeRaw, false},
	} {
		name := tc.link.String()
		if tc.ng {
			name += ".pcapng"
		}
		t.Run(name, func(t *testing.T) {
			path := writeCapture(t, dir, strings.ReplaceAll(name, " ", "_"), tc.link, tc.ng, flat)
			rep := checkFile(t, path, testPolicy(), Options{})
			sameAsTshark(t, rep, path)
			got := bytes.Replace(render(t, rep, false), []byte(rep.File), []byte("F"), 1)
			if !bytes.Equal(got, want) {
				t.Errorf("report differs from the Ethernet pcap's:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestVLANTags: untagged, 802.1Q and 802.1ad (QinQ) frames of one flow are
// one flow; tshark agrees.
func TestVLANTags(t *testing.T) {
	var ps []pkt
	for _, tags := range [][2]uint16{{0, 0}, {20, 0}, {20, 100}, {0, 0}, {20, 100}} {
		ps = append(ps, pkt{v6: true, src: "2001:db8::5", dst: "2001:db8::9", sport: 6000, dport: 6016, dscp: 46, vlan: tags[0], qinq: tags[1], payload: 20})
		ps = append(ps, pkt{src: "10.0.0.5", dst: "10.0.0.9", sport: 6000, dport: 6016, dscp: 46, vlan: tags[0], qinq: tags[1], payload: 20})
	}
	path := writeCapture(t, t.TempDir(), "vlan.pcap", layers.LinkTypeEthernet, false, ps)
	rep := checkFile(t, path, testPolicy(), Options{})
	sameAsTshark(t, rep, path)
	if rep.Summary.Flows != 2 || rep.Summary.OK != 2 || rep.Flows[0].Packets+rep.Flows[1].Packets != len(ps) {
		t.Errorf("summary %+v", rep.Summary)
	}
}

func TestModalityFilter(t *testing.T) {
	path := writeCapture(t, t.TempDir(), "call.pcap", layers.LinkTypeEthernet, false, goldenPackets())
	rep := checkFile(t, path, testPolicy(), Options{Modalities: []string{"signaling"}})
	var got []string
	for _, f := range rep.Flows {
		got = append(got, f.Status+" "+f.Modality)
	}
	// Signaling flows, and media outside every range (it belongs to none).
	want := []string{"out-of-range ", "ok signaling", "mismarked signaling"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("flows %q, want %q", got, want)
	}
	if len(rep.Modalities) != 1 || rep.Modalities[0].Name != "signaling" || rep.Summary.Flows != 3 || rep.Summary.Packets != len(goldenPackets()) {
		t.Errorf("modalities %+v, summary %+v", rep.Modalities, rep.Summary)
	}
	if _, err := CheckFile(context.Background(), path, testPolicy(), Options{Modalities: []string{"fax"}}); err == nil || !strings.Contains(err.Error(), "audio, video, signaling") {
		t.Errorf("unknown modality: %v", err)
	}
}

func TestAllOK(t *testing.T) {
	rep := checkFile(t, writeCapture(t, t.TempDir(), "ok.pcap", layers.LinkTypeEthernet, false, okPackets()), testPolicy(), Options{})
	if rep.ExitCode() != ExitOK || rep.Summary.OK != 2 || rep.Summary.Other != 1 || len(rep.Fixes) != 0 {
		t.Errorf("exit %d, summary %+v, fixes %q", rep.ExitCode(), rep.Summary, rep.Fixes)
	}
}

func TestNoEndpoints(t *testing.T) {
	path := writeCapture(t, t.TempDir(), "ok.pcap", layers.LinkTypeEthernet, false, goldenPackets()[:1])
	if _, err := CheckFile(context.Background(), path, agent.DefaultPolicy(), Options{}); !errors.Is(err, ErrNoEndpoints) {
		t.Errorf("err %v, want ErrNoEndpoints", err)
	}
}

func TestMatch(t *testing.T) {
	m, err := newMatcher(testPolicy())
	if err != nil {
		t.Fatal(err)
	}
	p := testPolicy()
	p.Endpoints.Modalities = append(p.Endpoints.Modalities,
		agent.Modality{Name: "sharing", Class: "video", Protocol: agent.ProtoBoth, SourcePorts: &agent.PortRange{First: 6010, Last: 6050}})
	overlap, err := newMatcher(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name         string
		m            matcher
		proto        string
		sport, dport int
		mod          string
		byDest       bool
	}{
		{"source port in audio", m, "udp", 6000, 40000, "audio", false},
		{"range ends are inclusive", m, "udp", 6019, 40000, "audio", false},
		{"first port of video", m, "udp", 6020, 40000, "video", false},
		{"return direction by source range", m, "udp", 2230, 6018, "audio", true},
		{"source beats destination", m, "udp", 6025, 6005, "video", false},
		{"protocol must match", m, "tcp", 6000, 40000, "", false},
		{"destination port modality", m, "tcp", 50000, 5061, "signaling", true},
		{"destination modality never by source", m, "tcp", 5061, 50000, "", false},
		{"udp to a tcp destination", m, "udp", 50000, 5061, "", false},
		{"no range", m, "udp", 7000, 7002, "", false},
		{"first modality wins on overlap", overlap, "udp", 6015, 1, "audio", false},
		{"both matches tcp", overlap, "tcp", 6045, 1, "sharing", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i, byDest := tc.m.match(tc.proto, tc.sport, tc.dport)
			got := ""
			if i >= 0 {
				got = tc.m.mods[i].Name
			}
			if got != tc.mod || byDest != tc.byDest {
				t.Errorf("match(%s %d->%d) = %q by destination %v; want %q %v", tc.proto, tc.sport, tc.dport, got, byDest, tc.mod, tc.byDest)
			}
		})
	}
}

func TestMatcherErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  agent.Modality
		want string
	}{
		{"unknown class", agent.Modality{Name: "x", Class: "fax", Protocol: "udp", SourcePorts: &agent.PortRange{First: 1, Last: 2}}, `class "fax"`},
		{"no ports", agent.Modality{Name: "x", Class: "audio", Protocol: "udp"}, "exactly one"},
		{"bad protocol", agent.Modality{Name: "x", Class: "audio", Protocol: "sctp", SourcePorts: &agent.PortRange{First: 1, Last: 2}}, `"sctp"`},
	} {
		p := agent.DefaultPolicy()
		p.Endpoints = &agent.Endpoints{Modalities: []agent.Modality{tc.mod}}
		if _, err := newMatcher(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestRTPDetection(t *testing.T) {
	mk := func(ssrc uint32, seqs ...int) [][]byte {
		var out [][]byte
		for _, s := range seqs {
			out = append(out, rtpPayload(rtpHdr{ssrc: ssrc, seq: uint16(s)}, 20))
		}
		return out
	}
	rtcp := rtpPayload(rtpHdr{ssrc: 1, seq: 1}, 20)
	rtcp[1] = 200 // sender report
	for _, tc := range []struct {
		name string
		ps   [][]byte
		want bool
	}{
		{"five rising", mk(1, 10, 11, 12, 13, 14), true},
		{"four are not enough", mk(1, 10, 11, 12, 13), false},
		{"wraps at 65535", mk(1, 65533, 65534, 65535, 0, 1), true},
		{"small gaps from loss", mk(1, 10, 12, 15, 16, 20), true},
		{"jumps are not a stream", mk(1, 10, 100, 200, 300, 400), false},
		{"repeats are not a stream", mk(1, 10, 10, 10, 10, 10), false},
		{"ssrc changes every packet", append(append(mk(1, 1), mk(2, 2)...), append(mk(3, 3), append(mk(4, 4), mk(5, 5)...)...)...), false},
		{"rtcp between is ignored", append(mk(1, 1, 2, 3), append([][]byte{rtcp}, mk(1, 4, 5)...)...), true},
		{"version 1", func() [][]byte {
			ps := mk(1, 1, 2, 3, 4, 5)
			for _, p := range ps {
				p[0] = 0x40
			}
			return ps
		}(), false},
		{"too short", [][]byte{{0x80, 0}, {0x80, 0}, {0x80, 0}, {0x80, 0}, {0x80, 0}}, false},
	} {
		var r rtpState
		for _, p := range tc.ps {
			r.observe(p)
		}
		if r.is != tc.want {
			t.Errorf("%s: rtp %v, want %v", tc.name, r.is, tc.want)
		}
	}
}

func TestDSCPJSON(t *testing.T) {
	var c dscpCounts
	c[46], c[0], c[8] = 5, 2, 1
	b, _ := c.MarshalJSON()
	if string(b) != `{"0":2,"8":1,"46":5}` {
		t.Errorf("%s", b)
	}
	if seen(&c) != "0 BE x2, 8 CS1 x1, 46 EF x5" {
		t.Errorf("%s", seen(&c))
	}
	for d, want := range map[int]string{0: "0 BE", 10: "10 AF11", 38: "38 AF43", 44: "44 VA", 48: "48 CS6", 13: "13", 42: "42"} {
		if got := dscpLabel(d); got != want {
			t.Errorf("dscpLabel(%d) = %q, want %q", d, got, want)
		}
	}
}

// TestNoAllocations pins the hot path: decoding a packet of a known flow
// and counting it allocates nothing.
func TestNoAllocations(t *testing.T) {
	a, err := newAnalyzer(testPolicy(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, link := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2} {
		for _, p := range []pkt{
			{src: "10.0.0.5", dst: "10.0.0.9", sport: 6000, dport: 6016, dscp: 46, vlan: 20, rtp: &rtpHdr{ssrc: 1, seq: 1}},
			{v6: true, tcp: true, src: "2001:db8::5", dst: "2001:db8::9", sport: 50000, dport: 5061, dscp: 24, payload: 100},
		} {
			fr := frame{data: frameFor(t, link, p), link: link, ts: goldenStart}
			a.add(fr) // creates the flow
			if n := testing.AllocsPerRun(1000, func() { a.add(fr) }); n != 0 {
				t.Errorf("%v %+v: %v allocations per packet", link, p, n)
			}
		}
	}
}

// TestNoAllocationsPerPacket: a whole check of a file allocates no more
// for 2000 packets than for 200, in every format and framing.
func TestNoAllocationsPerPacket(t *testing.T) {
	dir := t.TempDir()
	var ps []pkt
	for i := range 2000 {
		ps = append(ps, pkt{src: "10.0.0.5", dst: "10.0.0.9", sport: 6000, dport: 6016, dscp: 46, rtp: &rtpHdr{ssrc: 1, seq: uint16(i)}})
	}
	for _, ng := range []bool{false, true} {
		for _, link := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2} {
			name := fmt.Sprintf("%d-%v", link, ng)
			small := writeCapture(t, dir, name+"-small", link, ng, ps[:200])
			large := writeCapture(t, dir, name+"-large", link, ng, ps)
			allocs := func(path string) float64 {
				return testing.AllocsPerRun(3, func() {
					if _, err := CheckFile(context.Background(), path, testPolicy(), Options{}); err != nil {
						t.Fatal(err)
					}
				})
			}
			// A few allocations of slack: the race detector adds some at
			// random; one per packet would add 1800.
			if s, l := allocs(small), allocs(large); l > s+10 {
				t.Errorf("%v pcapng %v: %v allocations for 200 packets, %v for 2000", link, ng, s, l)
			}
		}
	}
}

// TestFixes: each kind of problem gets its own advice.
func TestFixes(t *testing.T) {
	a, err := newAnalyzer(testPolicy(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(proto uint8, sport, dport uint16, marks map[int]int) (*flow, Flow) {
		f := &flow{key: flowKey{proto: proto, sport: sport, dport: dport}}
		copy(f.key.src[:], []byte{10, 0, 0, 5})
		copy(f.key.dst[:], []byte{10, 0, 0, 9})
		for d, n := range marks {
			f.dscp[d] += n
			f.packets += n
		}
		f.mod, f.byDest = a.m.match(f.key.protocol(), int(sport), int(dport))
		fl := Flow{Src: f.key.srcString(), Dst: f.key.dstString(), Protocol: f.key.protocol(), Status: StatusMismarked}
		if f.mod < 0 {
			fl.Status = StatusOutOfRange
		} else {
			fl.Mismarked = f.packets - f.dscp[a.m.expected[f.mod]]
		}
		return f, fl
	}
	for _, tc := range []struct {
		name         string
		proto        uint8
		sport, dport uint16
		marks        map[int]int
		want         []string
	}{
		{"unmarked at the source", protoUDP, 6001, 40000, map[int]int{0: 10}, []string{"audio from 10.0.0.5:6001 to 10.0.0.9:40000 is unmarked (DSCP 0 on all 10 packets; expected 46 EF)", "uses audio's ports 6000-6019 but does not mark"}},
		{"wrong class", protoUDP, 6001, 40000, map[int]int{34: 10}, []string{"is marked 34 AF41 instead of 46 EF", "set audio to DSCP 46"}},
		{"partly re-marked", protoUDP, 6021, 40000, map[int]int{34: 8, 0: 2}, []string{"video from", "has 2 of 10 packets marked 0 BE instead of 34 AF41", "marks change within the flow"}},
		{"all wrong, several values", protoUDP, 6001, 40000, map[int]int{0: 3, 34: 3}, []string{"is marked 0 BE and 34 AF41 instead of 46 EF", "marks change within the flow"}},
		{"sender outside the range", protoUDP, 2230, 6018, map[int]int{0: 5}, []string{"the sender uses port 2230, outside audio's 6000-6019", "media port range to 6000-6019"}},
		{"destination modality unmarked", protoTCP, 50000, 5061, map[int]int{0: 4}, []string{"signaling from 10.0.0.5:50000 to 10.0.0.9:5061 is unmarked", "does not mark TCP to port 5061"}},
		{"media out of range", protoUDP, 7000, 7002, map[int]int{46: 5}, []string{"media (RTP) from 10.0.0.5:7000 to 10.0.0.9:7002 uses ports outside every modality of the policy (audio 6000-6019, video 6020-6039) and is marked 46 EF"}},
	} {
		f, fl := mk(tc.proto, tc.sport, tc.dport, tc.marks)
		got := a.fix(f, fl)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tc.name, got, w)
			}
		}
	}
	if f, fl := mk(protoUDP, 6001, 40000, map[int]int{46: 3}); a.fix(f, Flow{Status: StatusOK, Src: fl.Src}) != "" {
		t.Error("an ok flow has a fix")
	}
}

// TestFlowTableBound: a capture with more flows than the table holds (a
// scan: one flow a packet) keeps the flows it has, counts the packets of
// the others as unchecked, and exits 2 (incomplete), whatever it found.
func TestFlowTableBound(t *testing.T) {
	var ps []pkt
	for i := range 8 {
		ps = append(ps, pkt{src: "10.0.0.5", dst: "10.0.0.9", sport: 6000, dport: 6016, dscp: 46})
		ps = append(ps, pkt{src: "10.0.0.66", dst: "10.0.0.9", sport: 40000 + i, dport: 80 + i, tcp: true})
	}
	path := writeCapture(t, t.TempDir(), "scan.pcap", layers.LinkTypeEthernet, false, ps)
	rep := checkFile(t, path, testPolicy(), Options{MaxFlows: 3})
	if rep.Summary.Packets != 16 || rep.Summary.Flows != 3 || rep.Skipped.Untracked != 6 {
		t.Fatalf("summary %+v, skipped %+v", rep.Summary, rep.Skipped)
	}
	if f := rep.Flows[0]; f.Modality != "audio" || f.Packets != 8 || f.Status != StatusOK {
		t.Errorf("the audio flow, tracked first, lost packets: %+v", f)
	}
	if rep.ExitCode() != ExitIncomplete {
		t.Errorf("exit %d, want %d", rep.ExitCode(), ExitIncomplete)
	}
	table := string(render(t, rep, true))
	for _, want := range []string{"6 packets NOT CHECKED", "more than 3 flows", "this check is incomplete (exit 2)"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if !strings.Contains(string(render(t, rep, false)), `"untracked":6`) {
		t.Error("JSON lacks skipped.untracked")
	}
	// Within the bound nothing is left out, and the field is absent.
	rep = checkFile(t, path, testPolicy(), Options{})
	if rep.Skipped.Untracked != 0 || rep.Summary.Flows != 9 || rep.ExitCode() != ExitOK || strings.Contains(string(render(t, rep, false)), "untracked") {
		t.Errorf("default bound: %+v %+v exit %d", rep.Summary, rep.Skipped, rep.ExitCode())
	}
}

// TestTunnelsNotOpened: an IPv6 packet carried in IPv4 (6in4, protocol 41)
// is not taken for the inner flow: the switches on the path queue it by the
// outer header's DSCP, which the inner flow's verdict would not show.
func TestTunnelsNotOpened(t *testing.T) {
	_, inner := ipLayers(t, pkt{v6: true, src: "2001:db8::5", dst: "2001:db8::9", sport: 6000, dport: 6016, dscp: 46, payload: 20})
	buf := gopacket.NewSerializeBuffer()
	outer := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolIPv6, SrcIP: net.IPv4(192, 0, 2, 1), DstIP: net.IPv4(192, 0, 2, 2)}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, outer, gopacket.Payload(inner)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "6in4.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeRaw); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: goldenStart, CaptureLength: len(data), Length: len(data)}, data); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rep := checkFile(t, path, testPolicy(), Options{})
	if len(rep.Flows) != 0 || rep.Skipped.NotUDPOrTCP != 1 {
		t.Errorf("flows %+v, skipped %+v", rep.Flows, rep.Skipped)
	}
}

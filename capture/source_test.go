package capture

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// cut writes the first n bytes of src to a new file.
func cut(t *testing.T, src string, n int) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cut")
	if err := os.WriteFile(path, b[:n], 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func inputError(t *testing.T, path string) *InputError {
	t.Helper()
	_, err := CheckFile(context.Background(), path, testPolicy(), Options{})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("err %v, want an *InputError", err)
	}
	return ie
}

func TestTruncatedPcap(t *testing.T) {
	ps := goldenPackets()[:8]
	path := writeCapture(t, t.TempDir(), "f.pcap", layers.LinkTypeEthernet, false, ps)
	// Offsets of the records: a 24-byte file header, then 16 bytes of
	// record header before each frame.
	var recs []int
	off := 24
	for _, p := range ps {
		recs = append(recs, off)
		off += 16 + len(frameFor(t, layers.LinkTypeEthernet, p))
	}
	last := recs[len(recs)-1]
	full := off - last - 16

	t.Run("final packet cut short is counted", func(t *testing.T) {
		for _, keep := range []int{0, 1, 30, full - 1} {
			rep := checkFile(t, cut(t, path, last+16+keep), testPolicy(), Options{})
			want := Truncation{Packet: len(ps), Offset: int64(last), Captured: keep, Expected: full}
			if rep.Truncated == nil || *rep.Truncated != want {
				t.Errorf("keep %d: truncated %+v, want %+v", keep, rep.Truncated, want)
			}
			if rep.Summary.Packets != len(ps) || len(rep.Warnings) == 0 || !strings.Contains(rep.Warnings[0], "cut short") {
				t.Errorf("keep %d: packets %d, warnings %q", keep, rep.Summary.Packets, rep.Warnings)
			}
			// 42 bytes hold Ethernet, IPv4 and UDP: the packet joins its flow.
			inFlow := 0
			for _, f := range rep.Flows {
				inFlow += f.Packets
			}
			wantIn, wantCut := len(ps), 0
			if keep < 42 {
				wantIn, wantCut = len(ps)-1, 1
			}
			if inFlow != wantIn || rep.Skipped.CutShort != wantCut {
				t.Errorf("keep %d: %d packets in flows, %d cut short; want %d and %d", keep, inFlow, rep.Skipped.CutShort, wantIn, wantCut)
			}
			if len(rep.Warnings) > 1 && strings.Contains(rep.Warnings[1], "snap length") {
				t.Errorf("keep %d: the truncated packet is blamed on the snap length: %q", keep, rep.Warnings)
			}
		}
	})
	t.Run("cut in a record header is bad input", func(t *testing.T) {
		for _, at := range []int{recs[1] + 1, recs[1] + 15, last + 8} {
			ie := inputError(t, cut(t, path, at))
			rec := recs[1]
			if at > last {
				rec = last
			}
			if ie.Offset != int64(rec) || !strings.Contains(ie.Msg, "record header") {
				t.Errorf("cut at %d: %v; want the record at byte %d", at, ie, rec)
			}
		}
	})
	t.Run("cut in the file header", func(t *testing.T) {
		if ie := inputError(t, cut(t, path, 10)); !strings.Contains(ie.Error(), "file header") {
			t.Errorf("%v", ie)
		}
	})
	t.Run("cut at a record boundary is a whole capture", func(t *testing.T) {
		rep := checkFile(t, cut(t, path, last), testPolicy(), Options{})
		if rep.Truncated != nil || rep.Summary.Packets != len(ps)-1 {
			t.Errorf("truncated %+v, packets %d", rep.Truncated, rep.Summary.Packets)
		}
	})
}

func TestTruncatedPcapng(t *testing.T) {
	ps := goldenPackets()[:8]
	path := writeCapture(t, t.TempDir(), "f.pcapng", layers.LinkTypeEthernet, true, ps)
	b, _ := os.ReadFile(path)
	// Walk the blocks to find the last enhanced packet block.
	var epbs []int
	for off := 0; off+8 <= len(b); off += int(binary.LittleEndian.Uint32(b[off+4:])) {
		if binary.LittleEndian.Uint32(b[off:]) == pcapngEPB {
			epbs = append(epbs, off)
		}
	}
	if len(epbs) != len(ps) {
		t.Fatalf("%d packet blocks, want %d", len(epbs), len(ps))
	}
	last := epbs[len(epbs)-1]
	full := len(frameFor(t, layers.LinkTypeEthernet, ps[len(ps)-1]))
	for _, keep := range []int{0, 20, full - 1, full} {
		rep := checkFile(t, cut(t, path, last+28+keep), testPolicy(), Options{})
		want := Truncation{Packet: len(ps), Offset: int64(last), Captured: keep, Expected: full}
		if rep.Truncated == nil || *rep.Truncated != want || rep.Summary.Packets != len(ps) {
			t.Errorf("keep %d: truncated %+v, want %+v; packets %d", keep, rep.Truncated, want, rep.Summary.Packets)
		}
	}
	for _, at := range []int{last + 4, last + 20} {
		ie := inputError(t, cut(t, path, at))
		if ie.Offset != int64(last) || !strings.Contains(ie.Msg, "ends in the middle") {
			t.Errorf("cut at %d: %v; want the block at byte %d", at, ie, last)
		}
	}
	// A block whose length field is garbage.
	bad := bytes.Clone(b)
	binary.LittleEndian.PutUint32(bad[epbs[2]+4:], 7)
	p2 := filepath.Join(t.TempDir(), "bad.pcapng")
	os.WriteFile(p2, bad, 0o644)
	if ie := inputError(t, p2); ie.Offset != int64(epbs[2]) {
		t.Errorf("bad length: %v; want the block at byte %d", ie, epbs[2])
	}
}

func TestNotACapture(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("hello"))
	zw.Close()
	// A pcap header for IEEE 802.11 (link type 105).
	wifi := make([]byte, 24)
	binary.LittleEndian.PutUint32(wifi[0:], pcapMagicMicro)
	binary.LittleEndian.PutUint16(wifi[4:], 2)
	binary.LittleEndian.PutUint16(wifi[6:], 4)
	binary.LittleEndian.PutUint32(wifi[16:], 65535)
	binary.LittleEndian.PutUint32(wifi[20:], 105)
	for _, tc := range []struct {
		name, path, want string
		offset           int64
	}{
		{"text", write("notes.txt", []byte("audio 6000-6019\n")), "not a capture file", 0},
		{"empty", write("empty.pcap", nil), "too short", -1},
		{"gzip", write("c.pcap.gz", gz.Bytes()), "gunzip", 0},
		{"wifi", write("wifi.pcap", wifi), "link type 105", 20},
		{"missing", filepath.Join(dir, "nope.pcap"), "no such file", -1},
		{"directory", dir, "not a regular file", -1},
	} {
		ie := inputError(t, tc.path)
		if !strings.Contains(ie.Msg, tc.want) || ie.Offset != tc.offset || !strings.HasPrefix(ie.Error(), tc.path) {
			t.Errorf("%s: %v (offset %d); want %q at %d", tc.name, ie, ie.Offset, tc.want, tc.offset)
		}
	}
}

// TestCutShort: a snap length that cuts into the IP header leaves the
// packet out of every flow, counted and said.
func TestCutShort(t *testing.T) {
	p := pkt{src: "10.0.0.5", dst: "10.0.0.9", sport: 6000, dport: 6016, dscp: 46, payload: 10}
	path := writeCapture(t, t.TempDir(), "short.pcap", layers.LinkTypeEthernet, false, []pkt{p})
	b, _ := os.ReadFile(path)
	// Rewrite the record's captured length to 14+10 bytes and drop the rest.
	binary.LittleEndian.PutUint32(b[24+8:], 24)
	b = b[:24+16+24]
	os.WriteFile(path, b, 0o644)
	rep := checkFile(t, path, testPolicy(), Options{})
	if rep.Skipped.CutShort != 1 || len(rep.Flows) != 0 || rep.Truncated != nil {
		t.Errorf("skipped %+v, flows %d, truncated %v", rep.Skipped, len(rep.Flows), rep.Truncated)
	}
}

// TestMixedLinkTypes: a pcapng file with an Ethernet and a Linux cooked v2
// interface (dumpcap -i eth0 -i any) is read whole, each packet with its
// interface's framing.
func TestMixedLinkTypes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mixed.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	intf := pcapgo.DefaultNgInterface
	intf.LinkType = layers.LinkTypeEthernet
	w, err := pcapgo.NewNgWriterInterface(f, intf, pcapgo.NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	intf.LinkType, intf.Name = layers.LinkTypeLinuxSLL2, "any"
	id, err := w.AddInterface(intf)
	if err != nil {
		t.Fatal(err)
	}
	ps := goldenPackets()[:12]
	for i, p := range ps {
		link, iface := layers.LinkTypeEthernet, 0
		if i%3 == 1 {
			link, iface = layers.LinkTypeLinuxSLL2, id
		}
		data := frameFor(t, link, p)
		ci := gopacket.CaptureInfo{Timestamp: goldenStart.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(data), Length: len(data), InterfaceIndex: iface}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	f.Close()
	rep := checkFile(t, path, testPolicy(), Options{})
	sameAsTshark(t, rep, path)
	if rep.Summary.Packets != len(ps) || rep.Summary.Flows != 2 || rep.Flows[0].Packets != 6 || rep.Flows[1].Packets != 6 {
		t.Errorf("summary %+v", rep.Summary)
	}
}

// TestEmptyCaptures: a capture without packets (tcpdump stopped before the
// first one; a pcapng section whose writer never got to describe an
// interface) is read as zero packets, and the report says it proves nothing.
func TestEmptyCaptures(t *testing.T) {
	dir := t.TempDir()
	// A pcapng section header block alone: type, length 28, byte-order
	// magic, version 1.0, section length -1 (unknown), length again.
	shb := make([]byte, 28)
	binary.LittleEndian.PutUint32(shb[0:], pcapngBlockSHB)
	binary.LittleEndian.PutUint32(shb[4:], 28)
	binary.LittleEndian.PutUint32(shb[8:], pcapngByteOrder)
	binary.LittleEndian.PutUint16(shb[12:], 1)
	binary.LittleEndian.PutUint64(shb[16:], ^uint64(0))
	binary.LittleEndian.PutUint32(shb[24:], 28)
	shbOnly := filepath.Join(dir, "shb.pcapng")
	if err := os.WriteFile(shbOnly, shb, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		writeCapture(t, dir, "empty.pcap", layers.LinkTypeEthernet, false, nil),
		writeCapture(t, dir, "empty.pcapng", layers.LinkTypeEthernet, true, nil),
		shbOnly,
	} {
		rep := checkFile(t, path, testPolicy(), Options{})
		if rep.Summary.Packets != 0 || len(rep.Flows) != 0 || rep.ExitCode() != ExitOK {
			t.Errorf("%s: %+v, exit %d", path, rep.Summary, rep.ExitCode())
		}
		if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "the capture holds no packets") {
			t.Errorf("%s: warnings %q", path, rep.Warnings)
		}
	}
}

package capture

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// benchCapture writes a pcap of about mb MiB: 256 flows round robin (160
// audio RTP flows of 214-byte frames, 48 video RTP flows of 1014 bytes,
// 48 TCP flows of 1414 bytes), some packets mismarked. It returns the path
// and the packet count.
func benchCapture(b *testing.B, path string, mb int) int {
	b.Helper()
	type tmpl struct {
		data []byte
		rtp  bool
	}
	var ts []tmpl
	for i := range 256 {
		var p pkt
		switch {
		case i < 160:
			p = pkt{src: fmt.Sprintf("10.1.%d.%d", i/200, i%200+1), dst: "10.2.0.1", sport: 6000 + i%20, dport: 30000 + i, dscp: 46, rtp: &rtpHdr{ssrc: uint32(i)}}
		case i < 208:
			p = pkt{src: fmt.Sprintf("10.3.0.%d", i-159), dst: "10.2.0.1", sport: 6020 + i%20, dport: 31000 + i, dscp: 34, rtp: &rtpHdr{ssrc: uint32(i)}}
		default:
			p = pkt{tcp: true, src: fmt.Sprintf("10.4.0.%d", i-207), dst: "10.2.0.2", sport: 40000 + i, dport: 5061, dscp: 24, payload: 1348}
		}
		data := frameFor(b, layers.LinkTypeEthernet, p)
		if i >= 160 && i < 208 { // video: bigger RTP packets
			ext := make([]byte, 800)
			data = append(data, ext...)
			binary.BigEndian.PutUint16(data[16:], uint16(len(data)-14)) // IPv4 total length
			binary.BigEndian.PutUint16(data[38:], uint16(len(data)-34)) // UDP length
			binary.BigEndian.PutUint16(data[24:], 0)
			binary.BigEndian.PutUint16(data[24:], ipv4Checksum(data[14:34]))
		}
		if p.rtp != nil {
			binary.BigEndian.PutUint16(data[40:], 0) // no UDP checksum: the sequence numbers change
		}
		ts = append(ts, tmpl{data: data, rtp: p.rtp != nil})
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := pcapgo.NewWriter(bw)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		b.Fatal(err)
	}
	limit := int64(mb) << 20
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var written int64
	n := 0
	for seq := uint16(0); written < limit; seq++ {
		for i := range ts {
			t := &ts[i]
			if t.rtp {
				binary.BigEndian.PutUint16(t.data[44:], seq) // RTP sequence number
				tos := byte(46 << 2)
				if i >= 160 {
					tos = 34 << 2
				}
				if i%16 == 0 && seq%50 == 0 {
					tos = 0 // every 50th packet of one flow in 16 loses its mark
				}
				if t.data[15] != tos {
					t.data[15] = tos
					binary.BigEndian.PutUint16(t.data[24:], 0)
					binary.BigEndian.PutUint16(t.data[24:], ipv4Checksum(t.data[14:34]))
				}
			}
			ci := gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(n) * 10 * time.Microsecond), CaptureLength: len(t.data), Length: len(t.data)}
			if err := w.WritePacket(ci, t.data); err != nil {
				b.Fatal(err)
			}
			written += int64(16 + len(t.data))
			n++
		}
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	return n
}

func ipv4Checksum(h []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(h); i += 2 {
		s += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// BenchmarkCheckFile: packets per second of a whole check on a capture the
// benchmark writes. QOSAGENT_BENCH_CAPTURE_MB sizes it (default 4);
// QOSAGENT_BENCH_CAPTURE_OUT keeps it at that path, for the comparison
// with tshark in bench/capture.sh.
func BenchmarkCheckFile(b *testing.B) {
	mb := 4
	if v := os.Getenv("QOSAGENT_BENCH_CAPTURE_MB"); v != "" {
		var err error
		if mb, err = strconv.Atoi(v); err != nil || mb < 1 {
			b.Fatalf("QOSAGENT_BENCH_CAPTURE_MB=%q: expected a positive number of MiB", v)
		}
	}
	path := os.Getenv("QOSAGENT_BENCH_CAPTURE_OUT")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.pcap")
	}
	n := benchCapture(b, path, mb)
	st, _ := os.Stat(path)
	p := testPolicy()
	b.SetBytes(st.Size())
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		rep, err := CheckFile(context.Background(), path, p, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Summary.Packets != n || rep.Summary.Flows != 256 {
			b.Fatalf("%d packets in %d flows, want %d in 256", rep.Summary.Packets, rep.Summary.Flows, n)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.StopTimer()
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
	b.ReportMetric(float64(peak)/(1<<20), "heap-MiB")
}

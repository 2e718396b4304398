package capture

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"time"
)

// IP protocol numbers of the transports a flow can have.
const (
	protoTCP = 6
	protoUDP = 17
)

// flowKey identifies a one-directional flow. Fixed-size arrays keep it
// comparable and cheap to hash, with no allocation per lookup.
type flowKey struct {
	src, dst     [16]byte
	sport, dport uint16
	proto        uint8
	v6           bool
}

func (k flowKey) protocol() string {
	if k.proto == protoTCP {
		return "tcp"
	}
	return "udp"
}

func (k flowKey) addr(b [16]byte) netip.Addr {
	if k.v6 {
		return netip.AddrFrom16(b)
	}
	return netip.AddrFrom4([4]byte(b[:4]))
}

// endpoint renders host:port with IPv6 in brackets.
func (k flowKey) endpoint(b [16]byte, port uint16) string {
	return netip.AddrPortFrom(k.addr(b), port).String()
}

func (k flowKey) srcString() string { return k.endpoint(k.src, k.sport) }
func (k flowKey) dstString() string { return k.endpoint(k.dst, k.dport) }

// flow accumulates one flow's packets.
type flow struct {
	key         flowKey
	packets     int
	dscp        dscpCounts
	first, last time.Time
	mod         int // index of the matched modality, -1 when none
	byDest      bool
	rtp         rtpState
}

// RTP detection: a flow is media when several packets in a row carry an
// RTP version 2 header with the same SSRC and rising sequence numbers.
const (
	rtpMinRun  = 4  // consecutive rises needed: five packets
	rtpMaxStep = 16 // a rise of up to this many numbers (lost packets) still counts
)

type rtpState struct {
	ssrc uint32
	seq  uint16
	run  int
	have bool // a previous packet looked like RTP
	is   bool // detected; sticky
}

// observe looks at one UDP payload (RFC 3550 section 5.1 header).
func (r *rtpState) observe(p []byte) {
	if r.is {
		return
	}
	if len(p) < 12 || p[0]>>6 != 2 {
		r.have, r.run = false, 0
		return
	}
	// Payload types 72-76 (with the marker bit: bytes 200-204) are RTCP
	// multiplexed on the RTP port (RFC 5761), not media.
	if pt := p[1] & 0x7f; pt >= 72 && pt <= 76 {
		return
	}
	seq := binary.BigEndian.Uint16(p[2:4])
	ssrc := binary.BigEndian.Uint32(p[8:12])
	if r.have && ssrc == r.ssrc {
		if step := seq - r.seq; step >= 1 && step <= rtpMaxStep {
			r.run++
		} else {
			r.run = 0
		}
	} else {
		r.run = 0
	}
	r.have, r.ssrc, r.seq = true, ssrc, seq
	if r.run >= rtpMinRun {
		r.is = true
	}
}

// dscpCounts is a flow's DSCP histogram; it encodes as a JSON object whose
// keys are the decimal DSCP values in numeric order.
type dscpCounts [64]int

func (c dscpCounts) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for d, n := range c {
		if n == 0 {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(d), 10)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return append(b, '}'), nil
}

// values lists the DSCP values present, in numeric order.
func (c *dscpCounts) values() []int {
	var out []int
	for d, n := range c {
		if n > 0 {
			out = append(out, d)
		}
	}
	return out
}

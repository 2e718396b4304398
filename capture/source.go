package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// InputError is a capture that cannot be read: not a capture file, cut in
// the middle of a header, an unsupported link type. Offset is the byte of
// the file where the problem is (-1 when it has none).
type InputError struct {
	File   string
	Offset int64
	Msg    string
}

func (e *InputError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: at byte %d: %s", e.File, e.Offset, e.Msg)
}

// Truncation describes a final packet cut short, as a capture stopped in
// the middle of a write leaves it. The packet is still counted.
type Truncation struct {
	Packet   int   `json:"packet"`   // 1-based number of the packet in the file
	Offset   int64 `json:"at_byte"`  // where its record (pcap) or block (pcapng) starts
	Captured int   `json:"captured"` // bytes of the packet in the file
	Expected int   `json:"expected"` // bytes its header announced
}

// frame is one packet as a source hands it over; data is only valid until
// the next call.
type frame struct {
	data []byte
	link layers.LinkType
	ts   time.Time
	cut  bool // the final packet, cut short in the file
}

// source yields packets until io.EOF.
type source interface {
	next() (frame, error)
}

// Magic numbers at the start of a capture file.
const (
	pcapMagicMicro     = 0xa1b2c3d4
	pcapMagicNano      = 0xa1b23c4d
	pcapngBlockSHB     = 0x0a0d0d0a
	pcapngByteOrder    = 0x1a2b3c4d
	pcapRecordHeader   = 16 // ts_sec, ts_usec, incl_len, orig_len
	pcapngEPBHeader    = 28 // type, length, interface, ts (2), caplen, origlen
	pcapngPBHeader     = 28 // same layout with drops_count and a 16-bit interface
	pcapngSPBHeader    = 12 // type, length, original length
	readBufferSize     = 1 << 20
	pcapngEPB          = 6
	pcapngPB           = 2
	pcapngSPB          = 3
	maxWalkBlockLength = 1 << 30
)

// countingReader counts the bytes read from the file; with the bufio.Reader
// above it, consumed = n - Buffered() is the exact offset of the next byte
// the pcapgo readers will look at.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// fileSource reads a pcap or pcapng file through pcapgo, keeping track of
// byte offsets so that errors can say where the file is damaged.
type fileSource struct {
	name   string
	f      *os.File
	size   int64
	cr     *countingReader
	br     *bufio.Reader
	pcap   *pcapgo.Reader
	ng     *pcapgo.NgReader
	bigEnd bool // pcapng byte order of the first section
	link   layers.LinkType
	n      int // packets handed out
	trunc  *Truncation
	done   bool
	mixed  bool // pcapng: every packet says its link type
}

// errMixedLinks says a pcapng file holds interfaces of several link types:
// it is read again in pcapgo's mixed mode, which boxes each packet's link
// type (an allocation per packet for types above 255, such as Linux cooked
// v2), so files of one link type are read without it.
var errMixedLinks = errors.New("pcapng interfaces of several link types")

func openFile(name string, mixed bool) (*fileSource, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, &InputError{File: name, Offset: -1, Msg: err.Error()}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &InputError{File: name, Offset: -1, Msg: err.Error()}
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &InputError{File: name, Offset: -1, Msg: "not a regular file; expected a pcap or pcapng capture"}
	}
	s := &fileSource{name: name, f: f, size: st.Size(), mixed: mixed}
	if err := s.open(); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func (s *fileSource) Close() error { return s.f.Close() }

func (s *fileSource) consumed() int64 { return s.cr.n - int64(s.br.Buffered()) }

func (s *fileSource) bad(off int64, format string, args ...any) error {
	return &InputError{File: s.name, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func (s *fileSource) open() error {
	var head [12]byte
	n, _ := io.ReadFull(s.f, head[:])
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return s.bad(-1, "%v", err)
	}
	s.cr = &countingReader{r: s.f}
	// bufio.NewReader inside pcapgo returns this reader as it is (it is
	// larger than its default), so consumed() stays exact.
	s.br = bufio.NewReaderSize(s.cr, readBufferSize)
	if n < 4 {
		return s.bad(-1, "%d bytes: too short for a capture file; expected pcap or pcapng", s.size)
	}
	le, be := binary.LittleEndian.Uint32(head[:4]), binary.BigEndian.Uint32(head[:4])
	switch {
	case head[0] == 0x1f && head[1] == 0x8b:
		return s.bad(0, "gzip-compressed; decompress it first (gunzip)")
	case le == pcapMagicMicro || le == pcapMagicNano || be == pcapMagicMicro || be == pcapMagicNano:
		if s.size < 24 {
			return s.bad(s.size, "the file ends in the middle of the pcap file header (24 bytes)")
		}
		r, err := pcapgo.NewReader(s.br)
		if err != nil {
			return s.bad(0, "pcap file header: %v", err)
		}
		s.pcap, s.link = r, r.LinkType()
		if !supportedLink(s.link) {
			return s.bad(20, "link type %d (%s) is not supported; expected %s", s.link, s.link, supportedLinks)
		}
	case le == pcapngBlockSHB:
		if n < 12 {
			return s.bad(s.size, "the file ends in the middle of the pcapng section header")
		}
		switch {
		case binary.LittleEndian.Uint32(head[8:12]) == pcapngByteOrder:
		case binary.BigEndian.Uint32(head[8:12]) == pcapngByteOrder:
			s.bigEnd = true
		default:
			return s.bad(8, "pcapng section header with a bad byte-order magic")
		}
		// A pcapng file may hold interfaces of several link types
		// (dumpcap -i eth0 -i any); pcapgo then reports a mismatch, and
		// the file is read again in mixed mode (errMixedLinks).
		r, err := pcapgo.NewNgReader(s.br, pcapgo.NgReaderOptions{WantMixedLinkType: s.mixed, ErrorOnMismatchingLinkType: !s.mixed})
		if errors.Is(err, pcapgo.ErrNgLinkTypeMismatch) {
			return errMixedLinks
		}
		if err == io.EOF {
			// pcapgo says io.EOF only at a block boundary: the section has
			// no interface, which pcapng allows for a section without
			// packets (a capture stopped before its first packet).
			s.done = true
			return nil
		}
		if err != nil {
			return s.walkError(0, err)
		}
		s.ng, s.link = r, r.LinkType()
	default:
		return s.bad(0, "not a capture file (starts with % x); expected pcap or pcapng, as tcpdump, dumpcap or Wireshark write them", head[:4])
	}
	return nil
}

// supportedLinks lists, for messages, the link types decode handles.
const supportedLinks = "Ethernet (1), Linux cooked v1 (113) or v2 (276), raw IP (101, 228, 229), BSD loopback (0, 108)"

func supportedLink(l layers.LinkType) bool {
	switch l {
	case layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2,
		layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6,
		layers.LinkTypeNull, layers.LinkTypeLoop:
		return true
	}
	return false
}

func (s *fileSource) next() (frame, error) {
	if s.done {
		return frame{}, io.EOF
	}
	start := s.consumed()
	if s.pcap != nil {
		return s.nextPcap(start)
	}
	return s.nextNg(start)
}

func (s *fileSource) nextPcap(start int64) (frame, error) {
	data, ci, err := s.pcap.ZeroCopyReadPacketData()
	if err == nil {
		s.n++
		return frame{data: data, link: s.link, ts: ci.Timestamp}, nil
	}
	end := s.consumed()
	switch {
	case (err == io.EOF || err == io.ErrUnexpectedEOF) && end == start:
		s.done = true
		return frame{}, io.EOF
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		if end-start < pcapRecordHeader {
			return frame{}, s.bad(start, "the file ends in the middle of the record header of packet %d (%d of %d bytes)%s", s.n+1, end-start, pcapRecordHeader, keepWhole(s.name, start))
		}
		got := int(end - start - pcapRecordHeader)
		got = min(got, len(data))
		return s.truncated(start, data[:got], ci.CaptureLength, s.link, ci.Timestamp)
	default:
		return frame{}, s.bad(start, "record header of packet %d: %v", s.n+1, err)
	}
}

func (s *fileSource) nextNg(start int64) (frame, error) {
	data, ci, err := s.ng.ZeroCopyReadPacketData()
	if errors.Is(err, pcapgo.ErrNgLinkTypeMismatch) {
		return frame{}, errMixedLinks
	}
	if err == nil {
		s.n++
		link := s.linkOf(ci)
		if !supportedLink(link) {
			return frame{}, s.bad(start, "packet %d: interface %d has link type %d (%s), not supported; expected %s", s.n, ci.InterfaceIndex, link, link, supportedLinks)
		}
		return frame{data: data, link: link, ts: ci.Timestamp}, nil
	}
	// pcapgo says io.EOF only at a block boundary (after any trailing
	// statistics or name blocks); a cut inside a block is ErrUnexpectedEOF.
	if err == io.EOF {
		s.done = true
		return frame{}, io.EOF
	}
	// A truncated packet block leaves its first bytes in data.
	if data != nil && err == io.ErrUnexpectedEOF {
		blk, hdr, ok := s.lastBlock(start)
		if ok && s.size >= blk+int64(hdr) {
			got := min(int(s.size-blk-int64(hdr)), len(data))
			link := s.linkOf(ci)
			if !supportedLink(link) {
				return frame{}, s.bad(blk, "packet %d: interface %d has link type %d (%s), not supported; expected %s", s.n+1, ci.InterfaceIndex, link, link, supportedLinks)
			}
			return s.truncated(blk, data[:got], ci.CaptureLength, link, ci.Timestamp)
		}
	}
	return frame{}, s.walkError(start, err)
}

// linkOf is the link type of a pcapng packet.
func (s *fileSource) linkOf(ci gopacket.CaptureInfo) layers.LinkType {
	if !s.mixed {
		return s.link
	}
	if len(ci.AncillaryData) == 0 {
		return 0
	}
	link, _ := ci.AncillaryData[0].(layers.LinkType)
	return link
}

func (s *fileSource) truncated(off int64, data []byte, want int, link layers.LinkType, ts time.Time) (frame, error) {
	s.n++
	s.done = true
	s.trunc = &Truncation{Packet: s.n, Offset: off, Captured: len(data), Expected: want}
	return frame{data: data, link: link, ts: ts, cut: true}, nil
}

// lastBlock finds, from a block boundary, the pcapng block that runs past
// the end of the file; ok when it is a packet block, hdr its header length.
func (s *fileSource) lastBlock(from int64) (off int64, hdr int, ok bool) {
	order := s.order()
	var b [12]byte
	for off = from; off < s.size; {
		if _, err := s.f.ReadAt(b[:8], off); err != nil {
			return off, 0, false
		}
		typ, length := order.Uint32(b[:4]), int64(order.Uint32(b[4:8]))
		if length < 12 || length > maxWalkBlockLength {
			return off, 0, false
		}
		if off+length <= s.size {
			off += length
			continue
		}
		switch typ {
		case pcapngEPB:
			return off, pcapngEPBHeader, true
		case pcapngPB:
			return off, pcapngPBHeader, true
		case pcapngSPB:
			return off, pcapngSPBHeader, true
		}
		return off, 0, false
	}
	return off, 0, false
}

func (s *fileSource) order() binary.ByteOrder {
	if s.bigEnd {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// walkError turns a pcapgo error into one that names the block at fault:
// it walks the blocks from a boundary before the error to the one that
// holds the last byte pcapgo consumed, or that runs past the end of the file.
func (s *fileSource) walkError(from int64, err error) error {
	order := s.order()
	end := s.consumed()
	var b [12]byte
	off := from
	for off < s.size {
		n, _ := s.f.ReadAt(b[:12], off)
		if n < 8 {
			return s.bad(off, "the file ends in the middle of a pcapng block header (%d of 8 bytes)%s", n, keepWhole(s.name, off))
		}
		typ, length := order.Uint32(b[:4]), int64(order.Uint32(b[4:8]))
		if typ == pcapngBlockSHB && n >= 12 {
			switch uint32(pcapngByteOrder) {
			case binary.LittleEndian.Uint32(b[8:12]):
				order = binary.LittleEndian
			case binary.BigEndian.Uint32(b[8:12]):
				order = binary.BigEndian
			}
			length = int64(order.Uint32(b[4:8]))
		}
		if length < 12 || length%4 != 0 {
			return s.bad(off, "pcapng block of type %#x with an invalid length %d", typ, length)
		}
		if off+length > s.size {
			return s.bad(off, "the file ends in the middle of a pcapng block of type %#x (%d of %d bytes; the file has %d)%s", typ, s.size-off, length, s.size, keepWhole(s.name, off))
		}
		if off+length >= end {
			return s.bad(off, "pcapng block of type %#x: %v", typ, ngErr(err))
		}
		off += length
	}
	return s.bad(off, "pcapng: %v", ngErr(err))
}

// keepWhole says how to check the whole packets before a cut header.
func keepWhole(name string, off int64) string {
	return fmt.Sprintf("; the capture was cut while being written: its first %d bytes hold whole packets (head -c %d %s > whole%s, then check that)", off, off, name, filepath.Ext(name))
}

func ngErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("a length inside the block runs past its end")
	}
	return err
}

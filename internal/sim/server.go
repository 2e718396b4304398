package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosnmp/gosnmp"
)

// DefaultMaxMsgSize is the largest request a Server reads and the largest
// response it sends when ServerConfig.MaxMsgSize is 0. It is far above what
// qosagent sends (64 DSCP rows fit in 2 KB) and keeps the per-socket buffer
// small enough for thousands of simulated switches.
const DefaultMaxMsgSize = 8192

// maxCommunity keeps the community within one BER short-form length byte,
// the only form gosnmp's encoder writes for it.
const maxCommunity = 127

// ServerConfig says how a Server authenticates requests.
type ServerConfig struct {
	// Community is the SNMPv2c community. Requests with another community
	// are dropped without an answer, as a real agent does. Empty disables
	// v2c. SNMPv1 is never answered.
	Community string
	// V3 is the optional SNMPv3 USM user (authPriv). Nil disables v3.
	V3 *V3User
	// MaxMsgSize caps requests and responses in bytes; 0 means
	// DefaultMaxMsgSize. A GETBULK response is cut to fit, other
	// responses that do not fit answer tooBig (RFC 3416).
	MaxMsgSize int
	// RTT is the simulated round trip time: every response leaves this
	// long after its request arrived (the whole delay is put on the
	// response; loopback adds microseconds). It is implemented with one
	// runtime timer per response in flight, not a sleeping goroutine, so
	// thousands of delayed switches stay cheap. 0 answers at once.
	RTT time.Duration
	// Loss is the fraction (0..1) of requests dropped unanswered, as a lossy
	// link would lose them, before any other check. Which requests are lost
	// is drawn from a PRNG seeded with Seed, so a run that sends the same
	// requests to a switch loses the same ones.
	Loss float64
	Seed uint64
}

// Server answers SNMP requests for one switch on one UDP socket.
type Server struct {
	h    *handler
	conn net.PacketConn
	link *link // nil: no delay, no loss

	stopCtx   func() bool
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// ListenSNMP serves sw on the UDP address addr (e.g. "127.0.0.1:0") until
// ctx ends or Close is called.
func ListenSNMP(ctx context.Context, addr string, sw *GS110TP, cfg ServerConfig) (*Server, error) {
	h, err := newHandler(sw, cfg)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	conn, err := lc.ListenPacket(ctx, "udp", addr)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	l, err := newLink(cfg.RTT, cfg.Loss, cfg.Seed)
	if err != nil {
		conn.Close()
		return nil, err
	}
	s := &Server{h: h, conn: conn, link: l, done: make(chan struct{})}
	go s.serve()
	s.stopCtx = context.AfterFunc(ctx, func() { s.Close() })
	return s, nil
}

// Addr returns the address the server listens on, like "127.0.0.1:54321".
func (s *Server) Addr() string { return s.conn.LocalAddr().String() }

// Close stops the server and waits for its goroutine to end.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.stopCtx != nil {
			s.stopCtx()
		}
		s.closeErr = s.conn.Close()
		<-s.done
	})
	return s.closeErr
}

func (s *Server) serve() {
	defer close(s.done)
	// One byte more than allowed, so an oversized request is seen as such
	// rather than silently truncated by the kernel into a different one.
	buf := make([]byte, s.h.maxMsg+1)
	for {
		n, addr, err := s.conn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. ICMP port unreachable reported on Linux
		}
		sw := s.h.sw
		if s.link.lose() || sw.lose() {
			sw.stats.lost.Add(1)
			continue
		}
		out := s.h.safeHandle(buf[:n])
		extra := time.Duration(s.h.extra.Swap(0))
		if out == nil {
			continue
		}
		if sw.lose() {
			sw.stats.lostAnswers.Add(1)
			continue
		}
		// Best effort like any UDP agent: the manager retries. A response
		// delayed past Close is lost like one on a link that went down.
		send := func() { _, _ = s.conn.WriteTo(out, addr) }
		if d := sw.delay() + extra; d > 0 {
			time.AfterFunc(d, func() { s.link.after(send) })
			continue
		}
		s.link.after(send)
	}
}

// handler turns request bytes into response bytes. It holds no socket, so
// tests and the fuzzer drive it directly; it is safe for concurrent use.
type handler struct {
	sw        *GS110TP
	community string
	maxMsg    int
	usm       *usm // nil when v3 is off
	// extra is the hold the last request served asked for on top of
	// Faults.Delay; a Server's single goroutine reads it after each request.
	extra atomic.Int64
}

func newHandler(sw *GS110TP, cfg ServerConfig) (*handler, error) {
	if sw == nil {
		return nil, errors.New("sim: nil switch")
	}
	if cfg.Community == "" && cfg.V3 == nil {
		return nil, errors.New("sim: neither a community nor a v3 user configured")
	}
	if len(cfg.Community) > maxCommunity {
		return nil, fmt.Errorf("sim: community longer than %d bytes", maxCommunity)
	}
	h := &handler{sw: sw, community: cfg.Community, maxMsg: cfg.MaxMsgSize}
	if h.maxMsg <= 0 {
		h.maxMsg = DefaultMaxMsgSize
	}
	if h.maxMsg < 484 {
		// RFC 3417: every SNMP entity must accept messages of 484 bytes.
		return nil, fmt.Errorf("sim: MaxMsgSize %d below 484", h.maxMsg)
	}
	if cfg.V3 != nil {
		u, err := newUSM(*cfg.V3, sw)
		if err != nil {
			return nil, err
		}
		h.usm = u
	}
	return h, nil
}

// safeHandle is handle behind a recover: a packet that trips a bug in the
// decoder must cost one dropped request, not the server.
func (h *handler) safeHandle(raw []byte) (out []byte) {
	defer func() {
		if recover() != nil {
			h.sw.stats.dropped.Add(1)
			out = nil
		}
	}()
	return h.handle(raw)
}

// handle returns the response to one request, or nil to send nothing.
func (h *handler) handle(raw []byte) []byte {
	out, ok := h.process(raw)
	if !ok {
		h.sw.stats.dropped.Add(1)
		return nil
	}
	h.sw.stats.responses.Add(1)
	return out
}

func (h *handler) process(raw []byte) ([]byte, bool) {
	if len(raw) > h.maxMsg {
		return nil, false
	}
	if h.usm != nil && isV3(raw) {
		return h.usm.process(h, raw)
	}
	// The decoder works in place for v3 only, but a copy costs little and
	// keeps the caller's buffer intact whatever gosnmp does.
	x := &gosnmp.GoSNMP{Version: gosnmp.Version2c}
	pkt, err := x.SnmpDecodePacket(append([]byte(nil), raw...))
	if err != nil || pkt.Version != gosnmp.Version2c || h.community == "" || pkt.Community != h.community {
		return nil, false
	}
	r, ok := h.serve(pkt)
	if !ok {
		return nil, false
	}
	resp := &gosnmp.SnmpPacket{
		Version:   gosnmp.Version2c,
		Community: pkt.Community,
		PDUType:   gosnmp.GetResponse,
		RequestID: pkt.RequestID,
	}
	return h.encode(resp, r, pkt.PDUType == gosnmp.GetBulkRequest)
}

// serve counts and answers one decoded request PDU of any version.
func (h *handler) serve(pkt *gosnmp.SnmpPacket) (reply, bool) {
	// gosnmp reads the request-id into a uint32 and writes it back as a
	// non-negative number, so a negative id cannot be echoed faithfully.
	if pkt.RequestID > math.MaxInt32 {
		return reply{}, false
	}
	c := &h.sw.stats
	switch pkt.PDUType {
	case gosnmp.GetRequest:
		c.get.Add(1)
	case gosnmp.GetNextRequest:
		c.getNext.Add(1)
	case gosnmp.GetBulkRequest:
		c.getBulk.Add(1)
	case gosnmp.SetRequest:
		c.set.Add(1)
		// gosnmp encodes error-index as one byte; a longer SET could not
		// name its failing varbind. No manager sends one; say tooBig.
		if len(pkt.Variables) > math.MaxUint8 {
			return reply{status: gosnmp.TooBig}, true
		}
	default:
		return reply{}, false // responses, traps, reports: not for an agent
	}
	r, ok := h.sw.serve(pkt.PDUType, pkt.Variables, int(pkt.NonRepeaters), int(pkt.MaxRepetitions), h.maxMsg)
	h.extra.Store(int64(r.delay))
	return r, ok
}

// encode marshals resp carrying r, keeping it within maxMsg.
func (h *handler) encode(resp *gosnmp.SnmpPacket, r reply, bulk bool) ([]byte, bool) {
	resp.Error = r.status
	resp.ErrorIndex = uint8(r.index) //nolint:gosec // r.index <= 255, see serve
	resp.Variables = r.vars
	out, err := resp.MarshalMsg()
	if err != nil {
		// A SET echo may carry a value type gosnmp decodes but cannot
		// encode; NULL values keep the names, which is what managers match.
		resp.Variables = nullValues(r.vars)
		if out, err = resp.MarshalMsg(); err != nil {
			return nil, false
		}
	}
	if len(out) <= h.maxMsg {
		return out, true
	}
	if bulk {
		return h.trim(resp)
	}
	resp.Error, resp.ErrorIndex, resp.Variables = gosnmp.TooBig, 0, nil
	out, err = resp.MarshalMsg()
	return out, err == nil && len(out) <= h.maxMsg
}

// trim drops trailing GETBULK varbinds until the response fits, as RFC 3416
// 4.2.3 prescribes, finding the longest fitting prefix by bisection.
func (h *handler) trim(resp *gosnmp.SnmpPacket) ([]byte, bool) {
	all := resp.Variables
	lo, hi := 0, len(all) // all[:hi] is known not to fit
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		resp.Variables = all[:mid]
		out, err := resp.MarshalMsg()
		if err != nil {
			return nil, false
		}
		if len(out) <= h.maxMsg {
			lo = mid
		} else {
			hi = mid
		}
	}
	resp.Variables = all[:lo]
	out, err := resp.MarshalMsg()
	return out, err == nil && len(out) <= h.maxMsg
}

func nullValues(vars []gosnmp.SnmpPDU) []gosnmp.SnmpPDU {
	out := make([]gosnmp.SnmpPDU, len(vars))
	for n, v := range vars {
		out[n] = gosnmp.SnmpPDU{Name: v.Name, Type: gosnmp.Null}
	}
	return out
}

// isV3 peeks at the version field: SEQUENCE, then INTEGER 3.
func isV3(raw []byte) bool {
	if len(raw) < 2 || raw[0] != 0x30 {
		return false
	}
	n := 2
	if raw[1]&0x80 != 0 {
		n += int(raw[1] & 0x7f)
	}
	return len(raw) >= n+3 && raw[n] == 0x02 && raw[n+1] == 0x01 && raw[n+2] == 3
}

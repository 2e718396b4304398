package netgear

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/gosnmp/gosnmp"
	"golang.org/x/sys/unix"

	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
)

// configure sets a gosnmp client up for one switch, on a new client or on
// one from the pool. Every adapter has its own client while it runs: gosnmp
// clients are not safe to share, and shared USM state mixes engine IDs
// between agents.
func configure(g *gosnmp.GoSNMP, sw inventory.Switch, c *counters) error {
	s := sw.SNMP
	g.Target = sw.Host
	g.Port = uint16(sw.Port)
	if g.Transport == "" {
		g.Transport = "udp" // a pooled client keeps what Connect made of it
	}
	g.Timeout = s.Timeout
	g.Retries = s.Retries
	g.ExponentialTimeout = false
	g.MaxOids = gosnmp.MaxOids
	g.MaxRepetitions = uint32(s.MaxRepetitions)
	g.OnSent = func(*gosnmp.GoSNMP) { c.sent.Add(1) }
	g.OnRetry = func(*gosnmp.GoSNMP) { c.retries.Add(1) }
	switch s.Version {
	case "2c":
		g.Version = gosnmp.Version2c
		g.Community = s.Community.Value()
	case "3":
		g.Version = gosnmp.Version3
		g.SecurityModel = gosnmp.UserSecurityModel
		g.ContextName = s.ContextName
		usm := &gosnmp.UsmSecurityParameters{UserName: s.Username}
		g.MsgFlags = gosnmp.NoAuthNoPriv
		if s.AuthProtocol != "" {
			ap, err := authProtocol(s.AuthProtocol)
			if err != nil {
				return err
			}
			usm.AuthenticationProtocol = ap
			usm.AuthenticationPassphrase = s.AuthPassphrase.Value()
			g.MsgFlags = gosnmp.AuthNoPriv
		}
		if s.PrivProtocol != "" {
			pp, err := privProtocol(s.PrivProtocol)
			if err != nil {
				return err
			}
			usm.PrivacyProtocol = pp
			usm.PrivacyPassphrase = s.PrivPassphrase.Value()
			g.MsgFlags = gosnmp.AuthPriv
		}
		g.SecurityParameters = usm
	default:
		return fmt.Errorf("snmp version %q is not supported; expected 2c or 3", s.Version)
	}
	return nil
}

// clientPool lends SNMPv2c clients of finished switches to starting ones,
// socket included. gosnmp allocates a 64 KiB receive buffer on every
// Connect; auditing 10,000 switches that was 40% of all memory allocated
// and most of the GC work (bench/RESULTS.md). And opening, registering with
// the poller and closing a UDP socket per switch cost about a tenth of an
// audit's CPU: a lent client keeps its connected socket, which the next
// switch connects again to its own address (redial), one system call. A
// v2c client keeps nothing of its last agent once configure has replaced
// target, community and counters: a late answer of the last agent is
// refused by gosnmp's request-id check, a late ICMP error cleared before
// the socket is connected again. SNMPv3 clients carry an agent's engine
// ID, boots and localized keys, and are never pooled. A nil pool lends
// nothing. The pool holds at most as many clients (and sockets) as were
// ever in use at once: the run's concurrency.
type clientPool struct {
	mu   sync.Mutex
	free []*gosnmp.GoSNMP
}

func (p *clientPool) get(sw inventory.Switch) *gosnmp.GoSNMP {
	if p == nil || sw.SNMP.Version != "2c" {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) == 0 {
		return nil
	}
	g := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	return g
}

// put takes g back, with its socket when that can be connected again.
// It reports whether it did; if not, the caller closes g's socket.
func (p *clientPool) put(g *gosnmp.GoSNMP) bool {
	if p == nil || g.Version != gosnmp.Version2c {
		return false
	}
	if _, ok := g.Conn.(*net.UDPConn); !ok {
		return false
	}
	g.Community, g.Context, g.OnSent, g.OnRetry = "", nil, nil, nil
	p.mu.Lock()
	p.free = append(p.free, g)
	p.mu.Unlock()
	return true
}

// redial gives a pooled client its new target: its UDP socket connected
// again to the target's address, or, for a host name or another address
// family, a new socket as Connect would make, keeping the receive buffer
// Connect allocated the first time.
func redial(ctx context.Context, g *gosnmp.GoSNMP) error {
	if c, ok := g.Conn.(*net.UDPConn); ok {
		if ip, err := netip.ParseAddr(g.Target); err == nil && reconnect(c, ip.Unmap(), g.Port) == nil {
			return nil
		}
		c.Close()
		g.Conn = nil
	}
	d := net.Dialer{Timeout: g.Timeout}
	conn, err := d.DialContext(ctx, g.Transport, net.JoinHostPort(g.Target, strconv.Itoa(int(g.Port))))
	if err != nil {
		return err
	}
	g.Conn = conn
	return nil
}

// reconnect connects c, a connected UDP socket, to ip:port instead: the
// kernel then takes datagrams from that peer only, as for a new socket.
// A pending error (an ICMP port unreachable the last peer sent late) is
// read and so cleared first. It fails, and the caller opens a new socket,
// when ip is of another family than c.
func reconnect(c *net.UDPConn, ip netip.Addr, port uint16) error {
	local, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok || (local.IP.To4() != nil) != ip.Is4() {
		return errors.New("another address family")
	}
	var sa unix.Sockaddr
	if ip.Is4() {
		sa = &unix.SockaddrInet4{Port: int(port), Addr: ip.As4()}
	} else {
		sa = &unix.SockaddrInet6{Port: int(port), Addr: ip.As16()}
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var connErr error
	if err := rc.Control(func(fd uintptr) {
		_, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		connErr = unix.Connect(int(fd), sa)
	}); err != nil {
		return err
	}
	return connErr
}

func authProtocol(name string) (gosnmp.SnmpV3AuthProtocol, error) {
	switch strings.ToUpper(name) {
	case "MD5":
		return gosnmp.MD5, nil
	case "SHA":
		return gosnmp.SHA, nil
	case "SHA224":
		return gosnmp.SHA224, nil
	case "SHA256":
		return gosnmp.SHA256, nil
	case "SHA384":
		return gosnmp.SHA384, nil
	case "SHA512":
		return gosnmp.SHA512, nil
	}
	return 0, fmt.Errorf("snmp auth_protocol %q is not supported", name)
}

func privProtocol(name string) (gosnmp.SnmpV3PrivProtocol, error) {
	switch strings.ToUpper(name) {
	case "DES":
		return gosnmp.DES, nil
	case "AES":
		return gosnmp.AES, nil
	case "AES192":
		return gosnmp.AES192, nil
	case "AES256":
		return gosnmp.AES256, nil
	case "AES192C": // the Reeder key extension (Cisco, net-snmp's AES192C)
		return gosnmp.AES192C, nil
	case "AES256C":
		return gosnmp.AES256C, nil
	}
	return 0, fmt.Errorf("snmp priv_protocol %q is not supported", name)
}

// counters tally packets for reports and benchmarks.
type counters struct{ sent, retries atomic.Int64 }

// explain turns a gosnmp transport error into advice a network engineer can act on.
func explain(sw inventory.Switch, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("no answer from %s before the switch deadline: %w", sw.Address, vendors.OutcomeUnknown(err))
	}
	switch {
	case errors.Is(err, gosnmp.ErrMaxRetriesExceeded) || strings.Contains(err.Error(), "timeout"):
		who := "the community"
		if sw.SNMP.Version == "3" {
			who = "the SNMPv3 user, protocols and passphrases"
		}
		return fmt.Errorf("no answer from %s (udp port %d) after %d tries of %s: check the address, that SNMP is enabled and not blocked by an ACL or firewall, and %s: %w: %w",
			sw.Host, sw.Port, sw.SNMP.Retries+1, sw.SNMP.Timeout, who, vendors.ErrTimeout, vendors.OutcomeUnknown(err))
	case strings.Contains(err.Error(), "packet sanity") || strings.Contains(err.Error(), "unable to decode") || strings.Contains(err.Error(), "unmarshal"):
		return fmt.Errorf("malformed SNMP response from %s: %w: %w", sw.Address, vendors.ErrParse, err)
	case errors.Is(err, gosnmp.ErrUnknownUsername):
		return fmt.Errorf("%s does not know SNMPv3 user %q: %w: %w", sw.Address, sw.SNMP.Username, vendors.ErrAuth, err)
	case errors.Is(err, gosnmp.ErrWrongDigest):
		return fmt.Errorf("%s rejected the SNMPv3 authentication passphrase or protocol: %w: %w", sw.Address, vendors.ErrAuth, err)
	case errors.Is(err, gosnmp.ErrDecryption):
		return fmt.Errorf("%s could not decrypt our request: check the SNMPv3 privacy protocol and passphrase: %w: %w", sw.Address, vendors.ErrAuth, err)
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused"):
		return fmt.Errorf("%s refused udp port %d (ICMP port unreachable): is SNMP enabled on the switch? %w: %w", sw.Host, sw.Port, vendors.ErrUnreachable, err)
	}
	return err
}

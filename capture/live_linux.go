//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/qosagent/qosagent/agent"
)

// liveSource reads packets from an interface with a Linux AF_PACKET socket
// of type SOCK_DGRAM: the kernel removes the link-layer header (and VLAN
// tags), so every interface kind, and "any", yields IP packets alike.
type liveSource struct {
	ctx      context.Context
	fd       int
	ifindex  int          // 0: every interface
	loopback map[int]bool // interfaces whose outgoing copies are duplicates
	deadline time.Time
	buf      []byte
	sa       unix.RawSockaddrLinklayer
	pfd      [1]unix.PollFd
	drain    int // packets still taken from the socket buffer after the end; -1 before it
}

// maxDrain bounds how many packets already queued in the socket are still
// read once the capture ends, so that a busy interface cannot prolong it.
const maxDrain = 1 << 16

// linkNotIP marks a live packet whose protocol is neither IPv4 nor IPv6.
const linkNotIP = layers.LinkType(0xffff)

// liveBuffer holds the largest packet the loopback interface hands over
// (64 KiB segments) with room to spare.
const liveBuffer = 1 << 18

// pollInterval bounds how late a live capture notices its end or an interrupt.
const pollInterval = 100 * time.Millisecond

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func openLive(ctx context.Context, iface string, d time.Duration) (*liveSource, error) {
	s := &liveSource{ctx: ctx, fd: -1, loopback: map[int]bool{}, buf: make([]byte, liveBuffer), drain: -1}
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	found := iface == "any"
	var names []string
	for _, ifi := range ifs {
		names = append(names, ifi.Name)
		if ifi.Flags&net.FlagLoopback != 0 {
			s.loopback[ifi.Index] = true
		}
		if ifi.Name == iface {
			s.ifindex, found = ifi.Index, true
		}
	}
	if !found {
		return nil, &InputError{File: "--live " + iface, Offset: -1, Msg: fmt.Sprintf("no such interface; expected any or one of %v", names)}
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("%w: live capture on %s needs root or the CAP_NET_RAW capability (run it with sudo, or `setcap cap_net_raw+ep` the qosagent binary); or capture with tcpdump -w FILE and check the file", ErrPermission, iface)
		}
		return nil, fmt.Errorf("live capture on %s: AF_PACKET socket: %w", iface, err)
	}
	s.fd = fd
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 8<<20)
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: s.ifindex}); err != nil {
		s.Close()
		return nil, fmt.Errorf("live capture on %s: bind: %w", iface, err)
	}
	s.deadline = time.Now().Add(d)
	s.pfd[0] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	return s, nil
}

func (s *liveSource) Close() error {
	if s.fd < 0 {
		return nil
	}
	err := unix.Close(s.fd)
	s.fd = -1
	return err
}

func (s *liveSource) next() (frame, error) {
	for {
		// At the end, what the kernel already queued was seen during the
		// capture: read it, then stop.
		if s.drain < 0 && (s.ctx.Err() != nil || !time.Now().Before(s.deadline)) {
			s.drain = maxDrain
		}
		if s.drain == 0 {
			return frame{}, io.EOF
		}
		if s.drain > 0 {
			s.drain--
		}
		salen := uint32(unsafe.Sizeof(s.sa))
		// recvfrom by hand: unix.Recvfrom allocates a Sockaddr per packet.
		n, _, errno := unix.Syscall6(unix.SYS_RECVFROM, uintptr(s.fd), uintptr(unsafe.Pointer(&s.buf[0])), uintptr(len(s.buf)),
			0, uintptr(unsafe.Pointer(&s.sa)), uintptr(unsafe.Pointer(&salen)))
		switch errno {
		case 0:
		case unix.EAGAIN, unix.EINTR:
			if s.drain >= 0 {
				return frame{}, io.EOF
			}
			wait := min(pollInterval, time.Until(s.deadline))
			if _, err := unix.Poll(s.pfd[:], int(max(wait/time.Millisecond, 1))); err != nil && err != unix.EINTR {
				return frame{}, fmt.Errorf("live capture: poll: %w", err)
			}
			continue
		default:
			return frame{}, fmt.Errorf("live capture: recvfrom: %w", errno)
		}
		if s.ifindex != 0 && int(s.sa.Ifindex) != s.ifindex {
			continue // queued between socket and bind
		}
		// A loopback interface shows every packet twice, leaving and
		// arriving; keep the arrival, as libpcap does.
		if s.sa.Pkttype == unix.PACKET_OUTGOING && s.loopback[int(s.sa.Ifindex)] {
			continue
		}
		fr := frame{data: s.buf[:n], ts: time.Now(), link: linkNotIP}
		switch htons(s.sa.Protocol) {
		case unix.ETH_P_IP:
			fr.link = layers.LinkTypeIPv4
		case unix.ETH_P_IPV6:
			fr.link = layers.LinkTypeIPv6
		}
		return fr, nil
	}
}

// CheckLive captures on an interface ("any" for all) for d, or until ctx
// ends, and checks the flows seen against the policy. Without root or
// CAP_NET_RAW it fails with ErrPermission.
func CheckLive(ctx context.Context, iface string, d time.Duration, p agent.Policy, opt Options) (*Report, error) {
	a, err := newAnalyzer(p, opt)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	src, err := openLive(ctx, iface, d)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if err := a.run(context.WithoutCancel(ctx), src); err != nil {
		return nil, err
	}
	rep := a.report(p, opt)
	rep.Interface = iface
	rep.Duration = time.Since(start).Round(time.Millisecond).String()
	// The kernel drops what the socket buffer cannot hold; say so rather
	// than report fewer packets as if they were all.
	if st, err := unix.GetsockoptTpacketStats(src.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil && st.Drops > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the kernel dropped %d packets the capture could not keep up with; counts are lower than on the wire", st.Drops))
	}
	return rep, nil
}

//go:build linux

package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/internal/peer"
)

// The real-traffic tests send from sockets on loopback, marked with
// IP_TOS / IPV6_TCLASS as endpoints mark, capture with tcpdump (and the
// live AF_PACKET reader), and compare the verdict with tshark's reading.
// IPv4 uses addresses of 127.13.0.0/16 so the captures hold only this
// test's packets; IPv6 uses ::1 and a port range picked at random.

const (
	wireSrc4 = "127.13.0.1"
	wireDst4 = "127.13.0.2"
	wireSpan = 50 // ports base..base+49
)

// wirePolicy lays the modalities out from base: audio base..+9, video
// +10..+19 by source; signaling to +20 by destination.
func wirePolicy(base int) agent.Policy {
	p := agent.DefaultPolicy()
	p.Endpoints = &agent.Endpoints{Modalities: []agent.Modality{
		{Name: "audio", Class: "audio", Protocol: agent.ProtoUDP, SourcePorts: &agent.PortRange{First: base, Last: base + 9}},
		{Name: "video", Class: "video", Protocol: agent.ProtoUDP, SourcePorts: &agent.PortRange{First: base + 10, Last: base + 19}},
		{Name: "signaling", Class: "signaling", Protocol: agent.ProtoTCP, DestinationPorts: &agent.PortRange{First: base + 20, Last: base + 20}},
	}}
	return p
}

// udpFlow is one sender of the traffic: n packets per DSCP step.
type udpFlow struct {
	v6           bool
	sport, dport int // offsets from base
	dscps        []int
	n            int // packets per entry of dscps
	rtp          bool
	want         string // status the check must give
	mod          string
	by           string
}

func wireFlows() []udpFlow {
	return []udpFlow{
		{sport: 0, dport: 30, dscps: []int{46}, n: 20, rtp: true, want: StatusOK, mod: "audio", by: "source"},
		{v6: true, sport: 1, dport: 31, dscps: []int{0}, n: 20, rtp: true, want: StatusMismarked, mod: "audio", by: "source"},
		{sport: 40, dport: 2, dscps: []int{0}, n: 12, rtp: true, want: StatusMismarked, mod: "audio", by: "destination"},
		{sport: 10, dport: 30, dscps: []int{34, 0}, n: 8, rtp: true, want: StatusMismarked, mod: "video", by: "source"},
		{v6: true, sport: 11, dport: 31, dscps: []int{34}, n: 10, rtp: true, want: StatusOK, mod: "video", by: "source"},
		{sport: 41, dport: 42, dscps: []int{46}, n: 10, rtp: true, want: StatusOutOfRange},
		{sport: 43, dport: 44, dscps: []int{46}, n: 6, want: StatusOther},
	}
}

func (f udpFlow) key(base int) string {
	src, dst := wireSrc4, wireDst4
	if f.v6 {
		src, dst = "::1", "::1"
	}
	return "udp " + net.JoinHostPort(src, fmt.Sprint(base+f.sport)) + " > " + net.JoinHostPort(dst, fmt.Sprint(base+f.dport))
}

func (f udpFlow) packets() int { return f.n * len(f.dscps) }

// setDSCP marks a socket's packets as an endpoint's QoS policy would.
func setDSCP(c syscall.Conn, v6 bool, dscp int) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		if v6 {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_TCLASS, dscp<<2)
		} else {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_TOS, dscp<<2)
		}
	})
	return errors.Join(err, serr)
}

// traffic binds every socket of the layout at a random base (retrying on
// a port in use) and returns the base and a function that sends it all.
func traffic(t *testing.T) (int, func()) {
	t.Helper()
	for range 30 {
		base := 20000 + rand.IntN(10000)
		send, err := bindTraffic(t, base)
		if err == nil {
			return base, send
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatal(err)
		}
	}
	t.Fatal("no free port range for the test traffic")
	return 0, nil
}

func bindTraffic(t *testing.T, base int) (func(), error) {
	var closers []func() error
	cleanup := func() {
		for _, c := range closers {
			c()
		}
	}
	addr := func(v6 bool, host4 string, off int) string {
		if v6 {
			return fmt.Sprintf("[::1]:%d", base+off)
		}
		return fmt.Sprintf("%s:%d", host4, base+off)
	}
	// Receivers, so no packet draws an ICMP port unreachable.
	recv := map[string]bool{}
	for _, f := range wireFlows() {
		a := addr(f.v6, wireDst4, f.dport)
		if recv[a] {
			continue
		}
		recv[a] = true
		c, err := net.ListenPacket(map[bool]string{false: "udp4", true: "udp6"}[f.v6], a)
		if err != nil {
			cleanup()
			return nil, err
		}
		closers = append(closers, c.Close)
	}
	type sender struct {
		f udpFlow
		c *net.UDPConn
	}
	var senders []sender
	for _, f := range wireFlows() {
		network := map[bool]string{false: "udp4", true: "udp6"}[f.v6]
		la, _ := net.ResolveUDPAddr(network, addr(f.v6, wireSrc4, f.sport))
		ra, _ := net.ResolveUDPAddr(network, addr(f.v6, wireDst4, f.dport))
		c, err := net.DialUDP(network, la, ra)
		if err != nil {
			cleanup()
			return nil, err
		}
		closers = append(closers, c.Close)
		senders = append(senders, sender{f, c})
	}
	// Signaling: TCP to base+20, IPv4 marked CS3 (ok) and IPv6 marked AF41.
	var lns []net.Listener
	for _, v6 := range []bool{false, true} {
		ln, err := net.Listen(map[bool]string{false: "tcp4", true: "tcp6"}[v6], addr(v6, wireDst4, 20))
		if err != nil {
			cleanup()
			return nil, err
		}
		closers = append(closers, ln.Close)
		lns = append(lns, ln)
	}
	t.Cleanup(cleanup)
	return func() {
		for i, v6 := range []bool{false, true} {
			go func(ln net.Listener) {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				buf := make([]byte, 1024)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}(lns[i])
			d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
				var serr error
				rc.Control(func(fd uintptr) {
					if v6 {
						serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_TCLASS, agent.DSCPAF41<<2)
					} else {
						serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_TOS, agent.DSCPCS3<<2)
					}
				})
				return serr
			}}
			if !v6 {
				d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(wireSrc4)}
			}
			c, err := d.Dial(map[bool]string{false: "tcp4", true: "tcp6"}[v6], lns[i].Addr().String())
			if err != nil {
				t.Errorf("signaling: %v", err)
				continue
			}
			for range 3 {
				c.Write([]byte("OPTIONS sip:test SIP/2.0\r\n\r\n"))
				time.Sleep(5 * time.Millisecond)
			}
			c.Close()
		}
		time.Sleep(50 * time.Millisecond) // let the TCP close exchange finish
		for _, s := range senders {
			seq := uint16(rand.IntN(65536))
			ssrc := rand.Uint32()
			for _, d := range s.f.dscps {
				if err := setDSCP(s.c, s.f.v6, d); err != nil {
					t.Errorf("set DSCP: %v", err)
				}
				for range s.f.n {
					var b []byte
					if s.f.rtp {
						b = rtpPayload(rtpHdr{ssrc: ssrc, seq: seq}, 160)
						seq++
					} else {
						b = []byte("not rtp, just bytes")
					}
					if _, err := s.c.Write(b); err != nil {
						t.Errorf("send: %v", err)
					}
					// Paced like media (if faster than RTP's 20 ms), so
					// capture buffers on a loaded machine keep up.
					time.Sleep(2 * time.Millisecond)
				}
			}
		}
	}, nil
}

// tcpdump runs Debian's tcpdump on an interface until stopped; it is
// ready when it says it listens.
type tcpdump struct {
	cmd    *exec.Cmd
	file   string
	stderr *peer.SyncBuffer
}

func startTcpdump(t *testing.T, iface, link, file, filter string) *tcpdump {
	t.Helper()
	bin := needTool(t, "tcpdump", "tcpdump")
	args := []string{"-i", iface, "-n", "-U", "--immediate-mode", "-B", "8192", "-Z", "root", "-w", file}
	if link != "" {
		args = append(args, "-y", link)
	}
	return startCapture(t, bin, append(args, filter), "listening on", file)
}

// startDumpcap runs Wireshark's dumpcap on lo and on any at once: one
// pcapng file with an Ethernet and a Linux cooked interface, ending with
// their statistics blocks.
func startDumpcap(t *testing.T, file, filter string) *tcpdump {
	t.Helper()
	bin := needTool(t, "dumpcap", "tshark")
	return startCapture(t, bin, []string{"-i", "lo", "-f", filter, "-i", "any", "-f", filter, "-B", "8", "-w", file}, "Capturing on", file)
}

// startCapture starts a capture program and waits until it says ready.
func startCapture(t *testing.T, bin string, args []string, ready, file string) *tcpdump {
	t.Helper()
	if os.Geteuid() != 0 {
		// CI may run as a user with passwordless sudo; sudo passes
		// the Ctrl-C of stop on to the capture.
		args = append([]string{"-n", bin}, args...)
		bin = "sudo"
	}
	cmd := exec.Command(bin, args...)
	out := &peer.SyncBuffer{}
	cmd.Stderr = out // exec copies it until the program ends, so Wait sees all of it
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), ready); {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start: %s", cmd, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &tcpdump{cmd: cmd, file: file, stderr: out}
}

// stop waits until the file holds want UDP packets of the test, then stops
// the capture the way an admin does, with Ctrl-C. dumpcap buffers its
// writes, so for it the wait ends at the deadline given.
func (d *tcpdump) stop(t *testing.T, p agent.Policy, want int, wait time.Duration) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		rep, err := CheckFile(context.Background(), d.file, p, Options{})
		n := 0
		if err == nil {
			for _, f := range rep.Flows {
				if f.Protocol == "udp" {
					n += f.Packets
				}
			}
		}
		if n >= want {
			break
		}
		if time.Now().After(deadline) {
			t.Logf("%s: %d of the %d UDP packets sent after %s (err %v)", d.file, n, want, wait, err)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.cmd.Process.Signal(os.Interrupt)
	d.cmd.Wait()
	if t.Failed() || time.Now().After(deadline) {
		t.Logf("tcpdump for %s said: %s", d.file, d.stderr.String())
	}
}

// needCapture makes sure tcpdump can capture: as root, or through
// passwordless sudo.
func needCapture(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if err := exec.Command("sudo", "-n", "true").Run(); err != nil {
		peer.Missing(t, "the privilege to capture (root, or passwordless sudo for tcpdump)", "run the tests as root", err)
	}
}

// TestRealCaptures: tcpdump on lo (Ethernet framing) and on any (Linux
// cooked v1 and v2), one of them converted to pcapng with editcap.
func TestRealCaptures(t *testing.T) {
	needCapture(t)
	editcap := needTool(t, "editcap", "tshark")
	base, send := traffic(t)
	p := wirePolicy(base)
	dir := t.TempDir()
	filter := fmt.Sprintf("net 127.13.0.0/16 or (ip6 and host ::1 and portrange %d-%d)", base, base+wireSpan-1)
	dumps := map[string]*tcpdump{
		"lo.pcap":   startTcpdump(t, "lo", "", filepath.Join(dir, "lo.pcap"), filter),
		"sll.pcap":  startTcpdump(t, "any", "LINUX_SLL", filepath.Join(dir, "sll.pcap"), filter),
		"sll2.pcap": startTcpdump(t, "any", "LINUX_SLL2", filepath.Join(dir, "sll2.pcap"), filter),
	}
	dumpcap := startDumpcap(t, filepath.Join(dir, "dumpcap.pcapng"), filter)
	send()
	udp := 0
	for _, f := range wireFlows() {
		udp += f.packets()
	}
	for _, d := range dumps {
		d.stop(t, p, udp, 20*time.Second)
	}
	dumpcap.stop(t, p, 2*udp, time.Second) // every packet on lo and again on any
	ng := filepath.Join(dir, "lo.pcapng")
	if out, err := exec.Command(editcap, "-F", "pcapng", filepath.Join(dir, "lo.pcap"), ng).CombinedOutput(); err != nil {
		t.Fatalf("editcap: %v\n%s", err, out)
	}
	for name, link := range map[string]uint32{"lo.pcap": 1, "sll.pcap": 113, "sll2.pcap": 276, "lo.pcapng": 1, "dumpcap.pcapng": 0} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if !strings.HasSuffix(name, ".pcapng") {
				if got := pcapLinkType(t, path); got != link {
					t.Fatalf("tcpdump wrote link type %d, want %d", got, link)
				}
			}
			rep := checkFile(t, path, p, Options{})
			sameAsTshark(t, rep, path)
			times := 1
			if name == "dumpcap.pcapng" {
				times = 2
			}
			checkWireReport(t, rep, base, times)
		})
	}
}

func pcapLinkType(t *testing.T, path string) uint32 {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 24 {
		t.Fatalf("%s: %v (%d bytes)", path, err, len(b))
	}
	return binary.LittleEndian.Uint32(b[20:24])
}

// checkWireReport checks the verdict on the traffic the test sent.
// Each packet is in the capture times times (once per interface).
func checkWireReport(t *testing.T, rep *Report, base, times int) {
	t.Helper()
	byID := map[string]Flow{}
	for _, f := range rep.Flows {
		byID[flowID(f)] = f
	}
	for _, w := range wireFlows() {
		f, ok := byID[w.key(base)]
		if !ok {
			t.Errorf("%s: not in the report", w.key(base))
			continue
		}
		hist := map[int]int{}
		for _, d := range w.dscps {
			hist[d] += w.n * times
		}
		got := map[int]int{}
		for _, d := range f.DSCP.values() {
			got[d] = f.DSCP[d]
		}
		if f.Status != w.want || f.Modality != w.mod || f.MatchedBy != w.by || f.RTP != w.rtp || f.Packets != w.packets()*times || fmt.Sprint(got) != fmt.Sprint(hist) {
			t.Errorf("%s: %s %q by %q rtp %v, %d packets %v; want %s %q by %q rtp %v, %d packets %v",
				w.key(base), f.Status, f.Modality, f.MatchedBy, f.RTP, f.Packets, got, w.want, w.mod, w.by, w.rtp, w.packets()*times, hist)
		}
	}
	// Signaling: the client's flows to the server port.
	sig := map[string]int{}
	for _, f := range rep.Flows {
		if f.Modality == "signaling" {
			sig[f.Status]++
			if f.MatchedBy != "destination" {
				t.Errorf("%s matched by %s", flowID(f), f.MatchedBy)
			}
		}
	}
	if sig[StatusOK] != 1 || sig[StatusMismarked] != 1 {
		t.Errorf("signaling flows by status %v, want one ok (IPv4, CS3) and one mismarked (IPv6, AF41)", sig)
	}
	if rep.Truncated != nil {
		t.Errorf("truncated %+v", rep.Truncated)
	}
}

// TestLive captures on lo with the AF_PACKET reader while the test sends.
// It needs root (or CAP_NET_RAW) itself: the reader runs in the test.
func TestLive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the live reader needs root or CAP_NET_RAW; TestCaptureLiveNeedsPrivilege in cmd/qosagent covers its refusal")
	}
	base, send := traffic(t)
	p := wirePolicy(base)
	done := make(chan *Report, 1)
	errc := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		rep, err := CheckLive(ctx, "lo", 30*time.Second, p, Options{})
		errc <- err
		done <- rep
	}()
	time.Sleep(300 * time.Millisecond) // the socket is bound well before
	send()
	time.Sleep(300 * time.Millisecond)
	cancel() // as Ctrl-C would: the report covers what was seen
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	rep := <-done
	// Other tests' traffic on lo is in the report too; keep ours.
	var mine []Flow
	for _, f := range rep.Flows {
		if strings.Contains(f.Src, "127.13.") || strings.HasPrefix(f.Src, "[::1]:") && portIn(f.Src, base) || strings.HasPrefix(f.Dst, "[::1]:") && portIn(f.Dst, base) {
			mine = append(mine, f)
		}
	}
	rep.Flows = mine
	checkWireReport(t, rep, base, 1)
	if rep.Interface != "lo" || rep.Duration == "" {
		t.Errorf("interface %q, duration %q", rep.Interface, rep.Duration)
	}
}

func portIn(hostport string, base int) bool {
	_, ps, _ := net.SplitHostPort(hostport)
	var p int
	fmt.Sscan(ps, &p)
	return p >= base && p < base+wireSpan
}

func TestLiveErrors(t *testing.T) {
	if _, err := CheckLive(context.Background(), "no-such-if0", time.Second, wirePolicy(20000), Options{}); err == nil || !strings.Contains(err.Error(), "no such interface") {
		t.Errorf("unknown interface: %v", err)
	}
}

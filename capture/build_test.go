package capture

import (
	"encoding/binary"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/qosagent/qosagent/agent"
)

// testPolicy is the policy the built captures are checked against: audio
// and video by source port range (Lync style), signaling by destination.
func testPolicy() agent.Policy {
	p := agent.DefaultPolicy()
	p.Endpoints = &agent.Endpoints{Modalities: []agent.Modality{
		{Name: "audio", Class: "audio", Protocol: agent.ProtoUDP, SourcePorts: &agent.PortRange{First: 6000, Last: 6019}},
		{Name: "video", Class: "video", Protocol: agent.ProtoUDP, SourcePorts: &agent.PortRange{First: 6020, Last: 6039}},
		{Name: "signaling", Class: "signaling", Protocol: agent.ProtoTCP, DestinationPorts: &agent.PortRange{First: 5061, Last: 5061}},
	}}
	return p
}

// pkt describes one packet the tests build with gopacket's serializer.
type pkt struct {
	v6           bool
	tcp          bool
	src, dst     string
	sport, dport int
	dscp         int
	vlan         uint16 // 802.1Q tag on Ethernet; 0 for none
	qinq         uint16 // an 802.1ad service tag outside the vlan tag; 0 for none
	rtp          *rtpHdr
	payload      int // bytes of payload when not RTP
	arp          bool
	icmp         bool
}

type rtpHdr struct {
	ssrc uint32
	seq  uint16
}

func rtpPayload(h rtpHdr, n int) []byte {
	b := make([]byte, 12+n)
	b[0] = 0x80 // version 2
	b[1] = 0    // PCMU
	binary.BigEndian.PutUint16(b[2:], h.seq)
	binary.BigEndian.PutUint32(b[4:], uint32(h.seq)*160)
	binary.BigEndian.PutUint32(b[8:], h.ssrc)
	return b
}

// ipLayers serializes the network and transport layers of p (or an ARP
// request when p.arp).
func ipLayers(t testing.TB, p pkt) (layers.EthernetType, []byte) {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if p.arp {
		arp := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
			Operation: layers.ARPRequest, SourceHwAddress: mac(1), SourceProtAddress: net.ParseIP(p.src).To4(),
			DstHwAddress: mac(0), DstProtAddress: net.ParseIP(p.dst).To4()}
		if err := gopacket.SerializeLayers(buf, opts, arp); err != nil {
			t.Fatal(err)
		}
		return layers.EthernetTypeARP, buf.Bytes()
	}
	var net1 gopacket.NetworkLayer
	var ls []gopacket.SerializableLayer
	et := layers.EthernetTypeIPv4
	proto := layers.IPProtocolUDP
	if p.tcp {
		proto = layers.IPProtocolTCP
	}
	if p.icmp {
		proto = layers.IPProtocolICMPv4
	}
	if p.v6 {
		et = layers.EthernetTypeIPv6
		ip := &layers.IPv6{Version: 6, TrafficClass: uint8(p.dscp << 2), NextHeader: proto, HopLimit: 64, SrcIP: net.ParseIP(p.src), DstIP: net.ParseIP(p.dst)}
		net1, ls = ip, append(ls, ip)
	} else {
		ip := &layers.IPv4{Version: 4, IHL: 5, TOS: uint8(p.dscp << 2), TTL: 64, Protocol: proto, SrcIP: net.ParseIP(p.src).To4(), DstIP: net.ParseIP(p.dst).To4()}
		net1, ls = ip, append(ls, ip)
	}
	var payload []byte
	switch {
	case p.rtp != nil:
		payload = rtpPayload(*p.rtp, 160)
	default:
		payload = make([]byte, p.payload)
	}
	switch {
	case p.icmp:
		ls = append(ls, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 1, Seq: 1})
	case p.tcp:
		tcp := &layers.TCP{SrcPort: layers.TCPPort(p.sport), DstPort: layers.TCPPort(p.dport), Seq: 1000, ACK: true, PSH: true, Ack: 1, Window: 512}
		if err := tcp.SetNetworkLayerForChecksum(net1); err != nil {
			t.Fatal(err)
		}
		ls = append(ls, tcp)
	default:
		udp := &layers.UDP{SrcPort: layers.UDPPort(p.sport), DstPort: layers.UDPPort(p.dport)}
		if err := udp.SetNetworkLayerForChecksum(net1); err != nil {
			t.Fatal(err)
		}
		ls = append(ls, udp)
	}
	ls = append(ls, gopacket.Payload(payload))
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		t.Fatal(err)
	}
	return et, buf.Bytes()
}

func mac(n byte) net.HardwareAddr { return net.HardwareAddr{0x02, 0, 0, 0, 0, n} }

// frameFor frames p for a link type.
func frameFor(t testing.TB, link layers.LinkType, p pkt) []byte {
	t.Helper()
	et, ip := ipLayers(t, p)
	switch link {
	case layers.LinkTypeEthernet:
		buf := gopacket.NewSerializeBuffer()
		eth := &layers.Ethernet{SrcMAC: mac(1), DstMAC: mac(2), EthernetType: et}
		ls := []gopacket.SerializableLayer{eth}
		if p.qinq != 0 {
			eth.EthernetType = layers.EthernetTypeQinQ
			ls = append(ls, &layers.Dot1Q{VLANIdentifier: p.qinq, Type: layers.EthernetTypeDot1Q})
		}
		if p.vlan != 0 {
			if p.qinq == 0 {
				eth.EthernetType = layers.EthernetTypeDot1Q
			}
			ls = append(ls, &layers.Dot1Q{VLANIdentifier: p.vlan, Priority: 5, Type: et})
		}
		ls = append(ls, gopacket.Payload(ip))
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, ls...); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	case layers.LinkTypeLinuxSLL:
		// LINKTYPE_LINUX_SLL: packet type, ARPHRD type, address length,
		// 8 address bytes, protocol (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html).
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[0:], 0) // to us
		binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
		binary.BigEndian.PutUint16(h[4:], 6)
		copy(h[6:], mac(1))
		binary.BigEndian.PutUint16(h[14:], uint16(et))
		return append(h, ip...)
	case layers.LinkTypeLinuxSLL2:
		// LINKTYPE_LINUX_SLL2: protocol, reserved, interface index, ARPHRD
		// type, packet type, address length, 8 address bytes.
		h := make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], uint16(et))
		binary.BigEndian.PutUint32(h[4:], 2)
		binary.BigEndian.PutUint16(h[8:], 1)
		h[10], h[11] = 0, 6
		copy(h[12:], mac(1))
		return append(h, ip...)
	case layers.LinkTypeRaw:
		return ip
	}
	t.Fatalf("no framing for %v", link)
	return nil
}

// goldenPackets is the call the golden report describes, packet by packet.
func goldenPackets() []pkt {
	var ps []pkt
	add := func(n int, p pkt, mod func(i int, p *pkt)) {
		for i := range n {
			q := p
			if mod != nil {
				mod(i, &q)
			}
			ps = append(ps, q)
		}
	}
	rtp := func(ssrc uint32) func(i int, p *pkt) {
		return func(i int, p *pkt) { p.rtp = &rtpHdr{ssrc: ssrc, seq: uint16(65533 + i)} } // wraps
	}
	// Audio both ways between two Lync clients: one marks, the other not.
	add(6, pkt{src: "10.0.0.5", dst: "10.0.0.9", sport: 6000, dport: 6016, dscp: 46}, rtp(0x1111))
	add(6, pkt{src: "10.0.0.9", dst: "10.0.0.5", sport: 6016, dport: 6000}, rtp(0x2222))
	// Video on VLAN 20: one packet of five lost its mark on the way.
	add(5, pkt{src: "10.0.0.5", dst: "10.0.0.9", sport: 6020, dport: 40000, dscp: 34, vlan: 20}, func(i int, p *pkt) {
		p.rtp = &rtpHdr{ssrc: 0x3333, seq: uint16(100 + i)}
		if i == 3 {
			p.dscp = 0
		}
	})
	// A phone sends audio from 2230, outside the range, to a client in it (IPv6).
	add(5, pkt{v6: true, src: "2001:db8::5", dst: "2001:db8::9", sport: 2230, dport: 6018}, rtp(0x4444))
	// RTP between ports of no modality: out of range.
	add(5, pkt{src: "10.0.0.7", dst: "10.0.0.9", sport: 7000, dport: 7002, dscp: 0}, rtp(0x5555))
	// SIP over TLS to the server: marked CS3 (ok), and a second client
	// marking AF41 instead (IPv6 on VLAN 30).
	add(3, pkt{tcp: true, src: "10.0.0.5", dst: "10.0.0.10", sport: 50000, dport: 5061, dscp: 24, payload: 100}, nil)
	add(2, pkt{v6: true, tcp: true, vlan: 30, src: "2001:db8::7", dst: "2001:db8::10", sport: 50001, dport: 5061, dscp: 34, payload: 100}, nil)
	// DNS: neither a modality nor media.
	add(1, pkt{src: "10.0.0.5", dst: "10.0.0.1", sport: 53000, dport: 53, payload: 30}, nil)
	// Not in any flow: ARP and ICMP.
	add(1, pkt{arp: true, src: "10.0.0.5", dst: "10.0.0.1"}, nil)
	add(1, pkt{icmp: true, src: "10.0.0.5", dst: "10.0.0.1", payload: 8}, nil)
	return ps
}

var goldenStart = time.Date(2026, 12, 1, 10, 0, 0, 123_000_000, time.UTC)

// writeCapture writes packets as a pcap (ng false) or pcapng file, 20 ms
// apart, and returns its path.
func writeCapture(t testing.TB, dir, name string, link layers.LinkType, ng bool, ps []pkt) string {
	t.Helper()
	path := dir + "/" + name
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var write func(gopacket.CaptureInfo, []byte) error
	var flush func() error = func() error { return nil }
	var ngw *pcapgo.NgWriter
	if ng {
		// Fixed section and interface options: the defaults name the
		// machine's OS and architecture, and the files are fixtures.
		intf := pcapgo.DefaultNgInterface
		intf.LinkType, intf.OS = link, "test"
		w, err := pcapgo.NewNgWriterInterface(f, intf, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Hardware: "test", OS: "test", Application: "qosagent capture tests"}})
		if err != nil {
			t.Fatal(err)
		}
		write, flush, ngw = w.WritePacket, w.Flush, w
	} else {
		w := pcapgo.NewWriter(f)
		if err := w.WriteFileHeader(65535, link); err != nil {
			t.Fatal(err)
		}
		write = w.WritePacket
	}
	for i, p := range ps {
		data := frameFor(t, link, p)
		ci := gopacket.CaptureInfo{Timestamp: goldenStart.Add(time.Duration(i) * 20 * time.Millisecond), CaptureLength: len(data), Length: len(data)}
		if err := write(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	if ngw != nil {
		// dumpcap ends a file with the statistics of each interface.
		if err := ngw.WriteInterfaceStats(0, pcapgo.NgInterfaceStatistics{LastUpdate: goldenStart, PacketsReceived: uint64(len(ps)), PacketsDropped: 0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := flush(); err != nil {
		t.Fatal(err)
	}
	return path
}

package capture

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// decoder turns a frame into the fields a flow needs. Its layers are
// allocated once and reused for every packet: gopacket's
// DecodingLayerParser overwrites them in place, so the hot path does not
// allocate.
type decoder struct {
	eth     layers.Ethernet
	sll     layers.LinuxSLL
	sll2    layers.LinuxSLL2
	loop    layers.Loopback
	dot1q   layers.Dot1Q
	ip4     layers.IPv4
	ip6     layers.IPv6
	udp     layers.UDP
	tcp     layers.TCP
	decoded []gopacket.LayerType
	ethP    *gopacket.DecodingLayerParser
	sllP    *gopacket.DecodingLayerParser
	sll2P   *gopacket.DecodingLayerParser
	loopP   *gopacket.DecodingLayerParser
	ip4P    *gopacket.DecodingLayerParser
	ip6P    *gopacket.DecodingLayerParser
	lastErr error
}

func newDecoder() *decoder {
	d := &decoder{decoded: make([]gopacket.LayerType, 0, 8)}
	all := []gopacket.DecodingLayer{&d.eth, &d.sll, &d.sll2, &d.loop, &d.dot1q, &d.ip4, &d.ip6, &d.udp, &d.tcp}
	mk := func(first gopacket.LayerType) *gopacket.DecodingLayerParser {
		p := gopacket.NewDecodingLayerParser(first)
		// A slice searched in order beats a map for nine layers.
		p.SetDecodingLayerContainer(gopacket.DecodingLayerArray(nil))
		for _, l := range all {
			p.AddDecodingLayer(l)
		}
		// Stop quietly at the first layer we do not need (DNS, RTP, ...).
		p.IgnoreUnsupported = true
		return p
	}
	d.ethP = mk(layers.LayerTypeEthernet)
	d.sllP = mk(layers.LayerTypeLinuxSLL)
	d.sll2P = mk(layers.LayerTypeLinuxSLL2)
	d.loopP = mk(layers.LayerTypeLoopback)
	d.ip4P = mk(layers.LayerTypeIPv4)
	d.ip6P = mk(layers.LayerTypeIPv6)
	return d
}

// packet is what decode extracts from one frame.
type packet struct {
	key     flowKey
	dscp    uint8
	payload []byte // UDP payload, for RTP detection
	kind    skipKind
}

// skipKind says why a packet is not part of any flow.
type skipKind uint8

const (
	inFlow      skipKind = iota
	notIP                // ARP, LLDP, STP, ...
	notUDPorTCP          // ICMP, IGMP, ESP, IP fragments, ...
	cutShort             // captured too short to hold its IP and port headers
)

func (d *decoder) parser(link layers.LinkType, data []byte) *gopacket.DecodingLayerParser {
	switch link {
	case layers.LinkTypeEthernet:
		return d.ethP
	case layers.LinkTypeLinuxSLL:
		return d.sllP
	case layers.LinkTypeLinuxSLL2:
		return d.sll2P
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return d.loopP
	case layers.LinkTypeIPv4:
		return d.ip4P
	case layers.LinkTypeIPv6:
		return d.ip6P
	case layers.LinkTypeRaw:
		if len(data) > 0 && data[0]>>4 == 6 {
			return d.ip6P
		}
		return d.ip4P
	}
	return nil
}

// decode fills p from one frame of the given link type.
func (d *decoder) decode(link layers.LinkType, data []byte, p *packet) {
	*p = packet{}
	dlp := d.parser(link, data)
	if dlp == nil {
		p.kind = notIP
		return
	}
	d.lastErr = dlp.DecodeLayers(data, &d.decoded)
	var haveIP, haveL4 bool
	for _, t := range d.decoded {
		if haveIP && (t == layers.LayerTypeIPv4 || t == layers.LayerTypeIPv6) {
			// IP in IP (6in4, 4in6, IPIP): the switches queue the
			// packet by the outer header, so the inner flow's marks
			// would say nothing about it. Tunnels are not opened.
			p.kind = notUDPorTCP
			return
		}
		switch t {
		case layers.LayerTypeIPv4:
			haveIP, haveL4 = true, false
			p.key.v6 = false
			p.key.src, p.key.dst = [16]byte{}, [16]byte{}
			copy(p.key.src[:], d.ip4.SrcIP.To4())
			copy(p.key.dst[:], d.ip4.DstIP.To4())
			p.dscp = d.ip4.TOS >> 2
		case layers.LayerTypeIPv6:
			haveIP, haveL4 = true, false
			p.key.v6 = true
			copy(p.key.src[:], d.ip6.SrcIP)
			copy(p.key.dst[:], d.ip6.DstIP)
			p.dscp = d.ip6.TrafficClass >> 2
		case layers.LayerTypeUDP:
			haveL4 = true
			p.key.proto = protoUDP
			p.key.sport, p.key.dport = uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
			p.payload = d.udp.Payload
		case layers.LayerTypeTCP:
			haveL4 = true
			p.key.proto = protoTCP
			p.key.sport, p.key.dport = uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort)
			p.payload = nil
		}
	}
	switch {
	case haveIP && haveL4:
		p.kind = inFlow
	case haveIP && d.lastErr != nil:
		p.kind = cutShort
	case haveIP:
		p.kind = notUDPorTCP
	case d.lastErr != nil && (d.startsIP() || (len(d.decoded) == 0 && (dlp == d.ip4P || dlp == d.ip6P))):
		p.kind = cutShort
	default:
		p.kind = notIP
	}
}

// startsIP reports whether the last decode stopped inside an IP header,
// rather than at a frame that carries no IP at all.
func (d *decoder) startsIP() bool {
	if len(d.decoded) == 0 {
		return false
	}
	switch d.decoded[len(d.decoded)-1] {
	case layers.LayerTypeEthernet:
		return d.eth.EthernetType == layers.EthernetTypeIPv4 || d.eth.EthernetType == layers.EthernetTypeIPv6
	case layers.LayerTypeDot1Q:
		return d.dot1q.Type == layers.EthernetTypeIPv4 || d.dot1q.Type == layers.EthernetTypeIPv6
	case layers.LayerTypeLinuxSLL:
		return d.sll.EthernetType == layers.EthernetTypeIPv4 || d.sll.EthernetType == layers.EthernetTypeIPv6
	case layers.LayerTypeLinuxSLL2:
		return d.sll2.ProtocolType == layers.EthernetTypeIPv4 || d.sll2.ProtocolType == layers.EthernetTypeIPv6
	}
	return false
}

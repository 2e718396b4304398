// Package capture checks a packet capture against the policy's endpoints
// section: it groups the packets of a pcap or pcapng file (or of a live
// interface) into one-directional flows, assigns each flow to a modality by
// port, and compares the DSCP its packets carry with the one the modality's
// class marks with.
package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/qosagent/qosagent/agent"
)

// Options narrow a check.
type Options struct {
	// Modalities, when set, limits the report to flows of these modalities
	// (and to media outside every range, which belongs to none).
	Modalities []string
	// MaxFlows bounds the flow table; 0 means DefaultMaxFlows.
	MaxFlows int
}

// DefaultMaxFlows bounds the flow table (about 700 bytes a flow, and as
// much again in the report): a call's capture has tens of flows, a busy
// link's or a scan's can have millions, one for every packet. Packets of
// flows beyond the bound are counted, not checked, and the report says so.
const DefaultMaxFlows = 1 << 18

// ErrPermission says a live capture lacks the privilege it needs.
var ErrPermission = errors.New("permission denied")

// ctxEvery is how many packets pass between looks at the context.
const ctxEvery = 1 << 14

// analyzer is the streaming part of a check: it sees every packet once and
// keeps only the flow table.
type analyzer struct {
	m        matcher
	dec      *decoder
	flows    map[flowKey]*flow
	pkt      packet
	packets  int
	skipped  [4]int // by skipKind
	cutFinal bool   // the file's truncated last packet is among skipped[cutShort]
	maxFlows int
	// untracked counts the packets of flows beyond maxFlows.
	untracked int
}

func newAnalyzer(p agent.Policy, opt Options) (*analyzer, error) {
	m, err := newMatcher(p)
	if err != nil {
		return nil, err
	}
	for _, name := range opt.Modalities {
		if !slices.ContainsFunc(m.mods, func(mod agent.Modality) bool { return mod.Name == name }) {
			var names []string
			for _, mod := range m.mods {
				names = append(names, mod.Name)
			}
			return nil, fmt.Errorf("--modality %q: not a modality of the policy; expected one of %s", name, strings.Join(names, ", "))
		}
	}
	maxFlows := opt.MaxFlows
	if maxFlows <= 0 {
		maxFlows = DefaultMaxFlows
	}
	return &analyzer{m: m, dec: newDecoder(), flows: map[flowKey]*flow{}, maxFlows: maxFlows}, nil
}

func (a *analyzer) add(fr frame) {
	a.packets++
	a.dec.decode(fr.link, fr.data, &a.pkt)
	if a.pkt.kind != inFlow && fr.cut {
		a.pkt.kind = cutShort // whatever it was, too little of it is there
		a.cutFinal = true
	}
	if a.pkt.kind != inFlow {
		a.skipped[a.pkt.kind]++
		return
	}
	f := a.flows[a.pkt.key]
	if f == nil && len(a.flows) >= a.maxFlows {
		a.untracked++
		return
	}
	if f == nil {
		f = &flow{key: a.pkt.key, first: fr.ts, last: fr.ts}
		f.mod, f.byDest = a.m.match(a.pkt.key.protocol(), int(a.pkt.key.sport), int(a.pkt.key.dport))
		a.flows[a.pkt.key] = f
	}
	f.packets++
	f.dscp[a.pkt.dscp]++
	if fr.ts.Before(f.first) {
		f.first = fr.ts
	}
	if fr.ts.After(f.last) {
		f.last = fr.ts
	}
	if a.pkt.key.proto == protoUDP {
		f.rtp.observe(a.pkt.payload)
	}
}

// run feeds every packet of src to the analyzer.
func (a *analyzer) run(ctx context.Context, src source) error {
	for i := 0; ; i++ {
		if i%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		fr, err := src.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		a.add(fr)
	}
}

// CheckFile reads a pcap or pcapng file and checks its flows against the
// policy. A file that cannot be read as a capture gives an *InputError, a
// policy without endpoints ErrNoEndpoints.
func CheckFile(ctx context.Context, path string, p agent.Policy, opt Options) (*Report, error) {
	a, err := newAnalyzer(p, opt)
	if err != nil {
		return nil, err
	}
	src, err := openFile(path, false)
	if err == nil {
		err = a.run(ctx, src)
	}
	if errors.Is(err, errMixedLinks) {
		if src != nil {
			src.Close()
		}
		a, _ = newAnalyzer(p, opt)
		src, err = openFile(path, true)
		if err == nil {
			err = a.run(ctx, src)
		}
	}
	if src != nil {
		defer src.Close()
	}
	if err != nil {
		return nil, err
	}
	rep := a.report(p, opt)
	rep.File = path
	if t := src.trunc; t != nil {
		rep.Truncated = t
		msg := fmt.Sprintf("the last packet (number %d, at byte %d) is cut short: %d of its %d bytes are in the file, as a capture stopped in the middle of a write leaves it; it is counted", t.Packet, t.Offset, t.Captured, t.Expected)
		if t.Captured == t.Expected {
			msg = fmt.Sprintf("the block of the last packet (number %d, at byte %d) is cut short after the packet's %d bytes, as a capture stopped in the middle of a write leaves it; the packet is counted", t.Packet, t.Offset, t.Captured)
		}
		rep.Warnings = append([]string{msg}, rep.Warnings...)
	}
	return rep, nil
}

// report builds the report from the flow table.
func (a *analyzer) report(p agent.Policy, opt Options) *Report {
	rep := &Report{Command: "capture check", Policy: p, Flows: []Flow{}, Fixes: []string{}, Warnings: []string{}}
	rep.Summary.Packets = a.packets
	rep.Skipped = Skipped{NotIP: a.skipped[notIP], NotUDPOrTCP: a.skipped[notUDPorTCP], CutShort: a.skipped[cutShort], Untracked: a.untracked}
	want := func(mod int) bool {
		if len(opt.Modalities) == 0 {
			return true
		}
		return mod >= 0 && slices.Contains(opt.Modalities, a.m.mods[mod].Name)
	}
	mods := make([]ModalitySummary, len(a.m.mods))
	for i, mod := range a.m.mods {
		mods[i] = ModalitySummary{Name: mod.Name, Class: mod.Class, Protocol: mod.Protocol, Ports: ports(mod.SourcePorts), ExpectedDSCP: a.m.expected[i]}
		if mod.SourcePorts != nil {
			mods[i].PortsAre = "source"
		} else {
			mods[i].PortsAre, mods[i].Ports = "destination", ports(mod.DestinationPorts)
		}
	}
	flows := make([]*flow, 0, len(a.flows))
	for _, f := range a.flows {
		flows = append(flows, f)
	}
	slices.SortFunc(flows, compareFlows)
	matched := 0
	for _, f := range flows {
		fl := Flow{
			Protocol: f.key.protocol(), Src: f.key.srcString(), Dst: f.key.dstString(),
			Packets: f.packets, DSCP: f.dscp, RTP: f.rtp.is,
			FirstSeen: stamp(f.first), LastSeen: stamp(f.last),
		}
		switch {
		case f.mod >= 0:
			exp := a.m.expected[f.mod]
			fl.Modality, fl.MatchedBy, fl.ExpectedDSCP = a.m.mods[f.mod].Name, "source", &exp
			if f.byDest {
				fl.MatchedBy = "destination"
			}
			fl.Mismarked = f.packets - f.dscp[exp]
			fl.Status = StatusOK
			if fl.Mismarked > 0 {
				fl.Status = StatusMismarked
			}
		case f.rtp.is:
			fl.Status = StatusOutOfRange
		default:
			fl.Status = StatusOther
		}
		if len(opt.Modalities) > 0 && fl.Status != StatusOutOfRange && !want(f.mod) {
			continue
		}
		if f.mod >= 0 {
			matched++
			ms := &mods[f.mod]
			ms.Flows++
			ms.Packets += f.packets
			ms.MismarkedPackets += fl.Mismarked
			if fl.Status == StatusOK {
				ms.OK++
			} else {
				ms.Mismarked++
			}
		}
		if fix := a.fix(f, fl); fix != "" {
			rep.Fixes = append(rep.Fixes, fix)
			fl.Filter = displayFilter(f.key)
		}
		rep.add(fl)
	}
	for i, ms := range mods {
		if want(i) {
			rep.Modalities = append(rep.Modalities, ms)
		}
	}
	switch {
	case a.packets == 0:
		rep.Warnings = append(rep.Warnings, "the capture holds no packets: it says nothing about how endpoints mark (capture during a call, on an interface the media crosses)")
	case matched == 0:
		rep.Warnings = append(rep.Warnings, "no flow matches a modality of the policy: this capture says nothing about how endpoints mark (capture during a call, on an interface the media crosses)")
	}
	if a.untracked > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the capture has more than %d flows (a busy link or a scan?): the %d packets of the flows beyond them were counted but not checked, so this check is incomplete (exit 2); capture only the endpoints' traffic, or cut this capture down with tcpdump -r FILE -w SMALLER 'FILTER'", a.maxFlows, a.untracked))
	}
	n := rep.Skipped.CutShort
	if a.cutFinal {
		n-- // the truncated last packet has its own warning
	}
	if n > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d packets were captured too short to read their IP and port headers (a small snap length?); they are in no flow", n))
	}
	return rep
}

func (r *Report) add(fl Flow) {
	r.Flows = append(r.Flows, fl)
	r.Summary.Flows++
	switch fl.Status {
	case StatusOK:
		r.Summary.OK++
	case StatusMismarked:
		r.Summary.Mismarked++
	case StatusOutOfRange:
		r.Summary.OutOfRange++
	default:
		r.Summary.Other++
	}
}

// compareFlows orders flows by first packet, then by key, so reports are
// stable.
func compareFlows(a, b *flow) int {
	if c := a.first.Compare(b.first); c != 0 {
		return c
	}
	ka, kb := a.key, b.key
	if ka.proto != kb.proto {
		return int(ka.proto) - int(kb.proto)
	}
	if c := ka.addr(ka.src).Compare(kb.addr(kb.src)); c != 0 {
		return c
	}
	if ka.sport != kb.sport {
		return int(ka.sport) - int(kb.sport)
	}
	if c := ka.addr(ka.dst).Compare(kb.addr(kb.dst)); c != 0 {
		return c
	}
	return int(ka.dport) - int(kb.dport)
}

// stamp renders a packet time as RFC 3339 in UTC with milliseconds.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

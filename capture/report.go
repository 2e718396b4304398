package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/qosagent/qosagent/agent"
)

// Flow statuses.
const (
	StatusOK         = "ok"           // every packet carries the modality's DSCP
	StatusMismarked  = "mismarked"    // at least one packet does not
	StatusOutOfRange = "out-of-range" // RTP media that matches no modality
	StatusOther      = "other"        // neither matched nor media
)

// Exit codes of capture check (the project's: 0 ok, 1 problems, 2 not
// every packet checked, 3 bad input).
const (
	ExitOK         = agent.ExitOK
	ExitProblems   = agent.ExitDrift
	ExitIncomplete = agent.ExitError
)

// Report is the result of one capture check; its JSON form is a contract.
type Report struct {
	Command    string            `json:"command"`
	File       string            `json:"file,omitempty"`
	Interface  string            `json:"interface,omitempty"` // live mode
	Duration   string            `json:"duration,omitempty"`  // live mode
	Policy     agent.Policy      `json:"policy"`
	Summary    Summary           `json:"summary"`
	Modalities []ModalitySummary `json:"modalities"`
	Fixes      []string          `json:"fixes"`
	Warnings   []string          `json:"warnings"`
	Skipped    Skipped           `json:"skipped"`
	Truncated  *Truncation       `json:"truncated,omitempty"`
	Flows      []Flow            `json:"flows"` // last: WriteJSON streams it
}

// Summary counts packets and flows by status.
type Summary struct {
	Packets    int `json:"packets"` // every packet read, in a flow or not
	Flows      int `json:"flows"`
	OK         int `json:"ok"`
	Mismarked  int `json:"mismarked"`
	OutOfRange int `json:"out_of_range"`
	Other      int `json:"other"`
}

// Skipped counts the packets that belong to no flow, by reason.
type Skipped struct {
	NotIP       int `json:"not_ip"`      // ARP, LLDP, spanning tree, ...
	NotUDPOrTCP int `json:"not_udp_tcp"` // ICMP, IGMP, IP fragments, ...
	CutShort    int `json:"cut_short"`   // captured too short for the IP and port headers
	// Untracked are the packets of flows beyond the flow table's bound
	// (Options.MaxFlows): read, not checked.
	Untracked int `json:"untracked,omitempty"`
}

// ModalitySummary sums up the flows of one modality.
type ModalitySummary struct {
	Name             string `json:"name"`
	Class            string `json:"class"`
	Protocol         string `json:"protocol"`
	PortsAre         string `json:"ports_are"` // source or destination
	Ports            string `json:"ports"`
	ExpectedDSCP     int    `json:"expected_dscp"`
	Flows            int    `json:"flows"`
	OK               int    `json:"ok"`
	Mismarked        int    `json:"mismarked"`
	Packets          int    `json:"packets"`
	MismarkedPackets int    `json:"mismarked_packets"`
}

// Flow is one one-directional flow of the capture.
type Flow struct {
	Protocol     string     `json:"protocol"`
	Src          string     `json:"src"`
	Dst          string     `json:"dst"`
	Modality     string     `json:"modality,omitempty"`
	MatchedBy    string     `json:"matched_by,omitempty"` // source or destination
	ExpectedDSCP *int       `json:"expected_dscp,omitempty"`
	Packets      int        `json:"packets"`
	DSCP         dscpCounts `json:"dscp"`
	RTP          bool       `json:"rtp"`
	Status       string     `json:"status"`
	Mismarked    int        `json:"mismarked_packets,omitempty"`
	FirstSeen    string     `json:"first_seen"`
	LastSeen     string     `json:"last_seen"`
	// Filter is a Wireshark display filter for the flow, given for
	// mismarked and out-of-range flows: the packets to look at.
	Filter string `json:"wireshark_filter,omitempty"`
}

// ExitCode is 0 when every matched flow is ok and no media runs outside
// the policy's ranges, else 1; 2 when packets of flows beyond the flow
// table's bound went unchecked, as an audit that could not read every
// switch exits 2.
func (r *Report) ExitCode() int {
	switch {
	case r.Skipped.Untracked > 0:
		return ExitIncomplete
	case r.Summary.Mismarked > 0 || r.Summary.OutOfRange > 0:
		return ExitProblems
	}
	return ExitOK
}

// WriteJSON writes the report as one JSON document, one flow per line, so
// a capture of many flows stays readable with grep and is not encoded
// twice in memory.
func (r *Report) WriteJSON(w io.Writer) error {
	head := *r
	head.Flows = nil
	hb, err := json.Marshal(head)
	if err != nil {
		return err
	}
	const tail = `"flows":null}`
	if !bytes.HasSuffix(hb, []byte(tail)) {
		return errors.New("report: flows must be the last field")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(hb[:len(hb)-len(tail)])
	bw.WriteString(`"flows":[`)
	for i := range r.Flows {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n  ")
		fb, err := json.Marshal(&r.Flows[i])
		if err != nil {
			return err
		}
		bw.Write(fb)
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// maxOtherRows and maxFixRows bound the "other" flows and the fixes the
// table lists; JSON lists all.
const (
	maxOtherRows = 10
	maxFixRows   = 20
)

// WriteTable writes the report for a terminal.
func (r *Report) WriteTable(out io.Writer) error {
	w := bufio.NewWriter(out)
	what := r.File
	if r.Interface != "" {
		what = "live " + r.Interface + " for " + r.Duration
	}
	s := r.Summary
	fmt.Fprintf(w, "capture %s: %d packets, %d flows: %d ok, %d mismarked, %d out-of-range, %d other\n",
		what, s.Packets, s.Flows, s.OK, s.Mismarked, s.OutOfRange, s.Other)
	if n := r.Skipped.NotIP + r.Skipped.NotUDPOrTCP + r.Skipped.CutShort; n > 0 {
		fmt.Fprintf(w, "%d packets in no flow: %d not IP, %d not UDP or TCP, %d cut short\n", n, r.Skipped.NotIP, r.Skipped.NotUDPOrTCP, r.Skipped.CutShort)
	}
	if r.Skipped.Untracked > 0 {
		fmt.Fprintf(w, "%d packets NOT CHECKED: their flows are beyond the flow table's bound\n", r.Skipped.Untracked)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODALITY\tPROTO\tPORTS\tDSCP\tFLOWS\tOK\tMISMARKED\tPACKETS\tMISMARKED PACKETS")
	for _, m := range r.Modalities {
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%d\t%d\t%d\t%d\t%d\n", m.Name, m.Protocol, m.PortsAre, m.Ports, dscpLabel(m.ExpectedDSCP), m.Flows, m.OK, m.Mismarked, m.Packets, m.MismarkedPackets)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Flows) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STATUS\tPROTO\tSOURCE\tDESTINATION\tMODALITY\tMATCHED BY\tEXPECTED\tSEEN\tPACKETS\tRTP")
		others := 0
		for _, status := range []string{StatusMismarked, StatusOutOfRange, StatusOK, StatusOther} {
			for _, f := range r.Flows {
				if f.Status != status {
					continue
				}
				if status == StatusOther {
					if others++; others > maxOtherRows {
						continue
					}
				}
				mod, by, exp := "-", "-", "-"
				if f.Modality != "" {
					mod, by, exp = f.Modality, f.MatchedBy, dscpLabel(*f.ExpectedDSCP)
				}
				rtp := "no"
				if f.RTP {
					rtp = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", f.Status, f.Protocol, f.Src, f.Dst, mod, by, exp, seen(&f.DSCP), f.Packets, rtp)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if others > maxOtherRows {
			fmt.Fprintf(w, "... and %d more other flows (--format json lists every flow)\n", others-maxOtherRows)
		}
	}
	if len(r.Fixes) > 0 {
		fmt.Fprintln(w, "\nWhat to fix:")
		for i, f := range r.Fixes {
			if i == maxFixRows {
				fmt.Fprintf(w, "  ... and %d more (--format json lists them all)\n", len(r.Fixes)-maxFixRows)
				break
			}
			fmt.Fprintln(w, "  - "+f)
		}
	}
	if filters := r.problemFilters(); len(filters) > 0 {
		fmt.Fprintln(w, "\nIn Wireshark:")
		for i, f := range filters {
			if i == maxFixRows {
				fmt.Fprintf(w, "  ... and %d more (--format json lists them all)\n", len(filters)-maxFixRows)
				break
			}
			fmt.Fprintln(w, "  "+f)
		}
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, f := range r.Warnings {
			fmt.Fprintln(w, "  - "+f)
		}
	}
	return w.Flush()
}

func (r *Report) problemFilters() []string {
	var out []string
	for _, f := range r.Flows {
		if f.Filter != "" {
			out = append(out, f.Filter)
		}
	}
	return out
}

// displayFilter is the Wireshark display filter that selects one flow.
func displayFilter(k flowKey) string {
	ip := "ip"
	if k.v6 {
		ip = "ipv6"
	}
	p := k.protocol()
	return fmt.Sprintf("%s.src == %s && %s.srcport == %d && %s.dst == %s && %s.dstport == %d",
		ip, k.addr(k.src), p, k.sport, ip, k.addr(k.dst), p, k.dport)
}

// seen renders a histogram as "46 EF x500, 0 BE x3".
func seen(c *dscpCounts) string {
	var parts []string
	for _, d := range c.values() {
		parts = append(parts, fmt.Sprintf("%s x%d", dscpLabel(d), c[d]))
	}
	return strings.Join(parts, ", ")
}

// dscpLabel is "46 EF", or "13" for unnamed code points.
func dscpLabel(d int) string {
	if n := agent.PHBName(d); n != "" {
		return strconv.Itoa(d) + " " + n
	}
	return strconv.Itoa(d)
}

// fix says, in an administrator's words, what a problem flow needs; ""
// for flows without a problem.
func (a *analyzer) fix(f *flow, fl Flow) string {
	switch fl.Status {
	case StatusOutOfRange:
		return fmt.Sprintf("media (RTP) from %s to %s uses ports outside every modality of the policy (%s) and is marked %s: configure the sender's media port range to the policy's, or add its ports to the endpoints section",
			fl.Src, fl.Dst, a.m.rangesOf(), marks(&f.dscp))
	case StatusMismarked:
	default:
		return ""
	}
	mod, exp := a.m.mods[f.mod], a.m.expected[f.mod]
	what := fmt.Sprintf("%s from %s to %s", mod.Name, fl.Src, fl.Dst)
	var state string
	unmarked := f.dscp[exp] == 0 && f.dscp[0] == f.packets
	switch {
	case unmarked:
		state = fmt.Sprintf("is unmarked (DSCP 0 on all %d packets; expected %s)", f.packets, dscpLabel(exp))
	case f.dscp[exp] == 0:
		state = fmt.Sprintf("is marked %s instead of %s", marks(&f.dscp), dscpLabel(exp))
	default:
		state = fmt.Sprintf("has %d of %d packets marked %s instead of %s", fl.Mismarked, f.packets, marksExcept(&f.dscp, exp), dscpLabel(exp))
	}
	var why string
	switch {
	case len(f.dscp.values()) > 1:
		why = "the marks change within the flow: a switch or router port on the path that does not trust DSCP re-marks some packets, or the sender marks only part of the call"
	case f.byDest && mod.SourcePorts != nil:
		why = fmt.Sprintf("the sender uses port %d, outside %s's %s, so a policy by source port does not cover it — configure the sender's (phone's or client's) media port range to %s",
			f.key.sport, mod.Name, ports(mod.SourcePorts), ports(mod.SourcePorts))
	case f.byDest && unmarked:
		why = fmt.Sprintf("the sender does not mark %s to port %s — its endpoint QoS policy for that destination is missing or not applied, or a device on the path clears the mark", strings.ToUpper(fl.Protocol), ports(mod.DestinationPorts))
	case unmarked:
		why = fmt.Sprintf("the sender uses %s's ports %s but does not mark — its endpoint QoS policy (Windows Group Policy QoS, the phone's DSCP setting) is missing or not applied, or a device on the path clears the mark", mod.Name, ports(mod.SourcePorts))
	default:
		why = fmt.Sprintf("the sender, or a device on the path that re-marks, uses the wrong value — set %s to DSCP %d in the endpoint's QoS settings", mod.Name, exp)
	}
	return what + " " + state + ": " + why
}

// marks renders the DSCP values of a histogram: "0 BE" or "0 BE and 34 AF41".
func marks(c *dscpCounts) string { return marksExcept(c, -1) }

func marksExcept(c *dscpCounts, skip int) string {
	var parts []string
	for _, d := range c.values() {
		if d != skip {
			parts = append(parts, dscpLabel(d))
		}
	}
	return strings.Join(parts, " and ")
}

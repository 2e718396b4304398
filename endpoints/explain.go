package endpoints

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/vendors"
)

// PlatformUse is one platform of the inventory and how many switches use it.
type PlatformUse struct {
	Platform vendors.Platform
	Switches int
}

// Landing is where one mark lands on one platform.
type Landing struct {
	Platform string `json:"platform"`
	Switches int    `json:"switches"`
	// Queue is the native queue after apply on a factory-default switch,
	// when the platform describes its factory state offline; "" otherwise.
	// Where the platform's models differ (another queue count), it is the
	// base model's, and Note says so.
	Queue string `json:"queue,omitempty"`
	// Rank is the queue's priority rank among the switch's queues when
	// Queue is known ("4 of 4, top"), else the class's rank among the
	// policy's classes, which is all that holds before the device is read.
	Rank string `json:"rank"`
	Note string `json:"note,omitempty"`
}

// Path is what one modality marks in one direction and where it lands.
type Path struct {
	Modality  string    `json:"modality"`
	Direction string    `json:"direction"` // "sent" by the endpoint, or "received" by it
	Match     string    `json:"match"`     // "source ports 6000-6024"
	Protocol  string    `json:"protocol"`
	DSCP      int       `json:"dscp"`
	Mark      string    `json:"mark"`  // "EF 46"
	Class     string    `json:"class"` // the switch policy's class holding the DSCP; "" when none
	MarkedBy  string    `json:"marked_by"`
	Landings  []Landing `json:"landings"`
}

// Explanation is what `endpoints explain` prints.
type Explanation struct {
	Policy   string `json:"policy"`
	SHA256   string `json:"sha256"`
	Switches string `json:"switch_policy"`
	Paths    []Path `json:"paths"`
}

// Explain follows each modality's mark, in both directions, to the queue it
// lands on for every platform given. A platform that describes its factory
// state offline (vendors.Platform.Factory) gets the native queue the
// planner would use on a factory-default switch; any other gets the class's
// rank among the policy's classes, and a note that the native queue number
// comes from the device.
func Explain(in Input, platforms []PlatformUse) (*Explanation, error) {
	e, err := in.endpoints()
	if err != nil {
		return nil, err
	}
	sw, swFrom := in.switchPolicy()
	x := &Explanation{Policy: in.Source.Name, SHA256: in.Source.SHA256(), Switches: swFrom}
	classOf := map[int]int{}
	for i, c := range sw.Classes {
		for _, d := range c.DSCP {
			classOf[d] = i
		}
	}
	for _, m := range e.Modalities {
		d, ok := in.mark(m)
		if !ok {
			return nil, fmt.Errorf("%s: modality %s: class %q is unknown or has no DSCP", in.Source.Name, m.Name, m.Class)
		}
		r, src := m.Ports()
		class := ""
		ci, placed := classOf[d]
		if placed {
			class = sw.Classes[ci].Name
		}
		var landings []Landing
		for _, pu := range platforms {
			landings = append(landings, land(sw, pu, d, ci, placed))
		}
		sent := Path{Modality: m.Name, Direction: "sent", Match: dirWord(src) + " " + r.String(), Protocol: protoLabel(m.Protocol),
			DSCP: d, Mark: dscpName(d), Class: class, MarkedBy: "the endpoint", Landings: landings}
		recv := sent
		recv.Direction = "received"
		recv.Match = dirWord(!src) + " " + r.String()
		recv.MarkedBy = "the sender, when it follows the same policy"
		x.Paths = append(x.Paths, sent, recv)
	}
	return x, nil
}

func ordinalRank(i, n int) string {
	s := fmt.Sprintf("class %d of %d", i+1, n)
	switch i {
	case 0:
		return s + " (top)"
	case n - 1:
		return s + " (lowest)"
	}
	return s
}

func land(sw agent.Policy, pu PlatformUse, d, ci int, placed bool) Landing {
	l := Landing{Platform: pu.Platform.Name, Switches: pu.Switches}
	f := pu.Platform.Factory
	if !placed {
		l.Rank = "unclassified"
		l.Note = "no class of the switch policy lists this DSCP: it stays on whatever queue the switch's map gives it"
		return l
	}
	if f == nil {
		l.Rank = ordinalRank(ci, len(sw.Classes))
		if ci == 0 {
			l.Note = "the switch's top queue (strict where the platform can); its native number is read from the device (qosagent audit)"
		} else {
			l.Note = "a queue strictly below the classes above it; its native number is read from the device (qosagent audit)"
		}
		return l
	}
	want, err := agent.Target(sw, f.State)
	if err != nil {
		l.Rank = ordinalRank(ci, len(sw.Classes))
		l.Note = withModels("the policy does not fit this platform's factory queues: "+err.Error(), f)
		return l
	}
	q := want.GlobalMap()[d]
	rank := want.Rank(q)
	l.Queue = f.Name(q)
	l.Rank = fmt.Sprintf("%d of %d", rank+1, len(want.Queues))
	if rank == len(want.Queues)-1 {
		l.Rank += " (top)"
	}
	// Strict only where every scope with scheduling serves it strictly.
	strict, seen := rank >= 0, false
	for i := range want.Scopes {
		if sched := want.Scopes[i].Sched; sched != nil && rank >= 0 {
			seen = true
			strict = strict && sched[rank].Strict
		}
	}
	if strict && seen {
		l.Queue += " (strict)"
	}
	l.Note = withModels("after apply on a factory-default switch", f)
	return l
}

// withModels adds, where the platform's models differ (another queue
// count), which model the queue is for and that the others must be read.
func withModels(note string, f *vendors.FactoryModel) string {
	if f.Models == "" {
		return note
	}
	return note + "; for " + f.Models
}

// WriteTable prints one row per modality, direction and platform.
func (x *Explanation) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "# policy %s, sha256 %s; the switches follow %s\n", x.Policy, x.SHA256, x.Switches)
	fmt.Fprintln(tw, "MODALITY\tDIRECTION\tMATCH\tPROTOCOL\tMARK\tCLASS\tPLATFORM\tSWITCHES\tQUEUE\tRANK\tNOTE")
	for _, p := range x.Paths {
		class := p.Class
		if class == "" {
			class = "-"
		}
		if len(p.Landings) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t-\t-\t-\t-\tno inventory: no platforms (-i)\n", p.Modality, p.Direction, p.Match, p.Protocol, p.Mark, class)
		}
		for _, l := range p.Landings {
			q := l.Queue
			if q == "" {
				q = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", p.Modality, p.Direction, p.Match, p.Protocol, p.Mark, class, l.Platform, l.Switches, q, l.Rank, l.Note)
		}
	}
	fmt.Fprintln(tw, "# sent: marked by the endpoint; received: marked by the sender, when it follows the same policy.")
	return tw.Flush()
}

// WriteJSON prints the explanation as one JSON object.
func (x *Explanation) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(x)
}

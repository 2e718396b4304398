package endpoints

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/qosagent/qosagent/agent"
)

// Severity of a finding. Errors block a render and make `check` exit 3;
// warnings make it exit 1; notes are information only.
type Severity string

const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
	SevNote    Severity = "note"
)

// Lint rules, as findings name them.
const (
	RuleClass         = "class"            // the class is unknown or has no DSCP
	RuleOverlap       = "overlap"          // two modalities match the same packets
	RuleSignalingPort = "signaling-port"   // a media range holds the signaling port
	RuleUnqueued      = "unqueued-mark"    // a mark no class of the switch policy places
	RuleShortRange    = "short-range"      // audio or video range below the Lync/Skype minimum of 20
	RulePolycomRange  = "polycom-range"    // audio or video range below the VVX block of 24
	RulePolycomStart  = "polycom-start"    // a Polycom start port odd or outside 1024..65440
	RulePolycomAudio  = "polycom-audio"    // Polycom needs an audio modality on source ports
	RuleApplications  = "all-applications" // applications: [] marks every program on the PC
	RuleClientPorts   = "client-ports"     // Lync/Skype/Teams set client (source) port ranges only
	RuleServerDefault = "server-default"   // a modality the server config leaves at its default range
	RuleUnmarked      = "unmarked"         // DSCP 0: no Windows policy is written for it
	RuleFirewall      = "firewall"         // the media ranges to open on internal firewalls
	RuleTeamsMacFixed = "teams-macos"      // Teams on macOS marks fixed values
)

// Limits of the endpoints, from their vendors' documentation.
const (
	minLyncRange       = 20
	polycomBlock       = 24
	polycomFirstPort   = 1024
	polycomLastStart   = 65440
	minClientMediaPort = 1024
)

// Finding is one result of the linter.
type Finding struct {
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	// Field is the modality at fault ("endpoints.modalities[1] (video)"), or
	// the section's field; empty for the section as a whole.
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Line is the finding as one line: `policy: severity: rule: field: message`.
func (f Finding) Line(policy string) string {
	field := ""
	if f.Field != "" {
		field = f.Field + ": "
	}
	return fmt.Sprintf("%s: %s: %s: %s%s", policy, f.Severity, f.Rule, field, f.Message)
}

// Report is what `endpoints check` prints.
type Report struct {
	Policy   string    `json:"policy"`
	SHA256   string    `json:"sha256"`
	Targets  []string  `json:"targets"`
	Findings []Finding `json:"findings"`
	// Firewall is the union of the media ranges per protocol ("udp" ->
	// ["6000-6049"]), the ports to open between clients on internal firewalls.
	Firewall map[string][]string `json:"firewall"`
}

// Count returns the number of findings of a severity.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// ExitCode is 0 clean, 1 warnings only, 3 errors (invalid input).
func (r *Report) ExitCode() int {
	switch {
	case r.Count(SevError) > 0:
		return agent.ExitInvalid
	case r.Count(SevWarning) > 0:
		return agent.ExitDrift
	}
	return agent.ExitOK
}

// WriteText prints one line per finding, `policy: severity: rule: field: message`,
// then a summary.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString(f.Line(r.Policy) + "\n")
	}
	fmt.Fprintf(&b, "%s: %d errors, %d warnings (checked for %s)\n", r.Policy, r.Count(SevError), r.Count(SevWarning), strings.Join(r.Targets, ", "))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Err returns the errors as one error, nil when there are none: a render
// refuses a policy its linter faults.
func (r *Report) Err() error {
	var msgs []string
	for _, f := range r.Findings {
		if f.Severity == SevError {
			msgs = append(msgs, f.Line(r.Policy))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return &LintError{Lines: msgs}
}

// LintError is a render refused because the policy has lint errors.
type LintError struct{ Lines []string }

func (e *LintError) Error() string {
	return fmt.Sprintf("%d lint errors, nothing written:\n%s", len(e.Lines), strings.Join(e.Lines, "\n"))
}

// polycomRules reports whether the Polycom limits apply.
func polycomRules(e *agent.Endpoints, targets []string) bool {
	return e.Polycom || slices.Contains(targets, TargetPolycom)
}

// Check lints the endpoints section. The general rules always apply; the
// rules of a target apply when it is in targets, and the Polycom rules also
// when the section says `polycom: true`.
func Check(in Input, targets ...string) (*Report, error) {
	e, err := in.endpoints()
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		if !slices.Contains(Targets(), t) {
			return nil, fmt.Errorf("target %q is unknown; known: %s", t, strings.Join(Targets(), ", "))
		}
	}
	r := &Report{Policy: in.Source.Name, SHA256: in.Source.SHA256(), Targets: []string{"general"}}
	r.Targets = append(r.Targets, targets...)
	if e.Polycom && !slices.Contains(targets, TargetPolycom) {
		r.Targets = append(r.Targets, "polycom (polycom: true)")
	}
	add := func(sev Severity, rule, field, format string, args ...any) {
		r.Findings = append(r.Findings, Finding{Severity: sev, Rule: rule, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	field := func(i int) string { return fmt.Sprintf("endpoints.modalities[%d] (%s)", i, e.Modalities[i].Name) }
	sw, swFrom := in.switchPolicy()
	placed := map[int]string{}
	for _, c := range sw.Classes {
		for _, d := range c.DSCP {
			placed[d] = c.Name
		}
	}

	if len(e.Applications) == 0 {
		add(SevWarning, RuleApplications, "endpoints.applications", "empty: the Windows policies match every application on the PC, so any program sending from these ports gets the marks; list the executables (e.g. lync.exe)")
	}
	for i, m := range e.Modalities {
		d, ok := in.mark(m)
		if !ok {
			add(SevError, RuleClass, field(i), "class %q is unknown or has no DSCP; the modality has no mark", m.Class)
			continue
		}
		if _, ok := placed[d]; !ok && d != 0 {
			add(SevError, RuleUnqueued, field(i), "marks %s, which no class of the switch policy (%s) lists; the switches would queue it as unclassified traffic", dscpName(d), swFrom)
		}
		r0, _ := m.Ports()
		if (m.Name == agent.ModalityAudio || m.Name == agent.ModalityVideo) && r0.Len() < minLyncRange {
			add(SevError, RuleShortRange, field(i), "%s has %d ports; Lync/Skype need at least %d for %s", r0, r0.Len(), minLyncRange, m.Name)
		}
	}
	checkOverlaps(e, add, field)

	if polycomRules(e, targets) {
		checkPolycom(e, add, field)
	}
	// The modalities whose client port ranges each server target sets.
	skypeSets := []string{agent.ModalityAudio, agent.ModalityVideo, agent.ModalityAppSharing, agent.ModalityFileTransfer}
	teamsSets := skypeSets[:3]
	if slices.Contains(targets, TargetSkype) || slices.Contains(targets, TargetTeams) {
		for i, m := range e.Modalities {
			if !(slices.Contains(targets, TargetSkype) && slices.Contains(skypeSets, m.Name)) && !slices.Contains(teamsSets, m.Name) {
				continue
			}
			if m.SourcePorts == nil {
				add(SevError, RuleClientPorts, field(i), "destination_ports cannot be set on the server: Lync/Skype/Teams configure the clients' own (source) port ranges; use source_ports")
			} else if m.SourcePorts.First < minClientMediaPort {
				add(SevError, RuleClientPorts, field(i), "source_ports %s starts below %d; client media ports are 1024..65535", m.SourcePorts, minClientMediaPort)
			}
		}
	}
	serverRanges := func(cmdlet string, names []string, why string) {
		var missing []string
		for _, name := range names {
			if _, ok := e.Modality(name); !ok {
				missing = append(missing, name)
			}
		}
		if len(missing) == len(names) {
			// Enabling the ranges with none set would move every modality
			// onto the same default ports.
			add(SevError, RuleServerDefault, "endpoints.modalities", "none of %s: %s would enable client port ranges with nothing to set", strings.Join(names, ", "), cmdlet)
			return
		}
		for _, name := range missing {
			add(SevWarning, RuleServerDefault, "endpoints.modalities", "no %s modality: %s leaves its range at the default%s", name, cmdlet, why)
		}
	}
	if slices.Contains(targets, TargetSkype) {
		serverRanges("Set-CsConferencingConfiguration", skypeSets,
			" (5350, 40 ports), which overlaps the default of every other modality left unset")
	}
	if slices.Contains(targets, TargetTeams) {
		serverRanges("Set-CsTeamsMeetingConfiguration", teamsSets, "")
		for _, d := range []int{46, 34} {
			if _, ok := placed[d]; !ok {
				add(SevWarning, RuleTeamsMacFixed, "", "Teams on macOS marks %s whatever the policy says, and no class of the switch policy (%s) lists it", dscpName(d), swFrom)
			}
		}
	}
	if slices.ContainsFunc(targets, func(t string) bool { return t == TargetPowerShell || t == TargetGPO || t == TargetReg }) {
		for i, m := range e.Modalities {
			if d, ok := in.mark(m); ok && d == 0 {
				add(SevNote, RuleUnmarked, field(i), "marks BE 0, which Windows sends anyway: no Windows policy is written for it")
			}
		}
	}
	r.Firewall = firewall(e)
	for _, proto := range []string{agent.ProtoUDP, agent.ProtoTCP} {
		if rs := r.Firewall[proto]; len(rs) > 0 {
			add(SevNote, RuleFirewall, "", "open %s %s between clients and to the media servers on internal firewalls (the union of the media ranges)", strings.ToUpper(proto), strings.Join(rs, ", "))
		}
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int { return cmp.Compare(sevOrder(a.Severity), sevOrder(b.Severity)) })
	return r, nil
}

func sevOrder(s Severity) int {
	switch s {
	case SevError:
		return 0
	case SevWarning:
		return 1
	}
	return 2
}

type addFunc func(sev Severity, rule, field, format string, args ...any)

// protocolsMeet reports whether two modalities can match the same packet.
func protocolsMeet(a, b agent.Modality) bool {
	return a.Protocol == agent.ProtoBoth || b.Protocol == agent.ProtoBoth || a.Protocol == b.Protocol
}

func checkOverlaps(e *agent.Endpoints, add addFunc, field func(int) string) {
	for i, a := range e.Modalities {
		ra, srcA := a.Ports()
		for j := i + 1; j < len(e.Modalities); j++ {
			b := e.Modalities[j]
			rb, srcB := b.Ports()
			if !protocolsMeet(a, b) || !ra.Overlaps(rb) {
				continue
			}
			switch {
			case srcA == srcB:
				add(SevError, RuleOverlap, field(j), "%s %s overlaps %s's %s (%s): a packet there would get either mark", dirWord(srcB), rb, a.Name, ra, protoLabel(b.Protocol))
			case media(a) && media(b):
				// Signaling is the signaling-port rule's.
				add(SevWarning, RuleOverlap, field(j), "%s %s overlaps %s's %s %s (%s): a packet from one of these ports to another would match both, and traffic sent to the one's ports is taken for the other", dirWord(srcB), rb, a.Name, dirWord(srcA), ra, protoLabel(b.Protocol))
			}
		}
	}
	for i, sig := range e.Modalities {
		if media(sig) {
			continue
		}
		rs, _ := sig.Ports()
		for j, m := range e.Modalities {
			if !media(m) || !protocolsMeet(sig, m) {
				continue
			}
			if rm, _ := m.Ports(); rm.Overlaps(rs) {
				add(SevError, RuleSignalingPort, field(j), "%s includes the signaling port %s (%s): signaling would share the media's mark, or media the signaling's", rm, rs, field(i))
			}
		}
	}
}

func dirWord(source bool) string {
	if source {
		return "source ports"
	}
	return "destination ports"
}

func checkPolycom(e *agent.Endpoints, add addFunc, field func(int) string) {
	if _, ok := e.Modality(agent.ModalityAudio); !ok {
		add(SevError, RulePolycomAudio, "endpoints.modalities", "Polycom phones need an audio modality: tcpIpApp.port.rtp.mediaPortRangeStart is its first port")
	}
	for i, m := range e.Modalities {
		if m.Name != agent.ModalityAudio && m.Name != agent.ModalityVideo {
			continue
		}
		if m.SourcePorts == nil {
			add(SevError, RulePolycomAudio, field(i), "Polycom phones take a start port for their own (source) ports; use source_ports")
			continue
		}
		r := *m.SourcePorts
		if r.Len() < polycomBlock {
			add(SevError, RulePolycomRange, field(i), "%s has %d ports; VVX phones use a fixed block of %d %s ports from the start port, so ports %d-%d would not be marked by the PCs' policy nor match the server range", r, r.Len(), polycomBlock, m.Name, r.Last+1, r.First+polycomBlock-1)
		}
		switch {
		case r.First%2 == 0:
		case m.Name == agent.ModalityAudio:
			add(SevError, RulePolycomStart, field(i), "start port %d is odd; tcpIpApp.port.rtp.mediaPortRangeStart must be even (RTP on even, RTCP on odd ports)", r.First)
		default:
			// The UCS guide states the even rule for the media start only;
			// RTP's even-port convention (RFC 3550) argues for it here too.
			add(SevWarning, RulePolycomStart, field(i), "start port %d is odd; RTP uses even ports (RFC 3550), so the phone's video RTP ports may fall outside what the range expects", r.First)
		}
		if r.First < polycomFirstPort || r.First > polycomLastStart {
			add(SevError, RulePolycomStart, field(i), "start port %d is outside %d..%d, the range the Polycom UCS admin guide allows", r.First, polycomFirstPort, polycomLastStart)
		}
	}
}

// firewall merges the media ranges per protocol.
func firewall(e *agent.Endpoints) map[string][]string {
	byProto := map[string][]agent.PortRange{}
	for _, m := range e.Modalities {
		if !media(m) {
			continue
		}
		r, _ := m.Ports()
		for _, p := range []string{agent.ProtoUDP, agent.ProtoTCP} {
			if m.MatchesProtocol(p) {
				byProto[p] = append(byProto[p], r)
			}
		}
	}
	out := map[string][]string{}
	for p, rs := range byProto {
		slices.SortFunc(rs, func(a, b agent.PortRange) int { return cmp.Compare(a.First, b.First) })
		var merged []agent.PortRange
		for _, r := range rs {
			if n := len(merged); n > 0 && r.First <= merged[n-1].Last+1 {
				merged[n-1].Last = max(merged[n-1].Last, r.Last)
				continue
			}
			merged = append(merged, r)
		}
		for _, r := range merged {
			out[p] = append(out[p], r.String())
		}
	}
	return out
}

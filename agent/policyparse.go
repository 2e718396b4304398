package agent

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/qosagent/qosagent/internal/yamlwalk"
)

// The policy is decoded by walking the yaml.Node tree, as the inventory is:
// every problem is reported at once, each with its line and key, unknown
// keys get a "did you mean", and the rules of Validate point at the line of
// the value that breaks them.

// PolicyError is one problem of a policy file. ParsePolicy joins one per
// problem with errors.Join. Error() reads `<file>:<line>: <message>`, where
// the message starts with the field at fault.
type PolicyError struct {
	File string
	Line int // 1-based; 0 when the problem is not at a place in the file
	Msg  string
}

func (e *PolicyError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Keys of each block, in documentation order; messages list them.
var (
	policyKeys    = []string{"classes", "ef_exclusive", "trust", "trust_ports", "weighted_shares", "endpoints"}
	classKeys     = []string{"name", "dscp"}
	endpointsKeys = []string{"applications", "modalities", "polycom"}
	modalityKeys  = []string{"name", "class", "protocol", "source_ports", "destination_ports"}
)

// policyDecoder holds the state of one ParsePolicy.
type policyDecoder struct {
	file  string
	errs  []*PolicyError
	lines map[string]int // field path ("classes[1].dscp[0]") -> line, for Validate's rules
	// failed lists the fields that did not decode: Validate's rules on
	// them or around them would judge a placeholder, not the file.
	failed []string
}

func (d *policyDecoder) errorf(line int, field, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	d.errs = append(d.errs, &PolicyError{File: d.file, Line: line, Msg: yamlwalk.OneLine(msg)})
	d.failed = append(d.failed, field)
}

// nested reports whether one field path is the other or lies inside it
// ("" holds every field).
func nested(a, b string) bool {
	inside := func(outer, inner string) bool {
		return outer == "" || inner == outer || strings.HasPrefix(inner, outer+".") || strings.HasPrefix(inner, outer+"[")
	}
	return inside(a, b) || inside(b, a)
}

func (d *policyDecoder) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(d.errs, func(a, b *PolicyError) int { return cmp.Compare(a.Line, b.Line) })
	errs := make([]error, len(d.errs))
	for i, e := range d.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// mark records where a field is, for the rules checked after decoding.
func (d *policyDecoder) mark(field string, n *yaml.Node) {
	if n != nil {
		d.lines[field] = n.Line
	}
}

// lineOf returns the line of field, else of its nearest enclosing field
// that has one ("classes[1].dscp[0]" -> "classes[1].dscp" -> "classes[1]").
func (d *policyDecoder) lineOf(field string) int {
	for {
		if l, ok := d.lines[field]; ok {
			return l
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			return d.lines[""]
		}
		field = field[:i]
	}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// mapping calls f for each entry of the mapping n whose key is known, in
// file order, and reports the others. A null node is an empty mapping.
func (d *policyDecoder) mapping(n *yaml.Node, field string, known []string, f func(key string, k, v *yaml.Node)) bool {
	n = yamlwalk.Deref(n)
	if yamlwalk.IsNull(n) {
		return true
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, field, "expected a mapping with keys %s, got %s", strings.Join(known, ", "), yamlwalk.Describe(n))
		return false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := yamlwalk.Deref(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			d.errorf(n.Content[i].Line, field, "expected a plain key, got %s", yamlwalk.Describe(n.Content[i]))
			continue
		}
		kf := join(field, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.errorf(k.Line, kf, "set twice; first at line %d", first)
			continue
		}
		seen[k.Value] = k.Line
		if !slices.Contains(known, k.Value) {
			d.errorf(k.Line, kf, "unknown key%s; known: %s", yamlwalk.Suggest(k.Value, known), strings.Join(known, ", "))
			continue
		}
		d.mark(kf, k)
		f(k.Value, k, v)
	}
	return true
}

// sequence calls f for each item of the list n; null is an empty list.
func (d *policyDecoder) sequence(n *yaml.Node, field, want string, f func(i int, item *yaml.Node)) {
	n = yamlwalk.Deref(n)
	if yamlwalk.IsNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n.Line, field, "expected a list of %s, got %s", want, yamlwalk.Describe(n))
		return
	}
	for i, item := range n.Content {
		item = yamlwalk.Deref(item)
		d.mark(fmt.Sprintf("%s[%d]", field, i), item)
		f(i, item)
	}
}

func (d *policyDecoder) scalar(n *yaml.Node, field, want string) *yaml.Node {
	n = yamlwalk.Deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || yamlwalk.IsNull(n) {
		got := "nothing"
		line := 0
		if n != nil {
			got, line = yamlwalk.Describe(n), n.Line
		}
		d.errorf(line, field, "expected %s, got %s", want, got)
		return nil
	}
	return n
}

// str decodes any scalar as its literal text.
func (d *policyDecoder) str(n *yaml.Node, field string) (string, bool) {
	s := d.scalar(n, field, "a string")
	if s == nil {
		return "", false
	}
	return s.Value, true
}

// integer decodes a YAML integer; the range is Validate's business, so that
// programmatic policies meet the same rules.
func (d *policyDecoder) integer(n *yaml.Node, field, want string) (int, bool) {
	s := d.scalar(n, field, want)
	if s == nil {
		return 0, false
	}
	var i int64
	if s.ShortTag() != "!!int" || s.Decode(&i) != nil || i != int64(int32(i)) {
		d.errorf(s.Line, field, "expected %s, got %s %q", want, yamlwalk.Describe(s), yamlwalk.Clip(s.Value))
		return 0, false
	}
	return int(i), true
}

func (d *policyDecoder) boolean(n *yaml.Node, field string) (bool, bool) {
	s := d.scalar(n, field, "true or false")
	if s == nil {
		return false, false
	}
	var b bool
	if s.ShortTag() != "!!bool" || s.Decode(&b) != nil {
		d.errorf(s.Line, field, "expected true or false, got %s %q", yamlwalk.Describe(s), yamlwalk.Clip(s.Value))
		return false, false
	}
	return b, true
}

// ParsePolicy decodes and validates policy YAML; name is used in messages.
// On failure the error joins one *PolicyError per problem, in file order.
func ParsePolicy(name string, data []byte) (Policy, error) {
	d := &policyDecoder{file: name, lines: map[string]int{}}
	empty := fmt.Sprintf("the policy is empty; expected classes: and, optionally, %s", strings.Join(policyKeys[1:], ", "))
	if len(data) > maxPolicyBytes {
		d.errorf(0, "", "file is larger than %d MiB; is this a policy?", maxPolicyBytes>>20)
		return Policy{}, d.err()
	}
	root, line, err := yamlwalk.ParseOne(data)
	switch {
	case errors.Is(err, yamlwalk.ErrEmpty):
		d.errorf(0, "", "%s", empty)
		return Policy{}, d.err()
	case err != nil:
		d.errorf(line, "", "%v", err)
		return Policy{}, d.err()
	}
	root = yamlwalk.Deref(root)
	if yamlwalk.IsNull(root) {
		d.errorf(root.Line, "", "%s", empty)
		return Policy{}, d.err()
	}
	d.lines[""] = root.Line
	p := d.policy(root)
	// The rules are checked on what did decode, so that one run reports
	// every problem; a rule about a field that failed, or about a field
	// around it or inside it, is left out.
	failed := d.failed
	for _, is := range p.issues() {
		if !slices.ContainsFunc(failed, func(f string) bool { return nested(f, is.at) }) {
			d.errorf(d.lineOf(is.at), "", "%s", is.msg)
		}
	}
	if err := d.err(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

func (d *policyDecoder) policy(root *yaml.Node) Policy {
	p := Policy{Trust: "dscp"}
	d.mapping(root, "", policyKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "classes":
			d.sequence(v, "classes", "classes such as {name: audio, dscp: [46]}", func(i int, item *yaml.Node) {
				p.Classes = append(p.Classes, d.class(item, fmt.Sprintf("classes[%d]", i)))
			})
		case "ef_exclusive":
			p.EFExclusive, _ = d.boolean(v, key)
		case "trust":
			if s, ok := d.str(v, key); ok {
				p.Trust = s
			}
		case "trust_ports":
			p.TrustPorts = d.trustPorts(k, v)
		case "weighted_shares":
			d.sequence(v, key, "integers 1..255", func(i int, item *yaml.Node) {
				w, _ := d.integer(item, fmt.Sprintf("weighted_shares[%d]", i), "an integer 1..255")
				p.WeightedShares = append(p.WeightedShares, w)
			})
		case "endpoints":
			p.Endpoints = d.endpoints(k, v)
		}
	})
	return p
}

func (d *policyDecoder) class(n *yaml.Node, field string) Class {
	var c Class
	d.mapping(n, field, classKeys, func(key string, _, v *yaml.Node) {
		switch key {
		case "name":
			c.Name, _ = d.str(v, join(field, key))
		case "dscp":
			f := join(field, key)
			d.mark(f, v)
			d.sequence(v, f, "DSCP values 0..63", func(i int, item *yaml.Node) {
				// A value that failed stays in its place (the rules name
				// fields by index) as -1, which no rule takes for a real
				// DSCP that another class could repeat.
				x, ok := d.integer(item, fmt.Sprintf("%s[%d]", f, i), "a DSCP value 0..63")
				if !ok {
					x = -1
				}
				c.DSCP = append(c.DSCP, x)
			})
		}
	})
	return c
}

// trustPorts is "all" (nil) or a non-empty list of port names.
func (d *policyDecoder) trustPorts(k, v *yaml.Node) []string {
	v = yamlwalk.Deref(v)
	switch {
	case yamlwalk.IsNull(v):
		d.errorf(k.Line, "trust_ports", "empty; expected \"all\" or a list of ports")
	case v.Kind == yaml.ScalarNode:
		if v.Value != "all" {
			d.errorf(v.Line, "trust_ports", "%q; expected \"all\" or a list of ports", yamlwalk.Clip(v.Value))
		}
	case v.Kind == yaml.SequenceNode:
		if len(v.Content) == 0 {
			d.errorf(v.Line, "trust_ports", "empty list; expected \"all\" or at least one port")
			return nil
		}
		var out []string
		d.sequence(v, "trust_ports", "ports", func(i int, item *yaml.Node) {
			s, _ := d.str(item, fmt.Sprintf("trust_ports[%d]", i))
			out = append(out, s)
		})
		return out
	default:
		d.errorf(v.Line, "trust_ports", "expected \"all\" or a list of ports, got %s", yamlwalk.Describe(v))
	}
	return nil
}

func (d *policyDecoder) endpoints(k, v *yaml.Node) *Endpoints {
	e := &Endpoints{}
	d.mark("endpoints", k)
	d.mapping(v, "endpoints", endpointsKeys, func(key string, _, v *yaml.Node) {
		f := join("endpoints", key)
		switch key {
		case "applications":
			e.Applications = []string{}
			d.sequence(v, f, "executable names such as lync.exe", func(i int, item *yaml.Node) {
				s, _ := d.str(item, fmt.Sprintf("%s[%d]", f, i))
				e.Applications = append(e.Applications, s)
			})
		case "modalities":
			d.sequence(v, f, "modalities such as {name: audio, class: audio, protocol: both, source_ports: 6000-6024}", func(i int, item *yaml.Node) {
				e.Modalities = append(e.Modalities, d.modality(item, fmt.Sprintf("%s[%d]", f, i)))
			})
		case "polycom":
			e.Polycom, _ = d.boolean(v, f)
		}
	})
	return e
}

func (d *policyDecoder) modality(n *yaml.Node, field string) Modality {
	var m Modality
	d.mapping(n, field, modalityKeys, func(key string, _, v *yaml.Node) {
		f := join(field, key)
		switch key {
		case "name":
			m.Name, _ = d.str(v, f)
		case "class":
			m.Class, _ = d.str(v, f)
		case "protocol":
			m.Protocol, _ = d.str(v, f)
		case "source_ports":
			m.SourcePorts = d.ports(v, f)
		case "destination_ports":
			m.DestinationPorts = d.ports(v, f)
		}
	})
	return m
}

var portsForm = regexp.MustCompile(`^\s*(\d{1,9})\s*(?:-\s*(\d{1,9})\s*)?$`)

// ports decodes 5061, "5061" or "6000-6024". The values' range is
// Validate's business; here only the form is checked. A failed decode
// still returns a range, so that "both or neither set" is not reported on
// top of the real mistake.
func (d *policyDecoder) ports(n *yaml.Node, field string) *PortRange {
	const want = `a port or an inclusive range such as 5061 or "6000-6024"`
	s := d.scalar(n, field, want)
	if s == nil {
		return &PortRange{}
	}
	m := portsForm.FindStringSubmatch(s.Value)
	if m == nil || (s.ShortTag() != "!!int" && s.ShortTag() != "!!str") {
		d.errorf(s.Line, field, "%q is not a port or a range; expected %s", yamlwalk.Clip(s.Value), want)
		return &PortRange{}
	}
	first, _ := strconv.Atoi(m[1])
	last := first
	if m[2] != "" {
		last, _ = strconv.Atoi(m[2])
	}
	return &PortRange{First: first, Last: last}
}

// suggestWord is yamlwalk.Suggest for values (modality and class names).
func suggestWord(w string, known []string) string { return yamlwalk.Suggest(w, known) }

package inventory

import (
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/qosagent/qosagent/internal/yamlwalk"
)

// The inventory is decoded by walking the yaml.Node tree rather than by
// Decoder.KnownFields(true) into structs: both refuse unknown keys, but the
// walk also keeps every line, reports all problems instead of the first
// (with the contract's "path: field:" form rather than Go type names), and
// lets us tell "not set" from "set to the zero value".

// val is a setting as written: its value and where, so that a merged switch
// can still point at the line that set it. A nil *val means "not set here".
type val[T any] struct {
	v    T
	line int
	from string // path of the block that set it; "" for a built-in default
}

// deref follows aliases so that *anchor behaves like the anchored node. The
// parser refuses an anchor that contains itself; the bound is a guard only.
func deref(n *yaml.Node) *yaml.Node { return yamlwalk.Deref(n) }

func isNull(n *yaml.Node) bool { return yamlwalk.IsNull(n) }

// describe names a node's kind for messages; it never includes the value,
// which may be a secret.
func describe(n *yaml.Node) string { return yamlwalk.Describe(n) }

// join names a field inside a block: join("snmp", "port") is "snmp.port".
func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// mapping yields the entries of a mapping node whose keys are in known, in
// file order, and reports the others: an unknown key is nearly always a typo
// (adress:) and ignoring it would silently drop a setting. A null node is an
// empty mapping, so `defaults:` with nothing under it is fine.
func (d *decoder) mapping(n *yaml.Node, at loc, field string, known []string) iter.Seq2[string, *yaml.Node] {
	return func(yield func(string, *yaml.Node) bool) {
		n = deref(n)
		if isNull(n) {
			return
		}
		if n.Kind != yaml.MappingNode {
			d.errorf(loc{at.path, n.Line}, field, "expected a mapping, got %s", describe(n))
			return
		}
		seen := make(map[string]int)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := deref(n.Content[i]), n.Content[i+1]
			if k == nil || k.Kind != yaml.ScalarNode {
				d.errorf(loc{at.path, n.Content[i].Line}, field, "expected a plain key, got %s", describe(n.Content[i]))
				continue
			}
			key := k.Value
			kat := loc{at.path, k.Line}
			if first, dup := seen[key]; dup {
				d.errorf(kat, join(field, key), "set twice; first at line %d", first)
				continue
			}
			seen[key] = k.Line
			if !slices.Contains(known, key) {
				d.errorf(kat, join(field, key), "unknown key%s; known: %s", suggest(key, known), strings.Join(known, ", "))
				continue
			}
			if !yield(key, v) {
				return
			}
		}
	}
}

// suggest returns `; did you mean "x"?` for a key within two edits of a
// known one.
func suggest(key string, known []string) string { return yamlwalk.Suggest(key, known) }

// scalar returns the scalar node n, or nil after reporting what it is when
// it is not one. A null scalar means "not set" and returns nil silently.
func (d *decoder) scalar(n *yaml.Node, at loc, field, want string) *yaml.Node {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(loc{at.path, n.Line}, field, "expected %s, got %s", want, describe(n))
		return nil
	}
	return n
}

// str decodes any scalar as its literal text, so `name: 010` stays "010".
func (d *decoder) str(n *yaml.Node, at loc, field string) *val[string] {
	s := d.scalar(n, at, field, "a string")
	if s == nil {
		return nil
	}
	return &val[string]{v: s.Value, line: s.Line, from: at.path}
}

// integer decodes a YAML integer within [lo, hi]; a quoted "161" is refused
// so that the type of a value does not depend on quoting by accident.
func (d *decoder) integer(n *yaml.Node, at loc, field string, lo, hi int) *val[int] {
	want := fmt.Sprintf("an integer %d..%d", lo, hi)
	s := d.scalar(n, at, field, want)
	if s == nil {
		return nil
	}
	sat := loc{at.path, s.Line}
	var i int64
	if s.ShortTag() != "!!int" || s.Decode(&i) != nil {
		d.errorf(sat, field, "expected %s, got %s %q", want, describe(s), clip(s.Value))
		return nil
	}
	if i < int64(lo) || i > int64(hi) {
		d.errorf(sat, field, "%d is out of range; expected %s", i, want)
		return nil
	}
	return &val[int]{v: int(i), line: s.Line, from: at.path}
}

// maxTimeout bounds timeouts: a switch that has not answered in five
// minutes is not going to, and a typo like 2h would stall a whole run.
const maxTimeout = 5 * time.Minute

// duration decodes a Go duration string such as "2s". A bare number is
// refused: its unit would be a guess.
func (d *decoder) duration(n *yaml.Node, at loc, field string) *val[time.Duration] {
	const want = `a duration with a unit such as "2s" or "500ms"`
	s := d.scalar(n, at, field, want)
	if s == nil {
		return nil
	}
	sat := loc{at.path, s.Line}
	if s.ShortTag() != "!!str" {
		d.errorf(sat, field, "expected %s, got %s %q", want, describe(s), clip(s.Value))
		return nil
	}
	t, err := time.ParseDuration(s.Value)
	if err != nil {
		d.errorf(sat, field, "%q is not a duration; expected %s", clip(s.Value), want)
		return nil
	}
	if t <= 0 || t > maxTimeout {
		d.errorf(sat, field, "%s is out of range; expected more than 0 and at most %s", t, maxTimeout)
		return nil
	}
	return &val[time.Duration]{v: t, line: s.Line, from: at.path}
}

func (d *decoder) boolean(n *yaml.Node, at loc, field string) *val[bool] {
	s := d.scalar(n, at, field, "true or false")
	if s == nil {
		return nil
	}
	var b bool
	if s.ShortTag() != "!!bool" || s.Decode(&b) != nil {
		d.errorf(loc{at.path, s.Line}, field, "expected true or false, got %s %q", describe(s), clip(s.Value))
		return nil
	}
	return &val[bool]{v: b, line: s.Line, from: at.path}
}

// clip shortens a value quoted in a message so that a stray multi-kilobyte
// scalar does not flood the terminal.
func clip(s string) string { return yamlwalk.Clip(s) }

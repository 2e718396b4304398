package inventory

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/qosagent/qosagent/internal/yamlwalk"
)

// Error is one problem found in an inventory. Load and Parse report every
// problem they find, each an *Error, joined with errors.Join, so that a user
// fixes the file in one pass rather than one run per mistake.
//
// Error() reads `<file>:<line>: <path>: <field>: <what is wrong>`, or
// `<field> "<value>" <what is wrong>` when the message quotes the offending
// value, e.g.
//
//	inventory.yaml:14: sites.lab.switches[1] (lab-core): vendor "cisco-iox" is unknown; known: cisco-ios, netgear-gs110tp
//	inventory.yaml:3: defaults: snmp.timeout: expected a duration with a unit such as "2s" or "500ms", got an integer "5"
//
// where the line and the path are left out when the problem has none.
type Error struct {
	File string // as given to Load or Parse
	Line int    // 1-based; 0 when the problem is not at a place in the file
	Path string // the object at fault: "defaults", "sites.lab", "sites.lab.switches[1] (lab-core)"; "" for the file as a whole
	Msg  string // starts with the field when one is at fault; never holds a secret value
	Err  error  // the underlying cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// loc is where an object sits in the inventory: its path and its line.
type loc struct {
	path string
	line int
}

// problems collects the errors of one Parse. A value inherited from a
// defaults block is checked once per switch that uses it, so identical
// errors are kept once.
type problems struct {
	file string
	list []*Error
	seen map[string]bool
}

// add records a problem; field, when not empty, leads the message.
func (p *problems) add(at loc, field string, cause error, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case field == "":
	case strings.HasPrefix(msg, `"`):
		// The offending value follows its field, as in README's
		// `vendor "cisco-iox" is unknown`.
		msg = field + " " + msg
	default:
		msg = field + ": " + msg
	}
	e := &Error{File: p.file, Line: at.line, Path: oneLine(at.path), Msg: oneLine(msg), Err: cause}
	key := e.Error()
	if p.seen[key] {
		return
	}
	if p.seen == nil {
		p.seen = make(map[string]bool)
	}
	p.seen[key] = true
	p.list = append(p.list, e)
}

func (p *problems) errorf(at loc, field, format string, args ...any) {
	p.add(at, field, nil, format, args...)
}

// oneLine escapes control characters, so that every problem stays one line
// of output whatever names or keys the file holds: tools split on lines.
func oneLine(s string) string { return yamlwalk.OneLine(s) }

// err returns the problems in file order, or nil.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	slices.SortStableFunc(p.list, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
	errs := make([]error, len(p.list))
	for i, e := range p.list {
		errs[i] = e
	}
	return errors.Join(errs...)
}

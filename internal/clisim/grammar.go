package clisim

import (
	"fmt"
	"strconv"
	"strings"
)

// Commands are written as small specs, e.g.
//
//	"mls qos srr-queue output dscp-map queue <1-4> threshold <1-3> <0-63>*8"
//
// A plain word is a keyword (any unique prefix matches, as on IOS),
// {a|b|c} a keyword argument, <lo-hi> an integer, <lo-hi>*N one to N
// integers, <dscp> a DSCP number or name, <word> any token and <if> a
// cisco-ios interface name (one or two tokens). Arguments reach the
// handler as strings, in order, keyword arguments in full.

type elemKind int

const (
	elemKeyword elemKind = iota
	elemChoice
	elemInt
	elemInts
	elemDSCP
	elemWord
	elemIf
)

type elem struct {
	kind        elemKind
	words       []string // keyword (one) or choices
	lo, hi, max int
}

// mode is where a session is; a command lists the modes it works in.
type mode uint8

const (
	modeExec mode = 1 << iota
	modePriv
	modeConfig
	modeConfigIf

	modeShow     = modeExec | modePriv
	modeAnyConf  = modeConfig | modeConfigIf
	modeAllModes = modeShow | modeAnyConf
)

// handler runs a matched command. Its error ends the session (I/O
// errors, or errQuit for exit and logout).
type handler func(x *session, args []string) error

type command struct {
	spec  string
	modes mode
	elems []elem
	run   handler
	show  bool // accepts an output filter (| include ...)
}

func cmd(modes mode, spec string, run handler) command {
	c := command{spec: spec, modes: modes, run: run, show: strings.HasPrefix(spec, "show ")}
	for _, f := range strings.Fields(spec) {
		c.elems = append(c.elems, parseElem(f))
	}
	return c
}

// parseElem panics on a bad spec: specs are constants in this package.
func parseElem(f string) elem {
	switch {
	case strings.HasPrefix(f, "{"):
		return elem{kind: elemChoice, words: strings.Split(strings.Trim(f, "{}"), "|")}
	case f == "<dscp>":
		return elem{kind: elemDSCP}
	case f == "<word>":
		return elem{kind: elemWord}
	case f == "<if>":
		return elem{kind: elemIf}
	case strings.HasPrefix(f, "<"):
		e := elem{kind: elemInt, max: 1}
		body, rep, ok := strings.Cut(f, "*")
		if ok {
			e.kind = elemInts
			e.max = mustAtoi(rep)
		}
		lo, hi, _ := strings.Cut(strings.Trim(body, "<>"), "-")
		e.lo, e.hi = mustAtoi(lo), mustAtoi(hi)
		return e
	default:
		return elem{kind: elemKeyword, words: []string{f}}
	}
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(fmt.Sprintf("clisim: bad command spec number %q", s))
	}
	return n
}

// token is one word of an input line and its offset, for the caret.
type token struct {
	text string
	at   int
}

func tokenize(line string) []token {
	var toks []token
	start := -1
	for i := 0; i <= len(line); i++ {
		space := i == len(line) || line[i] == ' ' || line[i] == '\t'
		switch {
		case space && start >= 0:
			toks = append(toks, token{line[start:i], start})
			start = -1
		case !space && start < 0:
			start = i
		}
	}
	return toks
}

// match is the result of matching one command against a line.
type match struct {
	cmd     *command
	args    []string
	ok      bool
	bad     int // index of the first token that does not fit, if !ok
	inexact int // keywords matched by prefix only
}

func (c *command) match(toks []token) match {
	m := match{cmd: c}
	i := 0
	fail := func(at int) match { m.bad = at; return m }
	for _, e := range c.elems {
		if i >= len(toks) {
			return fail(i) // incomplete
		}
		t := strings.ToLower(toks[i].text)
		switch e.kind {
		case elemKeyword:
			if !strings.HasPrefix(e.words[0], t) {
				return fail(i)
			}
			if t != e.words[0] {
				m.inexact++
			}
		case elemChoice:
			w, ok := pickWord(e.words, t)
			if !ok {
				return fail(i)
			}
			m.args = append(m.args, w)
		case elemInt, elemInts:
			n := 0
			for ; i < len(toks) && n < e.max; i, n = i+1, n+1 {
				v, err := strconv.Atoi(toks[i].text)
				if err != nil && n > 0 {
					break // end of the list: the next element decides
				}
				if err != nil || v < e.lo || v > e.hi {
					return fail(i)
				}
				m.args = append(m.args, toks[i].text)
			}
			continue // a value too many fails at the next element
		case elemDSCP:
			v, ok := parseDSCP(t)
			if !ok {
				return fail(i)
			}
			m.args = append(m.args, strconv.Itoa(v))
		case elemWord:
			m.args = append(m.args, toks[i].text)
		case elemIf:
			name, used, ok := parseIOSInterface(toks[i:])
			if !ok {
				return fail(i + used)
			}
			m.args = append(m.args, name)
			i += used
			continue
		}
		i++
	}
	if i < len(toks) {
		return fail(i)
	}
	m.ok = true
	return m
}

// pickWord resolves t to the one word it equals or uniquely prefixes.
func pickWord(words []string, t string) (string, bool) {
	var found []string
	for _, w := range words {
		if w == t {
			return w, true
		}
		if strings.HasPrefix(w, t) {
			found = append(found, w)
		}
	}
	if len(found) != 1 {
		return "", false
	}
	return found[0], true
}

// dscpNames are the code-point keywords FASTPATH accepts and prints.
var dscpNames = map[int]string{
	0: "be", 8: "cs1", 10: "af11", 12: "af12", 14: "af13", 16: "cs2", 18: "af21", 20: "af22", 22: "af23",
	24: "cs3", 26: "af31", 28: "af32", 30: "af33", 32: "cs4", 34: "af41", 36: "af42", 38: "af43",
	40: "cs5", 46: "ef", 48: "cs6", 56: "cs7",
}

func parseDSCP(t string) (int, bool) {
	if v, err := strconv.Atoi(t); err == nil {
		return v, v >= 0 && v <= 63
	}
	if t == "cs0" {
		return 0, true
	}
	for v, n := range dscpNames {
		if n == t {
			return v, true
		}
	}
	return 0, false
}

// parseIOSInterface accepts GigabitEthernet0/3, gi0/3, g0/3 and "gi 0/3",
// and the stack form GigabitEthernet1/0/3, Gi1/0/3. It returns the
// canonical name and how many tokens it used, or on failure the offset of
// the bad token. Whether the switch has that port is the handler's
// business.
func parseIOSInterface(toks []token) (string, int, bool) {
	t := strings.ToLower(toks[0].text)
	split := strings.IndexAny(t, "0123456789")
	kind, num := t, ""
	if split >= 0 {
		kind, num = t[:split], t[split:]
	}
	if kind == "" || !strings.HasPrefix("gigabitethernet", kind) {
		return "", 0, false
	}
	used := 1
	if num == "" {
		if len(toks) < 2 {
			return "", 1, false
		}
		num, used = toks[1].text, 2
	}
	slot, port, ok := strings.Cut(num, "/")
	if slot == "1" {
		var mod string
		mod, port, ok = strings.Cut(port, "/")
		slot += "/" + mod
	}
	p, err := strconv.Atoi(port)
	if !ok || slot != "0" && slot != "1/0" || err != nil || p < 1 || p > iosPorts {
		return "", used - 1, false
	}
	return fmt.Sprintf("GigabitEthernet%s/%d", slot, p), used, true
}

// resolution is what a line means among the commands of a mode: a match,
// an ambiguity, or the index of the first token that fits no command
// (len(toks) when the line is incomplete).
type resolution struct {
	m         *match
	ambiguous bool
	bad       int
}

func resolve(cmds []command, m mode, toks []token) resolution {
	var oks []match
	bad := 0
	for i := range cmds {
		if cmds[i].modes&m == 0 {
			continue
		}
		r := cmds[i].match(toks)
		if r.ok {
			oks = append(oks, r)
		} else {
			bad = max(bad, r.bad)
		}
	}
	if len(oks) == 0 {
		return resolution{bad: bad}
	}
	// The most exactly typed command wins; a tie between prefixes is
	// ambiguous, like "e" for enable and exit.
	best, tie := 0, false
	for i := 1; i < len(oks); i++ {
		switch {
		case oks[i].inexact < oks[best].inexact:
			best, tie = i, false
		case oks[i].inexact == oks[best].inexact:
			tie = true
		}
	}
	if tie {
		return resolution{ambiguous: true}
	}
	return resolution{m: &oks[best]}
}

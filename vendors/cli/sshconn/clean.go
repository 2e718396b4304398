package sshconn

import "bytes"

// Clean returns terminal output as plain text: \r\n (and \r\r\n, which
// ptys produce from a program's \r\n) become \n, ANSI escape sequences
// (CSI, OSC, two- and three-byte ESC sequences) are removed, and carriage
// returns, backspaces and cursor-left moves overwrite earlier characters
// the way a terminal would, so that "--More--\b\b\b\b\b\b\b\b        " or a
// line redrawn after "\r" leaves no residue. Other control characters except
// tab are dropped.
func Clean(s string) string {
	var c cleaner
	c.write([]byte(s))
	return c.text()
}

// Bounds that keep hostile or corrupt input from costing memory: a cursor
// move cannot reach past maxCol, and an OSC string that never ends stops
// swallowing output after maxOSC bytes.
const (
	maxCol    = 4096
	maxParams = 32
	maxOSC    = 512
)

type escState uint8

const (
	stGround escState = iota
	stEsc             // after ESC
	stEscArg          // ESC ( and friends: one more byte follows
	stCSI             // after ESC [
	stOSC             // after ESC ]
	stOSCEsc          // ESC inside an OSC string, expecting '\'
)

// cleaner is Clean made incremental: output arrives in arbitrary chunks, so
// every piece of state (a half-read escape sequence, a CR whose LF has not
// arrived yet) survives between writes, and feeding a string in any split
// gives the same text as feeding it whole.
type cleaner struct {
	done   []byte // committed lines, each ending in '\n'
	line   []byte // the current, unterminated line: where prompts appear
	col    int    // cursor column in line
	dirty  bool   // line was overwritten: trailing blanks are erase residue
	cr     bool   // a CR is pending until we know whether LF follows
	state  escState
	params []byte
	oscLen int
}

func (c *cleaner) write(p []byte) {
	for i := 0; i < len(p); i++ {
		c.byte(p[i])
	}
}

func (c *cleaner) byte(b byte) {
	switch c.state {
	case stEsc:
		switch {
		case b == '[':
			c.state, c.params = stCSI, c.params[:0]
		case b == ']':
			c.state, c.oscLen = stOSC, 0
		case b == 0x1b:
			// ESC ESC: the first one was stray.
		case b >= 0x20 && b <= 0x2f:
			c.state = stEscArg // charset designation: ESC ( B
		case b < 0x20:
			// A control character cuts a broken sequence short;
			// it still does its job (a newline must not vanish).
			c.state = stGround
			c.byte(b)
		default:
			c.state = stGround // ESC 7, ESC 8, ESC =, ESC M ...
		}
		return
	case stEscArg:
		c.state = stGround
		return
	case stCSI:
		switch {
		case b >= 0x30 && b <= 0x3f:
			if len(c.params) < maxParams {
				c.params = append(c.params, b)
			}
		case b >= 0x20 && b <= 0x2f:
			// intermediate bytes: ignored
		case b >= 0x40 && b <= 0x7e:
			c.state = stGround
			c.csi(b)
		case b < 0x20:
			c.state = stGround
			c.byte(b)
		default:
			c.state = stGround
		}
		return
	case stOSC:
		switch {
		case b == 0x07:
			c.state = stGround
		case b == 0x1b:
			c.state = stOSCEsc
		case b == '\n' || b == '\r':
			// Titles hold no newlines: this OSC was never going to
			// end, and eating the rest would hide the prompt.
			c.state = stGround
			c.byte(b)
		default:
			c.oscLen++
			if c.oscLen > maxOSC {
				c.state = stGround
			}
		}
		return
	case stOSCEsc:
		if b == '\\' {
			c.state = stGround
			return
		}
		c.state = stEsc
		c.byte(b)
		return
	}

	if c.cr {
		switch b {
		case '\n':
			c.cr = false
			c.newline()
			return
		case '\r':
			return // \r\r\n is still one line break
		}
		// A lone CR returns to the start of the line; what follows
		// overwrites it.
		c.cr = false
		c.col, c.dirty = 0, true
	}
	switch {
	case b == '\r':
		c.cr = true
	case b == '\n':
		c.newline()
	case b == '\b':
		if c.col > 0 {
			c.col--
		}
		c.dirty = true
	case b == 0x1b:
		c.state = stEsc
	case b == '\t':
		c.put(b)
	case b < 0x20 || b == 0x7f:
		// BEL, NUL, DEL ...: nothing to show
	default:
		c.put(b)
	}
}

// csi applies the few CSI sequences that change which characters remain on
// the line; colours, scrolling and the like are dropped.
func (c *cleaner) csi(final byte) {
	n := csiParam(c.params)
	switch final {
	case 'K': // erase in line
		switch n {
		case 0:
			if c.col < len(c.line) {
				c.line = c.line[:c.col]
			}
		case 1:
			for i := 0; i < c.col && i < len(c.line); i++ {
				c.line[i] = ' '
			}
		case 2:
			c.line = c.line[:0]
		}
		c.dirty = true
	case 'D': // cursor back
		c.col = max(c.col-max(n, 1), 0)
		c.dirty = true
	case 'C': // cursor forward
		c.col = min(c.col+max(n, 1), maxCol)
		c.dirty = true
	case 'G': // cursor to column
		c.col = min(max(n, 1)-1, maxCol)
		c.dirty = true
	}
}

// csiParam returns the first numeric parameter, 0 when there is none.
func csiParam(p []byte) int {
	n := 0
	for _, b := range p {
		if b < '0' || b > '9' {
			break
		}
		n = min(n*10+int(b-'0'), maxCol)
	}
	return n
}

func (c *cleaner) put(b byte) {
	for len(c.line) < c.col {
		c.line = append(c.line, ' ')
	}
	if c.col < len(c.line) {
		c.line[c.col] = b
	} else {
		c.line = append(c.line, b)
	}
	c.col++
}

// newline commits the current line.
func (c *cleaner) newline() {
	l := c.line
	if c.dirty {
		l = bytes.TrimRight(l, " \t")
	}
	c.done = append(c.done, l...)
	c.done = append(c.done, '\n')
	c.line, c.col, c.dirty = c.line[:0], 0, false
}

// cut removes line[start:end], e.g. a pager prompt, keeping the cursor on
// the same character.
func (c *cleaner) cut(start, end int) {
	c.line = append(c.line[:start], c.line[end:]...)
	switch {
	case c.col >= end:
		c.col -= end - start
	case c.col > start:
		c.col = start
	}
	c.dirty = true
}

// current returns the current line.
func (c *cleaner) current() string { return string(c.line) }

// text returns everything cleaned so far.
func (c *cleaner) text() string {
	l := c.line
	if c.dirty {
		l = bytes.TrimRight(l, " \t")
	}
	return string(c.done) + string(l)
}

// tail returns the last n bytes of text, for error messages.
func (c *cleaner) tail(n int) string {
	t := c.text()
	if len(t) > n {
		t = t[len(t)-n:]
	}
	return t
}

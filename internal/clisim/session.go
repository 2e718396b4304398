package clisim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// defaultPageLen is the pager length at session start, like a 24-line
// terminal; the dialect's paging-off command sets it to 0.
const defaultPageLen = 24

// The pager prompt, and what erases it again (IOS backspaces over it).
const (
	morePrompt = " --More-- "
	moreErase  = "\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b"
)

// errQuit ends a session normally (exit, logout).
var errQuit = errors.New("quit")

// SessionOptions tune one CLI session.
type SessionOptions struct {
	// EnableSecret, if set, is asked for by enable.
	EnableSecret string
	// Banner is printed before the first prompt (a MOTD).
	Banner string
	// StartPrivileged starts the session in privileged mode (host#), as
	// some cisco-sb setups do; by default sessions start in exec mode.
	StartPrivileged bool
	// OnChange, if set, is called after every line that changed the
	// switch's state (running config or a save), e.g. to persist it.
	OnChange func()
}

// Serve runs one CLI session with default options over r and w until
// exit, logout or EOF on r. See ServeSession.
func (s *Switch) Serve(r io.Reader, w io.Writer) error {
	return s.ServeSession(r, w, SessionOptions{})
}

// ServeSession runs one CLI session over r and w, as a PTY would show it:
// typed characters are echoed, lines end in "\r\n", and output pauses at
// --More-- until the dialect's paging-off command. It returns nil when the
// user leaves or r ends, ErrDropped when Faults.DropAfterConfigLines
// closed the session, and otherwise the I/O error that ended it.
func (s *Switch) ServeSession(r io.Reader, w io.Writer, o SessionOptions) error {
	x := &session{
		sw:      s,
		d:       s.d,
		opts:    o,
		in:      bufio.NewReader(r),
		out:     bufio.NewWriter(w),
		mode:    modeExec,
		pageLen: defaultPageLen,
	}
	if o.StartPrivileged {
		x.mode = modePriv
	}
	err := x.run() // never nil: the session ends with quit, EOF or a failure
	if ferr := x.out.Flush(); errors.Is(err, errQuit) || errors.Is(err, io.EOF) {
		err = ferr
	}
	return err
}

// session is the per-connection state of the CLI.
type session struct {
	sw   *Switch
	d    *dialect
	opts SessionOptions
	in   *bufio.Reader
	out  *bufio.Writer
	// skipLF swallows the "\n" of a "\r\n" line end.
	skipLF bool

	mode        mode
	port        int // index of the interface being configured in modeConfigIf
	pageLen     int // 0 = paging off
	configLines int
	linePrompt  string // the prompt the current line was typed at
	line        string // the line being handled

	pending []string                // output of the current command
	filter  func([]string) []string // "| include" and friends
}

func (x *session) run() error {
	for _, b := range []string{x.sw.Faults().Banner, x.opts.Banner} {
		if b == "" {
			continue
		}
		for _, l := range strings.Split(strings.ReplaceAll(b, "\r\n", "\n"), "\n") {
			x.writeLine(l)
		}
	}
	for {
		x.linePrompt = x.prompt()
		x.writeRaw(x.sw.junk(x.configLines) + x.linePrompt)
		line, err := x.readLine(true)
		if err != nil {
			return err
		}
		if err := x.handleLine(line); err != nil {
			return err
		}
	}
}

func (x *session) prompt() string {
	c := x.sw.Running()
	name := ""
	if x.mode == modeConfigIf && x.port < len(c.Ifaces) {
		name = c.Ifaces[x.port].Name
	}
	return x.d.prompt(c.Hostname, x.mode, name)
}

func (x *session) handleLine(line string) error {
	x.line = line
	toks := tokenize(line)
	if len(toks) == 0 {
		return nil
	}
	inConfig := x.mode&modeAnyConf != 0
	before := x.sw.getVersion()
	var err error
	run := true
	if q, ok := x.sw.askUnexpected(line, inConfig); ok {
		if run, err = x.confirm(q); err != nil {
			return err
		}
	}
	switch f := x.sw.Faults(); {
	case !run:
	case inConfig && f.FailCommand != "" && strings.Contains(line, f.FailCommand):
		x.invalid(strings.Index(line, f.FailCommand))
	default:
		err = x.dispatch(line, toks)
	}
	if ferr := x.flushOutput(); err == nil {
		err = ferr
	}
	if x.opts.OnChange != nil && x.sw.getVersion() != before {
		x.opts.OnChange()
	}
	if err != nil {
		return err
	}
	if inConfig && x.mode&modeAnyConf == 0 && x.sw.Faults().DropLeavingConfig {
		x.sw.dropped()
		return ErrDropped
	}
	if inConfig {
		x.configLines++
		x.sw.countConfigLine()
		if n := x.sw.Faults().DropAfterConfigLines; n > 0 && x.configLines >= n {
			x.sw.dropped()
			return ErrDropped
		}
	}
	return nil
}

func (x *session) dispatch(line string, toks []token) error {
	toks, filter, ok := x.splitPipe(line, toks)
	if !ok {
		return nil
	}
	r := resolve(x.d.commands, x.mode, toks)
	if r.m == nil && !r.ambiguous && x.mode == modeConfigIf {
		// Like IOS, a global command typed in a sub-mode runs in global
		// config mode and stays there.
		if g := resolve(x.d.commands, modeConfig, toks); g.m != nil {
			x.mode, r = modeConfig, g
		}
	}
	switch {
	case r.ambiguous:
		x.println(fmt.Sprintf("%% Ambiguous command:  %q", strings.TrimSpace(line)))
	case r.m == nil && r.bad >= len(toks):
		x.println(x.d.incomplete)
	case r.m == nil:
		x.invalid(toks[r.bad].at)
	case filter != nil && !r.m.cmd.show:
		x.invalid(strings.Index(line, "|"))
	default:
		x.filter = filter
		return r.m.cmd.run(x, r.m.args)
	}
	return nil
}

// splitPipe cuts an output filter ("| include text", "| exclude text",
// "| begin text") off a line. It prints the error itself when the filter
// is malformed and returns ok false.
func (x *session) splitPipe(line string, toks []token) ([]token, func([]string) []string, bool) {
	p := -1
	for i, t := range toks {
		if t.text == "|" {
			p = i
			break
		}
	}
	if p < 0 {
		return toks, nil, true
	}
	if p+2 >= len(toks) {
		x.println(x.d.incomplete)
		return nil, nil, false
	}
	kind, ok := pickWord([]string{"begin", "exclude", "include"}, strings.ToLower(toks[p+1].text))
	if !ok {
		x.invalid(toks[p+1].at)
		return nil, nil, false
	}
	text := strings.TrimRight(line[toks[p+2].at:], " \t")
	return toks[:p], func(lines []string) []string {
		var out []string
		for i, l := range lines {
			has := strings.Contains(l, text)
			switch {
			case kind == "begin" && has:
				return append(out, lines[i:]...)
			case kind == "include" && has, kind == "exclude" && !has:
				out = append(out, l)
			}
		}
		return out
	}, true
}

// invalid prints the caret under column at of the typed line, and the
// invalid-input marker that all three dialects share.
func (x *session) invalid(at int) {
	x.println(strings.Repeat(" ", len(x.linePrompt)+at)+"^", "% Invalid input detected at '^' marker.", "")
}

// println queues output lines of the current command; flushOutput pages
// them.
func (x *session) println(lines ...string) { x.pending = append(x.pending, lines...) }

func (x *session) flushOutput() error {
	lines := x.pending
	if x.filter != nil {
		lines = x.filter(lines)
	}
	x.pending, x.filter = nil, nil
	shown := 0
	for _, l := range lines {
		if x.pageLen > 0 && shown >= x.pageLen {
			x.writeRaw(morePrompt)
			b, err := x.readKey()
			x.writeRaw(moreErase)
			if err != nil {
				return err
			}
			switch b {
			case ' ':
				shown = 0 // a page more
			case '\r', '\n':
				shown = x.pageLen - 1 // a line more
			default:
				return nil // q or any other key ends the output, as on IOS
			}
		}
		x.writeLine(l)
		shown++
	}
	return nil
}

// ask prints the output so far and a question, and reads the answer.
func (x *session) ask(question string, echo bool) (string, error) {
	if err := x.flushOutput(); err != nil {
		return "", err
	}
	x.writeRaw(question)
	line, err := x.readLine(echo)
	return strings.TrimSpace(line), err
}

// confirm asks an unexpected question (Faults.UnexpectedPrompt): Ctrl-C
// aborts it (false), Enter after anything confirms it (true, counted).
func (x *session) confirm(question string) (bool, error) {
	if err := x.flushOutput(); err != nil {
		return false, err
	}
	x.writeRaw(question)
	for {
		b, err := x.readByte()
		if err != nil {
			return false, err
		}
		switch {
		case b == 0x03:
			x.writeRaw("^C\r\n")
			return false, nil
		case b == '\r' || b == '\n':
			x.skipLF = b == '\r'
			x.writeRaw("\r\n")
			x.sw.countAnswered()
			return true, nil
		case b >= 0x20 && b < 0x7f:
			x.out.WriteByte(b)
		}
	}
}

func (x *session) writeRaw(s string) { x.out.WriteString(s) }

// writeLine prints one output line, with Faults.Garbage's junk if any.
func (x *session) writeLine(s string) {
	if j := x.sw.junk(x.configLines); j != "" {
		end := ""
		if x.sw.Faults().Garbage == GarbageANSI {
			end = "\x1b[0m" // a colour reset after the line, as coloured CLIs do
		}
		s = j + s + end
	}
	x.out.WriteString(s + "\r\n")
}

// readByte returns the next input byte, flushing output before it
// blocks so that the peer sees prompts.
func (x *session) readByte() (byte, error) {
	for {
		if x.in.Buffered() == 0 {
			if err := x.out.Flush(); err != nil {
				return 0, err
			}
		}
		b, err := x.in.ReadByte()
		if err != nil {
			return 0, err
		}
		if x.skipLF {
			x.skipLF = false
			if b == '\n' {
				continue
			}
		}
		return b, nil
	}
}

// readKey reads one key press for the pager, without echo.
func (x *session) readKey() (byte, error) {
	b, err := x.readByte()
	x.skipLF = b == '\r'
	return b, err
}

// readLine reads one line, echoing it like a PTY in raw mode with a
// line-editing CLI would (echo false is for passwords). A line ends at
// "\r", "\n" or "\r\n"; backspace edits; other control characters are
// dropped. A last line without an end is still returned before io.EOF.
func (x *session) readLine(echo bool) (string, error) {
	var buf []byte
	for {
		b, err := x.readByte()
		if err != nil {
			if errors.Is(err, io.EOF) && len(buf) > 0 {
				x.writeRaw("\r\n")
				return string(buf), nil
			}
			return "", err
		}
		switch {
		case b == '\r' || b == '\n':
			x.skipLF = b == '\r'
			x.writeRaw("\r\n")
			return string(buf), nil
		case b == 0x7f || b == 0x08:
			if len(buf) > 0 {
				buf = buf[:len(buf)-1]
				if echo {
					x.writeRaw("\b \b")
				}
			}
		case b < 0x20 && b != '\t':
		default:
			buf = append(buf, b)
			if echo {
				x.out.WriteByte(b)
			}
		}
	}
}

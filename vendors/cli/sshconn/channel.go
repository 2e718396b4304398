package sshconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Defaults for a zero Expect.
const (
	DefaultCommandTimeout = 30 * time.Second
	DefaultMaxOutput      = 8 << 20
)

// quietPeriod is how long the device must stay silent before a Refuse
// pattern is checked on its own. Refuse patterns are broad ("(?i)reload"),
// and a line of ordinary output that happens to end a read must not abort
// a command; a real question is followed by silence.
const quietPeriod = 200 * time.Millisecond

// resyncTimeout bounds the wait for the prompt after Ctrl-C.
const resyncTimeout = 3 * time.Second

// tailBytes is how much of the output a timeout error quotes.
const tailBytes = 200

// Expect says how to read one command's output.
type Expect struct {
	// Prompt ends the output. It is matched against the last,
	// unterminated line only, so the dialects' "...#\s?$" patterns
	// cannot match inside earlier output.
	Prompt *regexp.Regexp
	// Same, when set, is the only prompt that ends the output (the one
	// confirmed at login, for commands that do not change the mode): a
	// prompt-like line of the output ("...access only#" in a banner of the
	// running config) where a read chunk ends does not cut it short.
	Same string
	// Pager (e.g. --More--) is answered with a space and cut out of the
	// output. Matched against the last line.
	Pager *regexp.Regexp
	// Answers reply to questions such as "Destination filename
	// [startup-config]?"; each Reply is sent with "\n" and reading goes
	// on. Matched against the last line.
	Answers []Answer
	// Refuse lists questions never to answer (erase, reload): the
	// command is aborted with Ctrl-C and ErrRefusedPrompt. A Refuse
	// match wins over an Answer on the same line.
	Refuse []*regexp.Regexp
	// Timeout bounds the whole command; DefaultCommandTimeout when 0.
	Timeout time.Duration
	// MaxOutput bounds the raw bytes read; DefaultMaxOutput when 0.
	MaxOutput int
}

// Answer is a reply to an interactive question.
type Answer struct {
	Pattern *regexp.Regexp
	Reply   string
}

// Channel is an interactive CLI session: send a line, read until a prompt.
// Send and ReadUntil are serialised; Close may be called at any time from
// any goroutine and aborts them.
//
// After a timeout, an overlong output or a lost connection the channel is
// out of step with the device (output may still be on its way) and every
// later call fails: reconnect.
type Channel struct {
	w      io.Writer
	closer io.Closer

	data      chan []byte   // chunks from readLoop; closed when it stops
	readErr   error         // why readLoop stopped; read after data is closed
	done      chan struct{} // closed by Close
	closeOnce sync.Once

	mu         sync.Mutex // serialises commands
	broken     error      // set under mu when the session is unusable
	lastPrompt string     // the prompt that ended the last read, under mu

	wmu sync.Mutex // serialises writes, which may come from a timed-out goroutine
}

// NewChannel starts reading rw in the background. closer (may be nil) is
// called by Close and must make a pending rw.Read return; without it the
// reading goroutine lives until rw reports an error.
func NewChannel(rw io.ReadWriter, closer io.Closer) *Channel {
	c := &Channel{
		w:      rw,
		closer: closer,
		data:   make(chan []byte),
		done:   make(chan struct{}),
	}
	go c.readLoop(rw)
	return c
}

// readLoop feeds c.data: reads on an SSH channel cannot carry a deadline,
// so the readers select on this channel and a timer instead.
func (c *Channel) readLoop(r io.Reader) {
	defer close(c.data)
	for {
		buf := make([]byte, 16<<10)
		n, err := r.Read(buf)
		if n > 0 {
			select {
			case c.data <- buf[:n]:
			case <-c.done:
				c.readErr = ErrClosed
				return
			}
		}
		if err != nil {
			c.readErr = err
			return
		}
	}
}

// Close ends the session; pending and later calls fail with ErrClosed.
func (c *Channel) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.done)
		if c.closer != nil {
			err = c.closer.Close()
		}
	})
	return err
}

// Write sends s as it is. It is meant for secrets (an enable password):
// s never appears in an error, unlike the command of Send.
func (c *Channel) Write(s string) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := io.WriteString(c.w, s); err != nil {
		return fmt.Errorf("ssh channel write: %w", err)
	}
	return nil
}

// writeBy is Write bounded by ctx and a deadline: a peer that stops reading
// (a full SSH window) must not hang the caller.
func (c *Channel) writeBy(ctx context.Context, deadline <-chan time.Time, s string) error {
	errc := make(chan error, 1)
	go func() { errc <- c.Write(s) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-deadline:
		return fmt.Errorf("write blocked: %w", ErrTimeout)
	case <-c.done:
		return ErrClosed
	}
}

// LastPrompt returns the prompt that ended the last successful read, so the
// caller can tell the CLI mode (exec, privileged, config) it is in.
func (c *Channel) LastPrompt() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastPrompt
}

// ReadUntil reads until e.Prompt, answering the pager and questions on the
// way, and returns the cleaned output without the prompt. Use it after
// login for the banner and first prompt, and after Write.
func (c *Channel) ReadUntil(ctx context.Context, e Expect) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		return "", fmt.Errorf("ssh channel unusable after an earlier error: %w", c.broken)
	}
	out, err := c.read(ctx, e, "", nil)
	if err != nil {
		return out, fmt.Errorf("reading until prompt: %w", err)
	}
	return out, nil
}

// Send writes line and "\n" and returns the output up to the next prompt:
// cleaned (see Clean), "\n" line ends, without the echoed command line,
// without the prompt and without trailing newlines.
func (c *Channel) Send(ctx context.Context, line string, e Expect) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		return "", fmt.Errorf("sending %q: ssh channel unusable after an earlier error: %w", line, c.broken)
	}
	timer := time.NewTimer(timeoutOf(e))
	defer timer.Stop()
	if err := c.writeBy(ctx, timer.C, line+"\n"); err != nil {
		c.broken = err
		return "", fmt.Errorf("sending %q: %w", line, err)
	}
	out, err := c.read(ctx, e, Clean(line), timer.C)
	if err != nil {
		return out, fmt.Errorf("sending %q: %w", line, err)
	}
	return out, nil
}

func timeoutOf(e Expect) time.Duration {
	if e.Timeout > 0 {
		return e.Timeout
	}
	return DefaultCommandTimeout
}

// read is the expect loop. echo is the cleaned command whose echo is to be
// dropped ("" for none); deadline, when not nil, is the command's timer.
// It runs under c.mu.
func (c *Channel) read(ctx context.Context, e Expect, echo string, deadline <-chan time.Time) (string, error) {
	if e.Prompt == nil {
		return "", errors.New("no prompt pattern")
	}
	timeout := timeoutOf(e)
	if deadline == nil {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	maxOut := maxOutput(e)
	var quiet *time.Timer
	var quietC <-chan time.Time
	if len(e.Refuse) > 0 {
		quiet = time.NewTimer(quietPeriod)
		defer quiet.Stop()
		quietC = quiet.C
	}

	var cl cleaner
	total := 0
	for {
		select {
		case <-ctx.Done():
			c.broken = ctx.Err()
			return "", fmt.Errorf("%w; last output: %q", ctx.Err(), cl.tail(tailBytes))
		case <-deadline:
			c.broken = ErrTimeout
			return "", fmt.Errorf("no prompt after %s (%w); last output: %q", timeout, ErrTimeout, cl.tail(tailBytes))
		case <-c.done:
			return "", fmt.Errorf("%w; last output: %q", ErrClosed, cl.tail(tailBytes))
		case <-quietC:
			if re := matchAny(e.Refuse, cl.current()); re != nil {
				return "", c.refuse(ctx, e, cl.current(), re)
			}
		case chunk, ok := <-c.data:
			if !ok {
				c.broken = ErrClosed
				return "", fmt.Errorf("connection closed by the device (%w: %w); last output: %q", ErrClosed, c.readErr, cl.tail(tailBytes))
			}
			total += len(chunk)
			if total > maxOut {
				c.broken = ErrOutputTooLarge
				_ = c.writeBy(ctx, deadline, "\x03")
				return "", fmt.Errorf("more than %d bytes (%w), sent Ctrl-C; last output: %q", maxOut, ErrOutputTooLarge, cl.tail(tailBytes))
			}
			cl.write(chunk)
			if quiet != nil {
				quiet.Reset(quietPeriod)
			}
			line := cl.current()
			if loc := e.Prompt.FindStringIndex(line); loc != nil && !isEchoPrefix(&cl, echo) && (e.Same == "" || strings.TrimSpace(line[loc[0]:]) == strings.TrimSpace(e.Same)) {
				c.lastPrompt = line[loc[0]:]
				return output(&cl, loc[0], echo), nil
			}
			if e.Pager != nil {
				if loc := e.Pager.FindStringIndex(line); loc != nil && loc[1] > loc[0] {
					cl.cut(loc[0], loc[1])
					if err := c.writeBy(ctx, deadline, " "); err != nil {
						c.broken = err
						return "", fmt.Errorf("answering the pager: %w", err)
					}
					continue
				}
			}
			for _, a := range e.Answers {
				if a.Pattern == nil || !a.Pattern.MatchString(line) {
					continue
				}
				if re := matchAny(e.Refuse, line); re != nil {
					return "", c.refuse(ctx, e, line, re)
				}
				// Commit the question so that it is not answered
				// again when more bytes land on the same line.
				cl.newline()
				if err := c.writeBy(ctx, deadline, a.Reply+"\n"); err != nil {
					c.broken = err
					return "", fmt.Errorf("answering %q: %w", line, err)
				}
				break
			}
		}
	}
}

// settleQuiet is how long the device must stay silent, with a prompt as its
// last line, before ConfirmPrompt takes the login output as finished.
const settleQuiet = 200 * time.Millisecond

// maxConfirms bounds the empty lines ConfirmPrompt sends.
const maxConfirms = 4

// ConfirmPrompt makes sure that the prompt ending the last read is the
// device's own and not a prompt-like line of a banner ("Switch#" at the
// end of a read chunk looks exactly like one). It sends an empty line and
// expects that same prompt back with nothing before it; otherwise it reads
// on until the device has been quiet with a prompt as its last line and
// tries again, a few times. Call it after the login output.
func (c *Channel) ConfirmPrompt(ctx context.Context, e Expect) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		return fmt.Errorf("confirming the prompt: ssh channel unusable after an earlier error: %w", c.broken)
	}
	if e.Prompt == nil {
		return errors.New("confirming the prompt: no prompt pattern")
	}
	var out string
	for i := range maxConfirms {
		// The first try costs one round trip. Only when it fails (a
		// banner went on after what looked like the prompt) does the
		// next wait for the device to go quiet, which also swallows the
		// answer to the newline already sent.
		prompt := c.lastPrompt
		if i > 0 {
			var err error
			if prompt, err = c.settle(ctx, e); err != nil {
				return fmt.Errorf("confirming the prompt: %w", err)
			}
		}
		timer := time.NewTimer(timeoutOf(e))
		if err := c.writeBy(ctx, timer.C, "\n"); err != nil {
			timer.Stop()
			c.broken = err
			return fmt.Errorf("confirming the prompt: %w", err)
		}
		var err error
		out, err = c.read(ctx, e, "", timer.C)
		timer.Stop()
		if err != nil {
			return fmt.Errorf("confirming the prompt: %w", err)
		}
		if strings.TrimSpace(out) == "" && c.lastPrompt == prompt {
			return nil
		}
	}
	c.broken = ErrTimeout
	return fmt.Errorf("confirming the prompt: an empty line never got the same prompt back alone after %d tries (last prompt %q, output %q): %w",
		maxConfirms, c.lastPrompt, tail(out, tailBytes), ErrTimeout)
}

// settle reads what the device still sends until it has been quiet for
// settleQuiet with a prompt as its last line, and returns that prompt; the
// prompt of the last read when nothing more comes. Runs under c.mu.
func (c *Channel) settle(ctx context.Context, e Expect) (string, error) {
	deadline := time.NewTimer(timeoutOf(e))
	defer deadline.Stop()
	quiet := time.NewTimer(settleQuiet)
	defer quiet.Stop()
	var cl cleaner
	got := false
	maxOut, total := maxOutput(e), 0
	for {
		select {
		case <-ctx.Done():
			c.broken = ctx.Err()
			return "", fmt.Errorf("%w; last output: %q", ctx.Err(), cl.tail(tailBytes))
		case <-deadline.C:
			c.broken = ErrTimeout
			return "", fmt.Errorf("no quiet prompt after %s (%w); last output: %q", timeoutOf(e), ErrTimeout, cl.tail(tailBytes))
		case <-c.done:
			return "", fmt.Errorf("%w; last output: %q", ErrClosed, cl.tail(tailBytes))
		case <-quiet.C:
			if !got {
				return c.lastPrompt, nil
			}
			line := cl.current()
			if loc := e.Prompt.FindStringIndex(line); loc != nil {
				c.lastPrompt = line[loc[0]:]
				return c.lastPrompt, nil
			}
			quiet.Reset(settleQuiet)
		case chunk, ok := <-c.data:
			if !ok {
				c.broken = ErrClosed
				return "", fmt.Errorf("connection closed by the device (%w: %w); last output: %q", ErrClosed, c.readErr, cl.tail(tailBytes))
			}
			got = true
			// A device that never goes quiet (a banner without end) is
			// bounded as a command's output is.
			if total += len(chunk); total > maxOut {
				c.broken = ErrOutputTooLarge
				return "", fmt.Errorf("more than %d bytes while waiting for a quiet prompt (%w); last output: %q", maxOut, ErrOutputTooLarge, cl.tail(tailBytes))
			}
			cl.write(chunk)
			if e.Pager != nil {
				if loc := e.Pager.FindStringIndex(cl.current()); loc != nil && loc[1] > loc[0] {
					cl.cut(loc[0], loc[1])
					if err := c.writeBy(ctx, deadline.C, " "); err != nil {
						c.broken = err
						return "", fmt.Errorf("answering the pager: %w", err)
					}
				}
			}
			quiet.Reset(settleQuiet)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// isEchoPrefix reports whether the device is still echoing the command:
// nothing committed yet and the line so far is a prefix of it. A command
// ending in '#' or '>' would otherwise look like a prompt while it is
// echoed character by character.
func isEchoPrefix(cl *cleaner, echo string) bool {
	if echo == "" || len(cl.done) > 0 {
		return false
	}
	l := strings.TrimSpace(string(cl.line))
	return l != "" && strings.HasPrefix(echo, l) && len(l) <= len(strings.TrimSpace(echo))
}

// output assembles the result when the prompt starts at byte promptAt of
// the current line.
func output(cl *cleaner, promptAt int, echo string) string {
	out := string(cl.done)
	if pre := cl.line[:promptAt]; len(strings.TrimSpace(string(pre))) > 0 {
		out += string(pre)
	}
	if echo != "" {
		first, rest, _ := strings.Cut(out, "\n")
		if strings.TrimSpace(first) == strings.TrimSpace(echo) {
			out = rest
		}
	}
	return strings.TrimRight(out, "\r\n")
}

func matchAny(res []*regexp.Regexp, s string) *regexp.Regexp {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	for _, re := range res {
		if re != nil && re.MatchString(s) {
			return re
		}
	}
	return nil
}

// refuse aborts a question with Ctrl-C and waits briefly for the prompt so
// that the channel stays usable; if the prompt does not come back the
// channel is marked broken.
func (c *Channel) refuse(ctx context.Context, e Expect, question string, re *regexp.Regexp) error {
	err := fmt.Errorf("device asked %q, which matches refused pattern %q and is never answered; sent Ctrl-C: %w",
		strings.TrimSpace(question), re.String(), ErrRefusedPrompt)
	t := time.NewTimer(min(resyncTimeout, timeoutOf(e)))
	defer t.Stop()
	if werr := c.writeBy(ctx, t.C, "\x03"); werr != nil {
		c.broken = err
		return err
	}
	resync := Expect{Prompt: e.Prompt, Pager: e.Pager, Timeout: resyncTimeout, MaxOutput: e.MaxOutput}
	if _, rerr := c.read(ctx, resync, "", t.C); rerr != nil {
		c.broken = err
		return fmt.Errorf("%w (and no prompt after Ctrl-C: %v)", err, rerr)
	}
	return err
}

// maxOutput is the raw bytes one read may take.
func maxOutput(e Expect) int {
	if e.MaxOutput > 0 {
		return e.MaxOutput
	}
	return DefaultMaxOutput
}

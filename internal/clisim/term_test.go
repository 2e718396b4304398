package clisim

import (
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// term is the test's side of a CLI session: it types lines and waits for
// prompts, like an adapter would.
type term struct {
	t   *testing.T
	w   io.Writer
	eol string // line end to type

	mu     sync.Mutex
	buf    strings.Builder
	closed bool
	more   chan struct{}
}

func newTerm(t *testing.T, r io.Reader, w io.Writer) *term {
	c := &term{t: t, w: w, eol: "\r", more: make(chan struct{}, 1)}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			c.mu.Lock()
			c.buf.Write(b[:n])
			if err != nil {
				c.closed = true
			}
			c.mu.Unlock()
			select {
			case c.more <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

// expect waits until the output ends with suffix and returns everything
// before it, consuming both.
func (c *term) expect(suffix string) string {
	c.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		s, closed := c.buf.String(), c.closed
		if strings.HasSuffix(s, suffix) {
			c.buf.Reset()
			c.mu.Unlock()
			return strings.TrimSuffix(s, suffix)
		}
		c.mu.Unlock()
		if closed {
			c.t.Fatalf("session ended waiting for %q; output:\n%s", suffix, s)
		}
		select {
		case <-c.more:
		case <-timeout:
			c.t.Fatalf("timeout waiting for %q; output:\n%q", suffix, s)
		}
	}
}

// expectEither waits until the output ends with a or b and returns it
// all, consuming it.
func (c *term) expectEither(a, b string) string {
	c.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		s, closed := c.buf.String(), c.closed
		if strings.HasSuffix(s, a) || strings.HasSuffix(s, b) {
			c.buf.Reset()
			c.mu.Unlock()
			return s
		}
		c.mu.Unlock()
		if closed {
			c.t.Fatalf("session ended waiting for %q or %q; output:\n%s", a, b, s)
		}
		select {
		case <-c.more:
		case <-timeout:
			c.t.Fatalf("timeout waiting for %q or %q; output:\n%q", a, b, s)
		}
	}
}

// waitClosed waits for the end of output and returns what came before.
func (c *term) waitClosed() string {
	c.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		s, closed := c.buf.String(), c.closed
		c.mu.Unlock()
		if closed {
			return s
		}
		select {
		case <-c.more:
		case <-timeout:
			c.t.Fatalf("session did not end; output:\n%q", s)
		}
	}
}

func (c *term) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.w, s); err != nil {
		c.t.Fatalf("send %q: %v", s, err)
	}
}

// run types line, waits for prompt and returns the output in between,
// without the echo.
func (c *term) run(line, prompt string) string {
	c.t.Helper()
	c.send(line + c.eol)
	out := c.expect(prompt)
	echo := line + "\r\n"
	if !strings.HasPrefix(out, echo) {
		c.t.Fatalf("%q: no echo in %q", line, out)
	}
	return strings.TrimPrefix(out, echo)
}

// pipeSession serves sw over pipes. It returns the test's terminal and a
// function that waits for Serve's result.
func pipeSession(t *testing.T, sw *Switch, o SessionOptions) (*term, func() error) {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	finished := make(chan struct{})
	var err error
	go func() {
		err = sw.ServeSession(inR, outW, o)
		outW.Close()
		inR.Close()
		close(finished)
	}()
	wait := func() error {
		t.Helper()
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
			t.Fatalf("Serve did not return")
		}
		return err
	}
	t.Cleanup(func() {
		inW.Close()
		<-finished
	})
	return newTerm(t, outR, inW), wait
}

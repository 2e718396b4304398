package sshconn

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePeer is a scripted device at the far end of two io.Pipes.
type fakePeer struct {
	t  testing.TB
	w  *io.PipeWriter // device output
	mu sync.Mutex
	in bytes.Buffer  // everything the client wrote
	ch chan struct{} // signalled on every client write
}

// newPipeChannel returns a Channel talking to a fake peer. The peer drains
// client writes in the background, so a script only waits for what it
// cares about.
func newPipeChannel(t testing.TB) (*Channel, *fakePeer) {
	outR, outW := io.Pipe()
	inR, inW := io.Pipe()
	p := &fakePeer{t: t, w: outW, ch: make(chan struct{}, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := inR.Read(buf)
			p.mu.Lock()
			p.in.Write(buf[:n])
			p.mu.Unlock()
			select {
			case p.ch <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	rw := struct {
		io.Reader
		io.Writer
	}{outR, inW}
	c := NewChannel(rw, closeFunc(func() error {
		outR.Close()
		inW.Close()
		return nil
	}))
	t.Cleanup(func() {
		c.Close()
		outW.Close()
		inR.Close()
	})
	return c, p
}

type closeFunc func() error

func (f closeFunc) Close() error { return f() }

// send writes each chunk as a separate read on the client side.
func (p *fakePeer) send(chunks ...string) {
	for _, c := range chunks {
		if _, err := io.WriteString(p.w, c); err != nil {
			return // the client went away; the test will say why
		}
	}
}

// waitFor waits until the client has written s (since the last consume)
// and consumes it, reporting false after 2 s.
func (p *fakePeer) waitFor(s string) bool {
	deadline := time.After(2 * time.Second)
	for {
		p.mu.Lock()
		i := strings.Index(p.in.String(), s)
		if i >= 0 {
			p.in.Next(i + len(s))
		}
		p.mu.Unlock()
		if i >= 0 {
			return true
		}
		select {
		case <-p.ch:
		case <-deadline:
			p.t.Errorf("peer: client never wrote %q", s)
			return false
		}
	}
}

func (p *fakePeer) written() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.in.String()
}

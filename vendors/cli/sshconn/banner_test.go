package sshconn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// bannerEndingAt returns a login banner of MOTD lines in which the bytes
// before boundary end with "Switch#" (a read chunk ending there looks
// exactly like a prompt), followed by more banner lines with other
// prompt-like text.
func bannerEndingAt(boundary int) string {
	var b strings.Builder
	for n := 0; b.Len() < boundary-200; n++ {
		fmt.Fprintf(&b, "** Authorised use only. Line %04d of the site notice. **\r\n", n)
	}
	b.WriteString(strings.Repeat("=", boundary-b.Len()-len("Switch#")))
	b.WriteString("Switch#")
	b.WriteString("\r\nAfter login type enable; the prompt changes to Switch#\r\nSwitch>\r\nEnd of notice\r\n")
	return b.String()
}

// TestConfirmPromptBannerAtChunkBoundary: a banner whose first read chunk
// (16 KiB, the read loop's buffer) ends in "Switch#" stops the first read
// there; ConfirmPrompt reads on to the real prompt and confirms it.
func TestConfirmPromptBannerAtChunkBoundary(t *testing.T) {
	for _, boundary := range []int{16 << 10, 32 << 10} {
		t.Run(fmt.Sprint(boundary), func(t *testing.T) {
			c, p := newPipeChannel(t)
			banner := bannerEndingAt(boundary)
			// One write: the client reads it in 16 KiB chunks, the first
			// (or second) ending in the fake prompt.
			go p.send(banner + "lab-sw1#")
			go p.answerLines(map[string]string{"": "\r\nlab-sw1#", "show clock": "show clock\r\n12:00:00 UTC\r\nlab-sw1#"})
			e := iosExpect()
			if _, err := c.ReadUntil(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			if got := c.LastPrompt(); got != "Switch#" {
				t.Logf("first read ended at %q (chunking differed); confirming all the same", got)
			}
			if err := c.ConfirmPrompt(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			if got := c.LastPrompt(); got != "lab-sw1#" {
				t.Fatalf("confirmed prompt %q, want lab-sw1#", got)
			}
			// The channel is in step: a command gets its own output.
			out, err := c.Send(context.Background(), "show clock", e)
			if err != nil || out != "12:00:00 UTC" {
				t.Fatalf("command after the confirmation: %q, %v", out, err)
			}
		})
	}
}

// TestConfirmPromptPlain: with no banner the prompt is confirmed with one
// empty line, and the channel stays in step.
func TestConfirmPromptPlain(t *testing.T) {
	c, p := newPipeChannel(t)
	go func() {
		p.send("lab-sw1#")
		if p.waitFor("\n") {
			p.send("\r\nlab-sw1#")
		}
	}()
	e := iosExpect()
	if _, err := c.ReadUntil(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if err := c.ConfirmPrompt(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if got := p.written(); got != "" {
		t.Fatalf("unconsumed client writes %q: more than one empty line sent", got)
	}
}

// TestConfirmPromptEndlessBanner: a device that answers the empty line
// with more banner and then never stops sending is cut off at MaxOutput
// while ConfirmPrompt waits for it to go quiet, not only at the timeout.
func TestConfirmPromptEndlessBanner(t *testing.T) {
	c, p := newPipeChannel(t)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		p.send("Switch#")
		if !p.waitFor("\n") {
			return
		}
		p.send("\r\nnotice goes on\r\nSwitch#")
		for {
			select {
			case <-stop:
				return
			default:
				p.send(strings.Repeat("** notice without end **\r\n", 20))
			}
		}
	}()
	e := iosExpect()
	e.MaxOutput = 4096
	e.Timeout = time.Minute // the cap, not the timeout, must end it
	if _, err := c.ReadUntil(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if err := c.ConfirmPrompt(context.Background(), e); !errors.Is(err, ErrOutputTooLarge) {
		t.Fatalf("ConfirmPrompt = %v, want ErrOutputTooLarge", err)
	}
}

// answerLines answers every line the client writes with replies[line],
// until the client goes away.
func (p *fakePeer) answerLines(replies map[string]string) {
	for {
		p.mu.Lock()
		line, rest, ok := strings.Cut(p.in.String(), "\n")
		if ok {
			p.in.Reset()
			p.in.WriteString(rest)
		}
		p.mu.Unlock()
		if ok {
			p.send(replies[line])
			continue
		}
		select {
		case <-p.ch:
		case <-time.After(3 * time.Second):
			return
		}
	}
}

// TestConfirmPromptNeverConfirmed: a device that answers every empty line
// with output before its prompt is not trusted; the error is a timeout.
func TestConfirmPromptNeverConfirmed(t *testing.T) {
	c, p := newPipeChannel(t)
	go p.send("lab-sw1#")
	go p.answerLines(map[string]string{"": "\r\n% noise\r\nlab-sw1#"})
	e := iosExpect()
	if _, err := c.ReadUntil(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	err := c.ConfirmPrompt(context.Background(), e)
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "never got the same prompt back alone") {
		t.Fatalf("ConfirmPrompt = %v, want a timeout naming the unconfirmed prompt", err)
	}
}

// TestSendPromptLikeLineInOutput: a show command whose output holds a
// prompt-like line (a banner in the running config) where a read chunk
// ends would stop there, its output cut short and the rest read as the
// next command's. With Same set, only the confirmed prompt ends it.
func TestSendPromptLikeLineInOutput(t *testing.T) {
	c, p := newPipeChannel(t)
	var b strings.Builder
	b.WriteString("show running-config\r\n")
	for b.Len() < 16<<10-300 {
		b.WriteString("! a config line that fills the buffer up to the chunk boundary\r\n")
	}
	b.WriteString(strings.Repeat("=", 16<<10-b.Len()-len("Switch#")))
	b.WriteString("Switch#")
	body := "\r\ninterface GigabitEthernet1/0/5\r\n no mls qos trust\r\n!\r\nend\r\nlab-sw1#"
	go p.send("lab-sw1#")
	go p.answerLines(map[string]string{"show running-config": b.String() + body})
	e := iosExpect()
	if _, err := c.ReadUntil(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	e.Same = c.LastPrompt()
	out, err := c.Send(context.Background(), "show running-config", e)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out, "no mls qos trust\n!\nend") {
		t.Fatalf("output cut short at the prompt-like line: ends %q", out[max(0, len(out)-80):])
	}
}

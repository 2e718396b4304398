package sshconn

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// FuzzChannel feeds arbitrary bytes, in arbitrary chunks, as device output:
// Send must return (bounded by its timeout) and never panic, and output it
// accepts must be clean.
func FuzzChannel(f *testing.F) {
	for _, s := range []string{
		"show x\r\nout\r\nsw1#",
		"show x\r\n --More-- \b\b\b\b\b\b\b\b\b\brow\r\nsw1#",
		"Proceed with reload? [confirm]",
		"Destination filename [startup-config]? \r\n[OK]\r\nsw1#",
		"\x1b]0;t\x07\x1b[1mx\x1b[0m\r\nsw1#",
		"\x1b[", "\r\r\r", "sw1#sw1#\b\b#",
	} {
		f.Add([]byte(s), []byte{1, 5, 3})
	}
	e := Expect{
		Prompt:    regexp.MustCompile(`[\w.\-@/:]{1,63}#\s?$`),
		Pager:     regexp.MustCompile(`-+\s?More\s?-+`),
		Answers:   []Answer{{Pattern: regexp.MustCompile(`\[startup-config\]\?\s*$`)}, {Pattern: regexp.MustCompile(`\(y/n\)\s*$`), Reply: "y"}},
		Refuse:    []*regexp.Regexp{regexp.MustCompile(`(?i)reload`)},
		Timeout:   50 * time.Millisecond,
		MaxOutput: 1 << 12,
	}
	f.Fuzz(func(t *testing.T, out []byte, splits []byte) {
		c, p := newPipeChannel(t)
		go func() {
			rest := out
			for i := 0; len(rest) > 0; i++ {
				n := len(rest)
				if len(splits) > 0 {
					n = min(int(splits[i%len(splits)])+1, n)
				}
				p.send(string(rest[:n]))
				rest = rest[n:]
			}
		}()
		done := make(chan struct{})
		var got string
		var err error
		go func() {
			defer close(done)
			got, err = c.Send(context.Background(), "show x", e)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Send did not return")
		}
		if err == nil && strings.ContainsAny(got, "\r\x1b\b") {
			t.Fatalf("output not clean: %q", got)
		}
		c.Close()
	})
}

// FuzzConfirmPrompt feeds arbitrary login output, in arbitrary chunks:
// ReadUntil and ConfirmPrompt must return (bounded by their timeouts) and
// never panic, and a confirmed prompt must be one the pattern matches.
func FuzzConfirmPrompt(f *testing.F) {
	for _, s := range []string{
		"banner\r\nSwitch#\r\nmore\r\nsw1#\r\nsw1#",
		"sw1#\r\nsw1#",
		"Switch#", "\r\nsw1#\r\nsw2#\r\nsw1#",
	} {
		f.Add([]byte(s), []byte{7, 1, 3})
	}
	e := Expect{Prompt: regexp.MustCompile(`[\w.\-@/:]{1,63}#\s?$`), Timeout: 50 * time.Millisecond, MaxOutput: 1 << 12}
	f.Fuzz(func(t *testing.T, out []byte, splits []byte) {
		c, p := newPipeChannel(t)
		go func() {
			rest := out
			for i := 0; len(rest) > 0; i++ {
				n := len(rest)
				if len(splits) > 0 {
					n = min(int(splits[i%len(splits)])+1, n)
				}
				p.send(string(rest[:n]))
				rest = rest[n:]
			}
		}()
		done := make(chan struct{})
		var err error
		go func() {
			defer close(done)
			if _, err = c.ReadUntil(context.Background(), e); err == nil {
				err = c.ConfirmPrompt(context.Background(), e)
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("ReadUntil and ConfirmPrompt did not return")
		}
		if err == nil && !e.Prompt.MatchString(c.LastPrompt()) {
			t.Fatalf("confirmed prompt %q does not match the pattern", c.LastPrompt())
		}
		c.Close()
	})
}

package sshconn

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "show version\n", "show version\n"},
		{"crlf", "a\r\nb\r\n", "a\nb\n"},
		{"pty crcrlf", "a\r\r\nb", "a\nb"},
		{"lf cr", "a\n\rb", "a\nb"},
		{"csi colour", "\x1b[1;32mOK\x1b[0m", "OK"},
		{"csi private", "\x1b[?25lx\x1b[?25h", "x"},
		{"osc bel", "\x1b]0;sw1: title\x07sw1#", "sw1#"},
		{"osc st", "\x1b]2;title\x1b\\sw1#", "sw1#"},
		{"osc unterminated stops at newline", "\x1b]0;title\nsw1#", "\nsw1#"},
		{"charset", "\x1b(Bab\x1b)0c", "abc"},
		{"two byte esc", "\x1b7ab\x1b8", "ab"},
		{"clear screen home", "\x1b[2J\x1b[Hbanner", "banner"},
		{"backspace overwrite", "abc\b\bXY", "aXY"},
		{"backspace erase", "ab\b \b", "a"},
		{"backspace at start", "\b\ba", "a"},
		{"cr overwrite", "--More--\r        \rline", "line"},
		{"cr overwrites like a terminal", "abcdef\rxy\n", "xycdef\n"},
		{"erase line", "--More--\x1b[8D\x1b[Kline", "line"},
		{"erase whole line", "junk\x1b[2K\rok", "ok"},
		{"cursor column", "abc\x1b[1GX", "Xbc"},
		{"ios more erase", " --More-- \b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\bnext\n", "next\n"},
		{"bell and nul dropped", "a\x07\x00b", "ab"},
		{"del dropped", "a\x7fb", "ab"},
		{"tab kept", "a\tb", "a\tb"},
		{"utf8 kept", "café\n", "café\n"},
		{"broken csi newline survives", "\x1b[12\nx", "\nx"},
		{"esc then newline", "a\x1b\nb", "a\nb"},
		{"huge cursor move bounded", "\x1b[999999999Cx", strings.Repeat(" ", maxCol) + "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
			// Every split gives the same result: output arrives in
			// arbitrary chunks.
			for i := 0; i <= len(tt.in); i++ {
				if got := cleanSplit(tt.in, i); got != tt.want {
					t.Errorf("split at %d: %q, want %q", i, got, tt.want)
				}
			}
		})
	}
}

func cleanSplit(s string, at int) string {
	var c cleaner
	c.write([]byte(s[:at]))
	c.write([]byte(s[at:]))
	return c.text()
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"a\r\nb", "\x1b[1;32mOK\x1b[0m", "\x1b]0;t\x07x", " --More-- \b\b\b\b  \b\bn",
		"abc\rxy", "\x1b[2K\x1b[99D", "\x1b(B\x1b7", "\r\r\n", "\x1b]" + strings.Repeat("x", 600) + "y",
	} {
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, s string, split uint8) {
		got := Clean(s)
		for i := 0; i < len(got); i++ {
			if b := got[i]; (b < 0x20 && b != '\n' && b != '\t') || b == 0x7f {
				t.Fatalf("Clean(%q) = %q: control byte %#x at %d", s, got, b, i)
			}
		}
		at := int(split)
		if at > len(s) {
			at = len(s)
		}
		if g2 := cleanSplit(s, at); g2 != got {
			t.Fatalf("split at %d: %q != %q", at, g2, got)
		}
		// Printable ASCII without escapes passes through untouched.
		if isPlain(s) && got != s {
			t.Fatalf("Clean(%q) = %q, want unchanged", s, got)
		}
	})
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; (b < 0x20 && b != '\n' && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

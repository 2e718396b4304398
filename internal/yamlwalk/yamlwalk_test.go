package yamlwalk

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSuggest(t *testing.T) {
	known := []string{"source_ports", "destination_ports", "protocol"}
	for _, tt := range []struct{ word, want string }{
		{"source_port", ` (did you mean "source_ports"?)`},
		{"protocl", ` (did you mean "protocol"?)`},
		{"colour", ""},
	} {
		if got := Suggest(tt.word, known); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestParseOne(t *testing.T) {
	if _, _, err := ParseOne([]byte("# only a comment\n")); !errors.Is(err, ErrEmpty) {
		t.Errorf("comment only: %v", err)
	}
	if _, line, err := ParseOne([]byte("a: 1\n---\nb: 2\n")); err == nil || line != 2 || !strings.Contains(err.Error(), "second YAML document") {
		t.Errorf("two documents: line %d, %v", line, err)
	}
	if _, line, err := ParseOne([]byte("a: 1\nb: [\n")); err == nil || line == 0 || strings.HasPrefix(err.Error(), "yaml:") {
		t.Errorf("syntax: line %d, %v", line, err)
	}
	root, _, err := ParseOne([]byte("a: &x 1\nb: *x\n"))
	if err != nil || Deref(root.Content[3]).Value != "1" {
		t.Errorf("alias: %v", err)
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	if got := Clip(long); !utf8.ValidString(got) || got != strings.Repeat("é", 32)+"..." {
		t.Errorf("Clip = %q", got)
	}
	if got := Clip("a" + long); !utf8.ValidString(got) || got != "a"+strings.Repeat("é", 31)+"..." {
		t.Errorf("Clip = %q", got)
	}
	if got := Clip("short"); got != "short" {
		t.Errorf("Clip = %q", got)
	}
}

func TestOneLine(t *testing.T) {
	if got := OneLine("a\nb\tc"); got != `a\nb\tc` {
		t.Errorf("OneLine = %q", got)
	}
}

package yamlwalk

import (
	"strings"
	"testing"
)

func TestSyntaxHintLeavesValidYAMLAlone(t *testing.T) {
	head := "sites:\n  lab:\n    switches:\n      - name: a\n        vendor: netgear-gs110tp\n"
	// Valid YAML the hint must not find fault with.
	for _, ok := range []string{head + "        address: 192.0.2.1\n", "a:\n  - x\n  - y: 1\n    z: |\n      text\n       more\n    w: 2\n"} {
		if n, msg := syntaxHint([]byte(ok)); n != 0 {
			t.Errorf("valid YAML blamed at line %d: %s\n%s", n, msg, ok)
		}
	}
}

// TestHintConfirmedByTheParser: a hint is used only when blanking its
// line lets the parser get past it.
func TestHintConfirmedByTheParser(t *testing.T) {
	// The hint blames line 3 (indented to no block), but the real mistake
	// is the unclosed flow list of line 1, which stays broken without it.
	data := []byte("a: [1,\n  2\n   b: c\nd: {\n")
	if _, _, err := ParseOne(data); err == nil || strings.Contains(err.Error(), "lines up with no block") {
		t.Fatalf("unconfirmed hint used: %v", err)
	}
	good := []byte("a:\n  b: 1\n c: 2\n")
	if _, line, err := ParseOne(good); err == nil || line != 3 || !strings.Contains(err.Error(), "c under a: indented by 1 space,") {
		t.Fatalf("confirmed hint not used: line %d, %v", line, err)
	}
}

func FuzzSyntaxHint(f *testing.F) {
	f.Add([]byte("sites:\n  lab:\n    switches:\n      - name: a\n       x: 1\n"))
	f.Add([]byte("a: 'it''s'\nb: \"q\\\"\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, msg := syntaxHint(data)
		if n < 0 || n > strings.Count(string(data), "\n")+1 || (n > 0) != (msg != "") {
			t.Fatalf("line %d %q", n, msg)
		}
	})
}

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

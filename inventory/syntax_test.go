package inventory

import (
	"strings"
	"testing"
)

// TestSyntaxErrorsNameTheMistake: the error points at the line that holds
// the mistake and names its key, not the later line the parser blamed.
func TestSyntaxErrorsNameTheMistake(t *testing.T) {
	head := "sites:\n  lab:\n    switches:\n      - name: a\n        vendor: netgear-gs110tp\n"
	cases := []struct{ name, yaml, want string }{
		{"indented one space short", head + "       address: 192.0.2.1\n      - name: b\n", `:6: YAML syntax: address under switches: indented by 7 spaces`},
		{"tab", head + "\taddress: 192.0.2.1\n", `:6: YAML syntax: address: a tab in the indentation`},
		{"open quote", head + "        address: \"192.0.2.1\n      - name: b\n", `:6: YAML syntax: address under switches: the " quote opened on this line is not closed`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := parseIn(t, t.TempDir(), c.yaml, testEnv)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
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

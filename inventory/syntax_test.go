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
}

package cli

import (
	"os"
	"strings"
	"testing"
)

// TestREADMENamesEveryCommand keeps the README's onboarding table true: a
// security review approves the commands it lists, so every command a
// dialect runs (reads, session set-up, config lines, save) must be there.
func TestREADMENamesEveryCommand(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.ReplaceAll(string(data), `\|`, "|") // table cells escape the pipe
	ds, err := Dialects()
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range ds {
		var cmds []string
		cmds = append(cmds, d.Enable, d.ConfigEnter, d.ConfigExit, d.Save.Command)
		cmds = append(cmds, d.OnOpen...)
		for _, r := range d.Read {
			cmds = append(cmds, r.Command)
		}
		w := d.Write
		cmds = append(cmds, w.QoSEnable.On...)
		cmds = append(cmds, w.PortEnter, w.PortExit, w.Map.Line)
		for _, l := range append(append([]string{}, w.Trust.Global...), w.Trust.Port...) {
			cmds = append(cmds, strings.ReplaceAll(l, "{mode}", w.Trust.Modes["dscp"]))
		}
		cmds = append(cmds, w.Strict.On...)
		cmds = append(cmds, w.Strict.Line...)
		cmds = append(cmds, w.Weights.Line...)
		for _, c := range cmds {
			if c != "" && !strings.Contains(readme, "`"+c+"`") {
				t.Errorf("%s: README does not name the command `%s`", name, c)
			}
		}
	}
}

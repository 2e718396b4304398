package agent

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/qosagent/qosagent/internal/yamlwalk"
)

// Presets are complete policy files, embedded as written so that `policy
// show --preset` prints them with their comments for a user to edit, and
// parsed by ParsePolicy like any file.
//
//go:embed presets/*.yaml
var presetFiles embed.FS

// PresetNames lists the built-in presets, sorted.
func PresetNames() []string {
	entries, _ := fs.ReadDir(presetFiles, "presets")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(out)
	return out
}

// PresetSource names a preset in messages and provenance comments.
func PresetSource(name string) string { return "preset " + name }

// Preset returns the YAML of a built-in preset.
func Preset(name string) ([]byte, error) {
	names := PresetNames()
	if !slices.Contains(names, name) {
		return nil, fmt.Errorf("--preset %q is unknown%s; known: %s", name, yamlwalk.Suggest(name, names), strings.Join(names, ", "))
	}
	return presetFiles.ReadFile("presets/" + name + ".yaml")
}

// LoadPreset parses a built-in preset and returns it with its YAML.
func LoadPreset(name string) (Policy, []byte, error) {
	data, err := Preset(name)
	if err != nil {
		return Policy{}, nil, err
	}
	p, err := ParsePolicy(PresetSource(name), data)
	return p, data, err
}

// FormatPolicy writes p as policy YAML that ParsePolicy reads back to the
// same policy: `policy show` uses it for the built-in default policy, which
// has no file.
func FormatPolicy(p Policy) []byte {
	var b strings.Builder
	q := strconv.Quote
	b.WriteString("classes:                                   # highest priority first\n")
	for _, c := range p.Classes {
		fmt.Fprintf(&b, "  - { name: %s, dscp: [%s] }\n", q(c.Name), ints(c.DSCP))
	}
	fmt.Fprintf(&b, "ef_exclusive: %t\n", p.EFExclusive)
	fmt.Fprintf(&b, "trust: %s\n", q(p.Trust))
	if p.AllPorts() {
		b.WriteString("trust_ports: all\n")
	} else {
		b.WriteString("trust_ports:\n")
		for _, port := range p.TrustPorts {
			fmt.Fprintf(&b, "  - %s\n", q(port))
		}
	}
	if len(p.WeightedShares) > 0 {
		fmt.Fprintf(&b, "weighted_shares: [%s]\n", ints(p.WeightedShares))
	}
	if e := p.Endpoints; e != nil {
		b.WriteString("endpoints:\n")
		if e.Applications != nil {
			apps := make([]string, len(e.Applications))
			for i, a := range e.Applications {
				apps[i] = q(a)
			}
			fmt.Fprintf(&b, "  applications: [%s]\n", strings.Join(apps, ", "))
		}
		fmt.Fprintf(&b, "  polycom: %t\n", e.Polycom)
		b.WriteString("  modalities:\n")
		for _, m := range e.Modalities {
			fmt.Fprintf(&b, "    - { name: %s, class: %s, protocol: %s", q(m.Name), q(m.Class), q(m.Protocol))
			if m.SourcePorts != nil {
				fmt.Fprintf(&b, ", source_ports: %q", m.SourcePorts.String())
			}
			if m.DestinationPorts != nil {
				fmt.Fprintf(&b, ", destination_ports: %q", m.DestinationPorts.String())
			}
			b.WriteString(" }\n")
		}
	}
	return []byte(b.String())
}

func ints(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

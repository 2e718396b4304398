package inventory

import (
	"github.com/qosagent/qosagent/internal/fsutil"
)

// SiteNames lists the sites of the inventory at path and their switches'
// names, in file order, for shell completion: it reads no secret, checks
// nothing beyond the YAML, and skips what it cannot read.
func SiteNames(path string) (sites []string, switches map[string][]string, err error) {
	data, _, err := fsutil.ReadRegular(path, maxInventorySize)
	if err != nil {
		return nil, nil, err
	}
	root, _, err := parseYAML(data)
	if err != nil {
		return nil, nil, err
	}
	d := newDecoder(path, Options{})
	raw := d.inventory(root)
	switches = map[string][]string{}
	for _, s := range raw.sites {
		sites = append(sites, s.name)
		for _, sw := range s.switches {
			if sw.name != nil && sw.name.v != "" {
				switches[s.name] = append(switches[s.name], sw.name.v)
			}
		}
	}
	return sites, switches, nil
}

package inventory

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/qosagent/qosagent/internal/yamlwalk"
)

// Select returns the switches in scope, in inventory order. With no sites
// and no switches it returns all of them. Otherwise a switch is in scope
// when it is in one of the sites (if any are given) and is one of the named
// switches (if any are given): the filters narrow and never widen, so that
// `apply --site lab --switch lab-sw1` touches one switch, not the whole lab.
// An unknown name is an error naming it and listing the known ones, as is a
// combination that selects nothing.
func (inv *Inventory) Select(sites, switches []string) ([]Switch, error) {
	knownSites := make(map[string]bool)
	knownSwitches := make(map[string]string) // switch -> site
	for _, s := range inv.Sites {
		knownSites[s.Name] = true
		for _, sw := range s.Switches {
			knownSwitches[sw.Name] = s.Name
		}
	}
	var errs []error
	for _, s := range sites {
		if !knownSites[s] {
			errs = append(errs, fmt.Errorf("unknown site %q; %s", s, closest(s, knownSites)))
		}
	}
	for _, s := range switches {
		if _, ok := knownSwitches[s]; !ok {
			errs = append(errs, fmt.Errorf("unknown switch %q; %s", s, closest(s, knownSwitches)))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	n := 0
	for _, s := range inv.Sites {
		n += len(s.Switches)
	}
	if len(sites)+len(switches) > 0 {
		n = 0 // a scope: usually a small part
	}
	out := make([]Switch, 0, n)
	for _, s := range inv.Sites {
		for _, sw := range s.Switches {
			if inScope(sites, switches, s.Name, sw.Name) {
				out = append(out, sw)
			}
		}
	}
	if len(out) == 0 && len(switches) == 0 {
		return nil, errors.New("no switch is in scope: the inventory has none there")
	}
	if len(out) == 0 {
		// Every name is known, so the named switches are all in other sites.
		var where []string
		for _, name := range switches {
			where = append(where, fmt.Sprintf("%s is in site %s", name, knownSwitches[name]))
		}
		return nil, fmt.Errorf("no switch is in scope: none of the named switches is in the named sites (%s)", strings.Join(where, "; "))
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) string {
	if len(m) == 0 {
		return "(none)"
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}

// maxKnown is how many known names an unknown-name error lists: a fleet
// of thousands must not print every one.
const maxKnown = 5

// closest lists the known names nearest to name (by edit distance, then
// alphabetically), all of them when there are few.
func closest[V any](name string, known map[string]V) string {
	if len(known) <= maxKnown {
		return "known: " + sortedKeys(known)
	}
	names := slices.Sorted(maps.Keys(known))
	dist := make(map[string]int, len(names))
	for _, n := range names {
		dist[n] = yamlwalk.EditDistance(strings.ToLower(name), strings.ToLower(n))
	}
	slices.SortStableFunc(names, func(a, b string) int { return dist[a] - dist[b] })
	return fmt.Sprintf("closest of %d known: %s", len(known), strings.Join(names[:maxKnown], ", "))
}

// inScope is Select's rule for one switch.
func inScope(sites, switches []string, site, name string) bool {
	return (len(sites) == 0 || slices.Contains(sites, site)) && (len(switches) == 0 || slices.Contains(switches, name))
}

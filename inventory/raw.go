package inventory

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The raw types hold the inventory as written, before merging: every field
// is a pointer so that "not set" differs from "set to the zero value".

type rawInventory struct {
	defaults    rawBlock
	policy      *val[string]
	allowInline *val[bool]
	sites       []rawSite
}

type rawSite struct {
	name     string
	defaults rawBlock
	switches []rawSwitch
}

type rawSwitch struct {
	at                    loc // path includes the name: sites.lab.switches[1] (lab-core)
	name, vendor, address *val[string]
	block                 rawBlock
}

// rawBlock is what a defaults block or a switch carries for the transports.
type rawBlock struct {
	snmp rawSNMP
	ssh  rawSSH
}

type rawSNMP struct {
	version                                           *val[string] // normalised: "2c" or "3"
	port, retries, maxRepetitions                     *val[int]
	timeout, patience, saveTimeout                    *val[time.Duration]
	username, authProtocol, privProtocol, contextName *val[string]
	community, authPassphrase, privPassphrase         *secretRef
}

type rawSSH struct {
	port                                  *val[int]
	username, keyFile, knownHosts         *val[string]
	timeout, patience, saveTimeout        *val[time.Duration]
	legacyAlgorithms                      *val[bool]
	keyPassphrase, password, enableSecret *secretRef
}

// secretRef says where a secret is to be found. The three keys of one secret
// (x_env, x_file, x) form a unit when merging: a switch that sets
// community_file replaces an inherited community_env instead of clashing
// with it.
type secretRef struct {
	kind  string // "env", "file", "inline", or "" for "none" (every key given was empty)
	ref   string // variable name, path as written, or the inline value itself
	line  int
	from  string // path of the block that set it
	field string // the key as written, e.g. "snmp.community_env"
}

// Keys, in the order the documentation lists them; messages quote them.
// The transport blocks' keys are in schema.go.
var (
	topKeys    = []string{"defaults", "policy", "sites", "allow_inline_secrets"}
	blockKeys  = []string{"snmp", "ssh"}
	siteKeys   = []string{"defaults", "switches"}
	switchKeys = []string{"name", "vendor", "address", "snmp", "ssh"}
)

var (
	authProtocols = []string{"MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512"}
	privProtocols = []string{"DES", "AES", "AES192", "AES256", "AES192C", "AES256C"}
)

func (d *decoder) inventory(root *yaml.Node) rawInventory {
	var r rawInventory
	top := loc{"", root.Line}
	if isNull(deref(root)) {
		d.errorf(top, "", "the inventory is empty; expected a mapping with a sites: key")
		return r
	}
	var sites *yaml.Node
	for key, v := range d.mapping(root, top, "", topKeys) {
		switch key {
		case "defaults":
			r.defaults = d.block(v, loc{"defaults", v.Line}, "")
		case "policy":
			r.policy = d.str(v, loc{"", v.Line}, "policy")
		case "allow_inline_secrets":
			r.allowInline = d.boolean(v, loc{"", v.Line}, "allow_inline_secrets")
		case "sites":
			sites = v
		}
	}
	if deref(root).Kind != yaml.MappingNode {
		return r // already reported by mapping
	}
	if isNull(deref(sites)) {
		d.errorf(top, "sites", "at least one site is required")
		return r
	}
	r.sites = d.sites(sites)
	return r
}

// sites decodes the `sites:` mapping, whose keys are the site names.
func (d *decoder) sites(n *yaml.Node) []rawSite {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(loc{"", n.Line}, "sites", "expected a mapping of site names to sites, got %s", describe(n))
		return nil
	}
	if len(n.Content) == 0 {
		d.errorf(loc{"", n.Line}, "sites", "at least one site is required")
		return nil
	}
	var out []rawSite
	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			d.errorf(loc{"sites", n.Content[i].Line}, "", "expected a site name, got %s", describe(n.Content[i]))
			continue
		}
		at := loc{"sites." + k.Value, k.Line}
		if first, dup := seen[k.Value]; dup {
			d.errorf(at, "", "site %q is defined twice; first at line %d", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		if !validName(k.Value) {
			d.errorf(at, "", "site name %q is invalid; expected letters, digits, '.', '_' or '-'", clip(k.Value))
		}
		out = append(out, d.site(k.Value, v, at))
	}
	return out
}

func (d *decoder) site(name string, n *yaml.Node, at loc) rawSite {
	s := rawSite{name: name}
	var switches *yaml.Node
	for key, v := range d.mapping(n, at, "", siteKeys) {
		switch key {
		case "defaults":
			s.defaults = d.block(v, loc{at.path + ".defaults", v.Line}, "")
		case "switches":
			switches = v
		}
	}
	switches = deref(switches)
	if isNull(switches) {
		d.errorf(at, "switches", "at least one switch is required")
		return s
	}
	if switches.Kind != yaml.SequenceNode {
		d.errorf(loc{at.path, switches.Line}, "switches", "expected a list of switches, got %s", describe(switches))
		return s
	}
	if len(switches.Content) == 0 {
		d.errorf(loc{at.path, switches.Line}, "switches", "at least one switch is required")
	}
	s.switches = make([]rawSwitch, 0, len(switches.Content))
	for i, v := range switches.Content {
		s.switches = append(s.switches, d.switch_(v, fmt.Sprintf("%s.switches[%d]", at.path, i)))
	}
	return s
}

// switch_ decodes one switch. Its name is read first so that every message
// about the switch can carry it, wherever `name:` sits in the mapping.
func (d *decoder) switch_(n *yaml.Node, path string) rawSwitch {
	n = deref(n)
	sw := rawSwitch{at: loc{path, n.Line}}
	if n.Kind != yaml.MappingNode {
		d.errorf(sw.at, "", "expected a switch (a mapping with name, vendor, address), got %s", describe(n))
		return sw
	}
	// A first look at the name, only to name the switch in every message
	// below; the name itself is decoded, and complained about, with the rest.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := deref(n.Content[i]); k != nil && k.Kind == yaml.ScalarNode && k.Value == "name" {
			if v := deref(n.Content[i+1]); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" {
				sw.at.path = fmt.Sprintf("%s (%s)", path, clip(v.Value))
			}
			break
		}
	}
	for key, v := range d.mapping(n, sw.at, "", switchKeys) {
		switch key {
		case "name":
			sw.name = d.str(v, sw.at, "name")
		case "vendor":
			sw.vendor = d.str(v, sw.at, "vendor")
		case "address":
			sw.address = d.str(v, sw.at, "address")
		case "snmp":
			sw.block.snmp = d.snmp(v, sw.at, "snmp")
		case "ssh":
			sw.block.ssh = d.ssh(v, sw.at, "ssh")
		}
	}
	return sw
}

// block decodes a `defaults:` block.
func (d *decoder) block(n *yaml.Node, at loc, field string) rawBlock {
	var b rawBlock
	for key, v := range d.mapping(n, at, field, blockKeys) {
		switch key {
		case "snmp":
			b.snmp = d.snmp(v, at, join(field, "snmp"))
		case "ssh":
			b.ssh = d.ssh(v, at, join(field, "ssh"))
		}
	}
	return b
}

// secretParts gathers the keys of one secret before they become a secretRef.
type secretParts struct{ env, file, inline *val[string] }

// secretKey splits "community_env" into ("community", "env").
func secretKey(key string, bases []string) (base, kind string, ok bool) {
	for _, b := range bases {
		switch key {
		case b:
			return b, "inline", true
		case b + "_env":
			return b, "env", true
		case b + "_file":
			return b, "file", true
		}
	}
	return "", "", false
}

// addSecretPart records one key of a secret. Its value is never quoted in
// messages: for an inline secret it is the secret itself.
func (d *decoder) addSecretPart(parts map[string]*secretParts, base, kind string, n *yaml.Node, at loc, field string) {
	p := parts[base]
	if p == nil {
		p = &secretParts{}
		parts[base] = p
	}
	var v *val[string]
	if s := d.scalar(n, at, field, "a string"); s != nil {
		v = &val[string]{v: s.Value, line: s.Line, from: at.path}
	}
	switch kind {
	case "env":
		p.env = v
	case "file":
		p.file = v
	default:
		p.inline = v
	}
}

// secret turns the parts of one secret into a reference. An empty value
// (community_env: "") means "none here" and so stops inheritance, which is
// how a switch opts out of a password that the defaults name.
func (d *decoder) secret(p *secretParts, at loc, field string) *secretRef {
	if p == nil {
		return nil
	}
	var set []*secretRef
	empty := 0
	for _, c := range []struct {
		kind, suffix string
		v            *val[string]
	}{{"env", "_env", p.env}, {"file", "_file", p.file}, {"inline", "", p.inline}} {
		switch {
		case c.v == nil:
		case c.v.v == "":
			empty++
		default:
			set = append(set, &secretRef{kind: c.kind, ref: c.v.v, line: c.v.line, from: at.path, field: field + c.suffix})
		}
	}
	switch len(set) {
	case 0:
		if empty > 0 {
			return &secretRef{from: at.path, field: field}
		}
		return nil
	case 1:
		if set[0].kind == "inline" {
			d.inline = append(d.inline, set[0])
		}
		return set[0]
	}
	names := make([]string, len(set))
	for i, s := range set {
		names[i] = s.field
	}
	d.errorf(loc{at.path, set[1].line}, field, "set only one of %s", strings.Join(names, ", "))
	return nil
}

// snmpVersion accepts "2c" and "3", and the YAML number 3 that an unquoted
// `version: 3` gives. SNMPv1 is refused: it has no GETBULK and no security.
func (d *decoder) snmpVersion(n *yaml.Node, at loc, field string) *val[string] {
	s := d.scalar(n, at, field, `"2c" or "3"`)
	if s == nil {
		return nil
	}
	switch v := strings.ToLower(s.Value); v {
	case "2c", "3":
		return &val[string]{v: v, line: s.Line, from: at.path}
	}
	d.errorf(loc{at.path, s.Line}, field, "%q is not supported; expected \"2c\" or \"3\"", clip(s.Value))
	return nil
}

// protocol accepts a USM protocol name in any case and normalises it to
// upper case, the form gosnmp and the documentation use.
func (d *decoder) protocol(n *yaml.Node, at loc, field string, known []string) *val[string] {
	v := d.str(n, at, field)
	if v == nil || v.v == "" {
		return v // "" clears an inherited protocol
	}
	up := strings.ToUpper(v.v)
	for _, k := range known {
		if up == k {
			v.v = up
			return v
		}
	}
	d.errorf(loc{at.path, v.line}, field, "%q is unknown; expected one of %s", clip(v.v), strings.Join(known, ", "))
	return nil
}

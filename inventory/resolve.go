package inventory

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/qosagent/qosagent/internal/fsutil"
)

// Built-in defaults, the bottom layer under defaults:, a site's defaults:
// and the switch itself.
func builtinSNMP() rawSNMP {
	return rawSNMP{
		version:        builtin("3"), // v2c sends its community in clear; ask for it explicitly
		port:           builtin(161),
		timeout:        builtin(2 * time.Second),
		patience:       builtin(DefaultPatience),
		retries:        builtin(2),
		maxRepetitions: builtin(64), // the whole 64-row DSCP table in one GETBULK
	}
}

func builtinSSH() rawSSH {
	return rawSSH{
		port:       builtin(22),
		timeout:    builtin(10 * time.Second),
		patience:   builtin(DefaultPatience),
		knownHosts: builtin("~/.ssh/known_hosts"),
	}
}

func builtin[T any](v T) *val[T] { return &val[T]{v: v} }

// over sets *dst to src when src is set: a later layer wins field by field.
func over[T any](dst **T, src *T) {
	if src != nil {
		*dst = src
	}
}

func mergeSNMP(layers ...rawSNMP) rawSNMP {
	var m rawSNMP
	for _, l := range layers {
		over(&m.version, l.version)
		over(&m.port, l.port)
		over(&m.timeout, l.timeout)
		over(&m.patience, l.patience)
		over(&m.saveTimeout, l.saveTimeout)
		over(&m.retries, l.retries)
		over(&m.maxRepetitions, l.maxRepetitions)
		over(&m.username, l.username)
		over(&m.authProtocol, l.authProtocol)
		over(&m.privProtocol, l.privProtocol)
		over(&m.contextName, l.contextName)
		over(&m.community, l.community)
		over(&m.authPassphrase, l.authPassphrase)
		over(&m.privPassphrase, l.privPassphrase)
	}
	return m
}

func mergeSSH(layers ...rawSSH) rawSSH {
	var m rawSSH
	for _, l := range layers {
		over(&m.port, l.port)
		over(&m.timeout, l.timeout)
		over(&m.patience, l.patience)
		over(&m.saveTimeout, l.saveTimeout)
		over(&m.username, l.username)
		over(&m.keyFile, l.keyFile)
		over(&m.knownHosts, l.knownHosts)
		over(&m.legacyAlgorithms, l.legacyAlgorithms)
		over(&m.keyPassphrase, l.keyPassphrase)
		over(&m.password, l.password)
		over(&m.enableSecret, l.enableSecret)
	}
	return m
}

// get returns the value of an optional setting, or the zero value.
func get[T any](v *val[T]) T {
	if v == nil {
		var zero T
		return zero
	}
	return v.v
}

// origin tells, for a message about a switch, where an inherited value was
// set; it says nothing when the switch set the value itself.
func origin[T any](v *val[T], at loc) string {
	switch {
	case v == nil || v.from == at.path:
		return ""
	case v.from == "":
		return " (built-in default)"
	}
	return fmt.Sprintf(" (from %s at line %d)", v.from, v.line)
}

func isSet(r *secretRef) bool { return r != nil && r.kind != "" }

// build merges and checks the decoded inventory. It goes on after a problem
// so that one run reports them all.
func (d *decoder) build(r rawInventory) *Inventory {
	inv := &Inventory{Path: d.file}
	allowInline := get(r.allowInline)
	for _, s := range d.inline {
		base := s.field[strings.LastIndexByte(s.field, '.')+1:]
		if !allowInline {
			d.errorf(loc{s.from, s.line}, s.field, "inline secrets are refused; use %s_env or %s_file (or set allow_inline_secrets: true)", base, base)
			continue
		}
		d.log.Warn("inventory holds an inline secret; prefer _env or _file", "file", d.file, "line", s.line, "field", s.field)
	}
	if p := get(r.policy); p != "" {
		abs, err := d.path(p)
		if err != nil {
			d.add(loc{"", r.policy.line}, "policy", err, "%v", err)
		}
		inv.PolicyPath = abs
	}
	first := make(map[string]loc) // switch name -> where it was first defined
	for _, rs := range r.sites {
		site := Site{Name: rs.name, Switches: make([]Switch, 0, len(rs.switches))}
		for _, rsw := range rs.switches {
			site.Switches = append(site.Switches, d.buildSwitch(r.defaults, rs, rsw, first))
		}
		inv.Sites = append(inv.Sites, site)
	}
	return inv
}

// buildSwitch merges one switch with its defaults and checks it. The result
// is used only when no problem was found anywhere.
func (d *decoder) buildSwitch(global rawBlock, rs rawSite, r rawSwitch, first map[string]loc) Switch {
	at := r.at
	sw := Switch{Site: rs.name}

	switch name := get(r.name); {
	case r.name == nil || name == "":
		d.errorf(at, "name", "is required")
	case !validName(name):
		d.errorf(loc{at.path, r.name.line}, "name", "%q is invalid; expected letters, digits, '.', '_' or '-'", clip(name))
	default:
		if prev, dup := first[name]; dup {
			d.errorf(loc{at.path, r.name.line}, "name", "%q is already used by %s at line %d; switch names must be unique across the inventory", name, prev.path, prev.line)
		} else {
			first[name] = loc{at.path, r.name.line}
		}
		sw.Name = name
	}

	transport, known := Transport(""), false
	switch vendor := get(r.vendor); {
	case r.vendor == nil || vendor == "":
		d.errorf(at, "vendor", "is required; known: %s", sortedKeys(d.vendors))
	default:
		transport, known = d.vendors[vendor]
		if !known {
			d.errorf(loc{at.path, r.vendor.line}, "vendor", "%q is unknown; known: %s", clip(vendor), sortedKeys(d.vendors))
		}
		sw.Vendor = vendor
	}

	var addrPort int
	switch addr := get(r.address); {
	case r.address == nil || addr == "":
		d.errorf(at, "address", "is required (host, host:port or [v6]:port)")
	default:
		host, port, err := splitAddress(addr)
		if err != nil {
			d.add(loc{at.path, r.address.line}, "address", err, "%v", err)
		}
		sw.Address, sw.Host, addrPort = addr, host, port
	}

	d.outOfScope = d.noSecrets || !inScope(d.scopeSites, d.scopeSwitches, sw.Site, sw.Name)
	defer func() { d.outOfScope = false }()
	// Only the vendor's transport must be complete: an SNMP switch needs no
	// SSH credentials, and resolving them anyway would fail on variables
	// that are rightly unset. The other transport stays zero.
	switch {
	case !known:
	case transport == TransportSNMP:
		sw.SNMP = d.resolveSNMP(mergeSNMP(builtinSNMP(), global.snmp, rs.defaults.snmp, r.block.snmp), at)
		sw.Port = sw.SNMP.Port
	case transport == TransportSSH:
		sw.SSH = d.resolveSSH(mergeSSH(builtinSSH(), global.ssh, rs.defaults.ssh, r.block.ssh), at)
		sw.Port = sw.SSH.Port
	default:
		d.errorf(at, "vendor", "%q has transport %q, which this program cannot use (a bug in the vendor registry)", sw.Vendor, transport)
	}
	if addrPort != 0 {
		sw.Port = addrPort
	}
	return sw
}

// resolveSNMP checks a merged SNMP block for completeness and resolves the
// secrets that its version uses. Fields of the other version are left out,
// so that a v2c switch never carries v3 settings it inherited.
func (d *decoder) resolveSNMP(m rawSNMP, at loc) SNMP {
	s := SNMP{
		Version:        get(m.version),
		Port:           get(m.port),
		Timeout:        get(m.timeout),
		Patience:       get(m.patience),
		SaveTimeout:    get(m.saveTimeout),
		Retries:        get(m.retries),
		MaxRepetitions: get(m.maxRepetitions),
	}
	switch s.Version {
	case "2c":
		if !isSet(m.community) {
			d.errorf(at, "snmp", "version \"2c\"%s needs a community: set community_env or community_file", origin(m.version, at))
			break
		}
		s.Community = d.resolveSecret(m.community)
	case "3":
		s.Username = get(m.username)
		s.ContextName = get(m.contextName)
		s.AuthProtocol = get(m.authProtocol)
		s.PrivProtocol = get(m.privProtocol)
		if s.Username == "" {
			d.errorf(at, "snmp.username", "is required for version \"3\"%s", origin(m.version, at))
		}
		if s.PrivProtocol != "" && s.AuthProtocol == "" {
			d.errorf(at, "snmp.priv_protocol", "%s%s needs auth_protocol too: USM has no privacy without authentication", s.PrivProtocol, origin(m.privProtocol, at))
		}
		s.AuthPassphrase = d.usmPassphrase(s.AuthProtocol, m.authProtocol, m.authPassphrase, at, "auth")
		s.PrivPassphrase = d.usmPassphrase(s.PrivProtocol, m.privProtocol, m.privPassphrase, at, "priv")
	}
	return s
}

// minPassphrase is the USM minimum (RFC 3414 section 11.2); agents refuse
// shorter ones, so it is better caught here.
const minPassphrase = 8

// usmPassphrase checks that a protocol and its passphrase come together and
// resolves the passphrase.
func (d *decoder) usmPassphrase(protocol string, pv *val[string], ref *secretRef, at loc, kind string) Secret {
	switch {
	case protocol != "" && !isSet(ref):
		d.errorf(at, "snmp."+kind+"_protocol", "%s%s needs a passphrase: set %s_passphrase_env or %s_passphrase_file", protocol, origin(pv, at), kind, kind)
		return Secret{}
	case protocol == "" && isSet(ref):
		d.errorf(at, "snmp."+kind+"_passphrase", "is set (%s at line %d) but %s_protocol is not", ref.from, ref.line, kind)
		return Secret{}
	case protocol == "":
		return Secret{}
	}
	sec := d.resolveSecret(ref)
	if sec.IsSet() && len(sec.Value()) < minPassphrase {
		d.errorf(loc{ref.from, ref.line}, ref.field, "the passphrase from %s is shorter than %d characters, the USM minimum", sec.Source(), minPassphrase)
	}
	return sec
}

// resolveSSH checks a merged SSH block for completeness and resolves its
// paths and secrets.
func (d *decoder) resolveSSH(m rawSSH, at loc) SSH {
	s := SSH{
		Port:             get(m.port),
		Username:         get(m.username),
		Timeout:          get(m.timeout),
		Patience:         get(m.patience),
		SaveTimeout:      get(m.saveTimeout),
		LegacyAlgorithms: get(m.legacyAlgorithms),
	}
	if s.Username == "" {
		d.errorf(at, "ssh.username", "is required")
	}
	s.KeyFile = d.pathSetting(m.keyFile, at, "ssh.key_file")
	s.KnownHosts = d.pathSetting(m.knownHosts, at, "ssh.known_hosts")
	if s.KeyFile != "" && isSet(m.keyPassphrase) {
		s.KeyPassphrase = d.resolveSecret(m.keyPassphrase)
	}
	if isSet(m.password) {
		s.Password = d.resolveSecret(m.password)
	}
	if isSet(m.enableSecret) {
		s.EnableSecret = d.resolveSecret(m.enableSecret)
	}
	agent, _ := d.getenv("SSH_AUTH_SOCK")
	if s.KeyFile == "" && !isSet(m.password) && agent == "" {
		d.errorf(at, "ssh", "needs key_file, password_env or password_file, or a running ssh-agent (SSH_AUTH_SOCK is not set)")
	}
	return s
}

// pathSetting expands and resolves a path setting, reporting a problem at
// the line that set it (or at the switch for a built-in default).
func (d *decoder) pathSetting(v *val[string], at loc, field string) string {
	if get(v) == "" {
		return ""
	}
	p, err := d.path(v.v)
	if err != nil {
		where := at
		if v.from != "" {
			where = loc{v.from, v.line}
		}
		d.add(where, field, err, "%v", err)
	}
	return p
}

// path expands a leading ~ and resolves a relative path against the
// inventory's folder, so that the result does not depend on the folder
// qosagent runs in.
func (d *decoder) path(p string) (string, error) {
	switch {
	case p == "~" || strings.HasPrefix(p, "~/"):
		home, err := d.home()
		if err != nil {
			return "", fmt.Errorf("cannot expand ~ in %q: %w", clip(p), err)
		}
		p = filepath.Join(home, p[1:])
	case strings.HasPrefix(p, "~"):
		return "", fmt.Errorf("%q: ~user is not supported; write the full path", clip(p))
	case !filepath.IsAbs(p):
		p = filepath.Join(d.dir, p)
	}
	return filepath.Clean(p), nil
}

// maxSecretFile bounds a secret file: a key or a passphrase is a few
// hundred bytes, so a larger file is the wrong file.
const maxSecretFile = 64 << 10

// resolveSecret fetches a referenced secret. A problem is reported at the
// line that names the reference and never includes the value.
func (d *decoder) resolveSecret(r *secretRef) Secret {
	at := loc{r.from, r.line}
	if d.outOfScope && r.kind != "inline" {
		// Not this run's switch: the reference is well formed (the
		// decoder checked it), its value is another job's business.
		if r.kind == "file" {
			if _, err := d.path(r.ref); err != nil {
				d.add(at, r.field, err, "%v", err)
			}
		}
		return Secret{}
	}
	switch r.kind {
	case "inline":
		return NewSecret(r.ref, fmt.Sprintf("inline %s:%d", d.file, r.line))
	case "env":
		v, ok := d.getenv(r.ref)
		if !ok || v == "" {
			d.errorf(at, r.field, "environment variable %s is unset or empty", clip(r.ref))
			return Secret{}
		}
		return NewSecret(v, "env "+r.ref)
	case "file":
		p, err := d.path(r.ref)
		if err != nil {
			d.add(at, r.field, err, "%v", err)
			return Secret{}
		}
		v, err := d.readSecretFile(p)
		if err != nil {
			d.add(at, r.field, err, "%v", err)
			return Secret{}
		}
		return NewSecret(v, "file "+p)
	}
	return Secret{}
}

// readSecretFile reads a secret file once per Parse, however many switches
// share it, and warns once when others than its owner may read it.
func (d *decoder) readSecretFile(p string) (string, error) {
	if r, ok := d.files[p]; ok {
		return r.value, r.err
	}
	v, err := d.readSecretFileOnce(p)
	d.files[p] = fileResult{v, err}
	return v, err
}

func (d *decoder) readSecretFileOnce(p string) (string, error) {
	data, mode, err := fsutil.ReadRegular(p, maxSecretFile)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return "", fmt.Errorf("cannot read %s: %w", p, pe.Err)
		}
		return "", err
	}
	if mode.Perm()&0o044 != 0 {
		d.log.Warn("secret file is readable by group or others; chmod 600 it", "file", p, "mode", mode.Perm().String())
	}
	v := strings.TrimRight(string(data), "\r\n")
	if v == "" {
		return "", fmt.Errorf("%s is empty", p)
	}
	return v, nil
}

package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// The keys of the snmp: and ssh: blocks are written once, in snmpFields and
// sshFields: the decoder takes from them the keys it accepts (and quotes in
// messages, in this order) and how each is decoded; `inventory list` takes
// from them what it shows of a resolved switch, under the same names.

// secretForms says which keys a secret may be given by.
type secretForms int

const (
	notSecret secretForms = iota
	anyForm               // x_env, x_file and the inline x (refused unless allowed)
	noInline              // x_env and x_file only
)

// field is one key of a transport block. R is the block as written, T the
// resolved settings.
type field[R, T any] struct {
	key    string
	secret secretForms
	// decode reads a plain key into the raw block (nil for secrets).
	decode func(d *decoder, n *yaml.Node, at loc, f string, r *R)
	// setSecret stores a secret's reference in the raw block.
	setSecret func(r *R, s *secretRef)
	// view is what `inventory list` shows, and whether it shows it; nil:
	// never shown (the port is the switch's own, shown beside it).
	view func(s T) (any, bool)
}

func always(v any) (any, bool)                 { return v, true }
func nonEmpty(v string) (any, bool)            { return v, v != "" }
func secretView(s Secret) (any, bool)          { return s, s.IsSet() }
func durationView(d time.Duration) (any, bool) { return d.String(), true }

var snmpFields = []field[rawSNMP, SNMP]{
	{key: "version", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSNMP) { r.version = d.snmpVersion(n, at, f) },
		view: func(s SNMP) (any, bool) { return always(s.Version) }},
	{key: "port", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSNMP) { r.port = d.integer(n, at, f, 1, 65535) }},
	{key: "timeout", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSNMP) { r.timeout = d.duration(n, at, f) },
		view: func(s SNMP) (any, bool) { return durationView(s.Timeout) }},
	{key: "retries", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSNMP) { r.retries = d.integer(n, at, f, 0, 10) },
		view: func(s SNMP) (any, bool) { return always(s.Retries) }},
	{key: "community", secret: anyForm, setSecret: func(r *rawSNMP, s *secretRef) { r.community = s },
		view: func(s SNMP) (any, bool) { return secretView(s.Community) }},
	{key: "username", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSNMP) { r.username = d.str(n, at, f) },
		view: func(s SNMP) (any, bool) { return nonEmpty(s.Username) }},
	{key: "auth_protocol", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSNMP) {
		r.authProtocol = d.protocol(n, at, f, authProtocols)
	},
		view: func(s SNMP) (any, bool) { return nonEmpty(s.AuthProtocol) }},
	{key: "auth_passphrase", secret: anyForm, setSecret: func(r *rawSNMP, s *secretRef) { r.authPassphrase = s },
		view: func(s SNMP) (any, bool) { return secretView(s.AuthPassphrase) }},
	{key: "priv_protocol", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSNMP) {
		r.privProtocol = d.protocol(n, at, f, privProtocols)
	},
		view: func(s SNMP) (any, bool) { return nonEmpty(s.PrivProtocol) }},
	{key: "priv_passphrase", secret: anyForm, setSecret: func(r *rawSNMP, s *secretRef) { r.privPassphrase = s },
		view: func(s SNMP) (any, bool) { return secretView(s.PrivPassphrase) }},
	{key: "context_name", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSNMP) { r.contextName = d.str(n, at, f) },
		view: func(s SNMP) (any, bool) { return nonEmpty(s.ContextName) }},
	{key: "max_repetitions", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSNMP) {
		r.maxRepetitions = d.integer(n, at, f, 1, 255)
	},
		view: func(s SNMP) (any, bool) { return always(s.MaxRepetitions) }},
	{key: "patience", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSNMP) { r.patience = d.duration(n, at, f) },
		view: func(s SNMP) (any, bool) { return s.Patience.String(), s.Patience > 0 }},
	{key: "save_timeout", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSNMP) { r.saveTimeout = d.duration(n, at, f) },
		view: func(s SNMP) (any, bool) { return s.SaveTimeout.String(), s.SaveTimeout > 0 }},
}

var sshFields = []field[rawSSH, SSH]{
	{key: "port", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSSH) { r.port = d.integer(n, at, f, 1, 65535) }},
	{key: "username", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSSH) { r.username = d.str(n, at, f) },
		view: func(s SSH) (any, bool) { return always(s.Username) }},
	{key: "key_file", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSSH) { r.keyFile = d.str(n, at, f) },
		view: func(s SSH) (any, bool) { return nonEmpty(s.KeyFile) }},
	{key: "key_passphrase", secret: noInline, setSecret: func(r *rawSSH, s *secretRef) { r.keyPassphrase = s },
		view: func(s SSH) (any, bool) { return secretView(s.KeyPassphrase) }},
	{key: "password", secret: anyForm, setSecret: func(r *rawSSH, s *secretRef) { r.password = s },
		view: func(s SSH) (any, bool) { return secretView(s.Password) }},
	{key: "enable_secret", secret: anyForm, setSecret: func(r *rawSSH, s *secretRef) { r.enableSecret = s },
		view: func(s SSH) (any, bool) { return secretView(s.EnableSecret) }},
	{key: "known_hosts", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSSH) { r.knownHosts = d.str(n, at, f) },
		view: func(s SSH) (any, bool) { return always(s.KnownHosts) }},
	{key: "timeout", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSSH) { r.timeout = d.duration(n, at, f) },
		view: func(s SSH) (any, bool) { return durationView(s.Timeout) }},
	{key: "legacy_algorithms", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSSH) { r.legacyAlgorithms = d.boolean(n, at, f) },
		view: func(s SSH) (any, bool) { v := s.LegacyAlgorithms; return v, v }},
	{key: "patience", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSSH) { r.patience = d.duration(n, at, f) },
		view: func(s SSH) (any, bool) { return s.Patience.String(), s.Patience > 0 }},
	{key: "save_timeout", decode: func(d *decoder, n *yaml.Node, at loc, f string, r *rawSSH) { r.saveTimeout = d.duration(n, at, f) },
		view: func(s SSH) (any, bool) { return s.SaveTimeout.String(), s.SaveTimeout > 0 }},
}

// keysOf lists the keys a block accepts, a secret x as x_env, x_file and x.
func keysOf[R, T any](fields []field[R, T]) []string {
	var keys []string
	for _, f := range fields {
		switch f.secret {
		case notSecret:
			keys = append(keys, f.key)
		case anyForm:
			keys = append(keys, f.key+"_env", f.key+"_file", f.key)
		case noInline:
			keys = append(keys, f.key+"_env", f.key+"_file")
		}
	}
	return keys
}

func secretsOf[R, T any](fields []field[R, T]) []string {
	var out []string
	for _, f := range fields {
		if f.secret != notSecret {
			out = append(out, f.key)
		}
	}
	return out
}

var (
	snmpKeys    = keysOf(snmpFields)
	sshKeys     = keysOf(sshFields)
	snmpSecrets = secretsOf(snmpFields)
	sshSecrets  = secretsOf(sshFields)
)

// decodeBlock decodes a transport block with its fields.
func decodeBlock[R, T any](d *decoder, fields []field[R, T], keys, secrets []string, n *yaml.Node, at loc, field string) R {
	var r R
	parts := make(map[string]*secretParts)
	for key, v := range d.mapping(n, at, field, keys) {
		f := join(field, key)
		if base, kind, ok := secretKey(key, secrets); ok {
			d.addSecretPart(parts, base, kind, v, at, f)
			continue
		}
		for _, fl := range fields {
			if fl.key == key {
				fl.decode(d, v, at, f, &r)
				break
			}
		}
	}
	for _, fl := range fields {
		if fl.setSecret != nil {
			fl.setSecret(&r, d.secret(parts[fl.key], at, join(field, fl.key)))
		}
	}
	return r
}

func (d *decoder) snmp(n *yaml.Node, at loc, field string) rawSNMP {
	return decodeBlock(d, snmpFields, snmpKeys, snmpSecrets, n, at, field)
}

func (d *decoder) ssh(n *yaml.Node, at loc, field string) rawSSH {
	return decodeBlock(d, sshFields, sshKeys, sshSecrets, n, at, field)
}

// View is a block of settings as `inventory list` shows them: the
// inventory's own keys, in its order; secrets say where they come from,
// never their value.
type View []ViewEntry

// ViewEntry is one setting of a View.
type ViewEntry struct {
	Key   string
	Value any
}

func viewOf[R, T any](fields []field[R, T], s T) View {
	var v View
	for _, f := range fields {
		if f.view == nil {
			continue
		}
		if val, ok := f.view(s); ok {
			v = append(v, ViewEntry{f.key, val})
		}
	}
	return v
}

// MarshalJSON writes the entries as one object, in order.
func (v View) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.Key)
		var val bytes.Buffer
		enc := json.NewEncoder(&val)
		enc.SetEscapeHTML(false) // "<secret from env X>", not "\u003csecret..."
		if err := enc.Encode(e.Value); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(bytes.TrimSpace(val.Bytes()))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// SwitchView is what `inventory list` shows of a switch: its settings
// with defaults merged, never a secret's value.
type SwitchView struct {
	Site        string `json:"site"`
	Name        string `json:"name"`
	Vendor      string `json:"vendor"`
	Address     string `json:"address"`
	Port        int    `json:"port"`
	Transport   string `json:"transport"`
	Credentials string `json:"credentials"`
	SNMP        View   `json:"snmp,omitempty"`
	SSH         View   `json:"ssh,omitempty"`
}

// View shows the switch as reached over transport t.
func (sw Switch) View(t Transport) SwitchView {
	v := SwitchView{Site: sw.Site, Name: sw.Name, Vendor: sw.Vendor, Address: sw.Address, Port: sw.Port, Transport: string(t)}
	switch t {
	case TransportSNMP:
		v.SNMP = viewOf(snmpFields, sw.SNMP)
		if sw.SNMP.Version == "3" {
			v.Credentials = fmt.Sprintf("v3 user %s %s", sw.SNMP.Username, sw.SNMP.SecurityLevel())
		} else {
			v.Credentials = "v2c community " + sw.SNMP.Community.String()
		}
	case TransportSSH:
		v.SSH = viewOf(sshFields, sw.SSH)
		v.Credentials = "ssh user " + sw.SSH.Username
	}
	return v
}

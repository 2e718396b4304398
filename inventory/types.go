// Package inventory loads and validates the switch inventory: sites, switches,
// defaults merged at global, site and switch level, and credentials resolved
// from the environment or files, never from the inventory itself.
package inventory

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Transport is how a platform is reached.
type Transport string

const (
	TransportSNMP Transport = "snmp"
	TransportSSH  Transport = "ssh"
)

// Inventory is a loaded, validated, defaults-merged inventory.
type Inventory struct {
	Path       string // the file it was loaded from
	PolicyPath string // `policy:` resolved against the inventory's folder; "" when absent
	Sites      []Site // in file order
}

// Site is a named group of switches.
type Site struct {
	Name     string
	Switches []Switch
}

// Switch is one device with every default merged in and every secret resolved.
type Switch struct {
	Site    string
	Name    string
	Vendor  string
	Address string // as written in the inventory
	Host    string // host part of Address (no brackets for IPv6)
	Port    int    // port from Address, else the transport's configured port
	SNMP    SNMP
	SSH     SSH
}

// Defaults of the settings that bound how long qosagent waits for a switch
// that is slow rather than gone. DefaultSaveTimeout applies where neither
// the inventory nor the platform (a dialect's save.timeout) sets one.
const (
	DefaultPatience    = 60 * time.Second
	DefaultSaveTimeout = 120 * time.Second
)

// Patience is the switch's patience budget, from the block of its transport.
func (s Switch) Patience() time.Duration { return max(s.SNMP.Patience, s.SSH.Patience) }

// SaveTimeout is the switch's save timeout from the block of its
// transport; 0 when the inventory leaves it to the platform.
func (s Switch) SaveTimeout() time.Duration { return max(s.SNMP.SaveTimeout, s.SSH.SaveTimeout) }

// Override replaces the switch's patience and save timeout where d is
// positive (run-wide flags), whatever its transport.
func (s *Switch) Override(patience, saveTimeout time.Duration) {
	if patience > 0 {
		s.SNMP.Patience, s.SSH.Patience = patience, patience
	}
	if saveTimeout > 0 {
		s.SNMP.SaveTimeout, s.SSH.SaveTimeout = saveTimeout, saveTimeout
	}
}

// SNMP holds the SNMP settings of one switch.
type SNMP struct {
	Version string // "2c" or "3"
	Port    int
	Timeout time.Duration
	// Patience bounds the re-reads after a write, rollback or save whose
	// outcome is unknown (a late or lost answer): the switch is read again,
	// with backoff, until it answers or this is spent.
	Patience time.Duration
	// SaveTimeout bounds one save to the startup config; 0: the
	// platform's default.
	SaveTimeout    time.Duration
	Retries        int
	Community      Secret // v2c
	Username       string // v3
	AuthProtocol   string // v3: "", MD5, SHA, SHA224, SHA256, SHA384, SHA512
	AuthPassphrase Secret
	PrivProtocol   string // v3: "", DES, AES, AES192, AES256, AES192C, AES256C
	PrivPassphrase Secret
	ContextName    string
	MaxRepetitions int
}

// SecurityLevel is the SNMPv3 level implied by the configured protocols.
func (s SNMP) SecurityLevel() string {
	switch {
	case s.AuthProtocol == "":
		return "noAuthNoPriv"
	case s.PrivProtocol == "":
		return "authNoPriv"
	default:
		return "authPriv"
	}
}

// SSH holds the SSH settings of one switch.
type SSH struct {
	Port             int
	Username         string
	KeyFile          string // expanded (~) and resolved against the inventory folder
	KeyPassphrase    Secret
	Password         Secret
	EnableSecret     Secret
	KnownHosts       string // expanded (~) and resolved against the inventory folder
	Timeout          time.Duration
	Patience         time.Duration // as SNMP.Patience
	SaveTimeout      time.Duration // as SNMP.SaveTimeout
	LegacyAlgorithms bool          // opt-in to old key exchanges and ciphers for old firmware
}

// Secret is a credential value with the place it came from. It prints as a
// mask so it cannot leak into logs, reports or errors by accident.
type Secret struct {
	value  string
	source string // e.g. `env LAB_SNMP_COMMUNITY`, `file /etc/qosagent/community`
}

// NewSecret makes a Secret; source names where the value came from.
func NewSecret(value, source string) Secret { return Secret{value: value, source: source} }

// Value returns the secret itself; call it only where the wire needs it.
func (s Secret) Value() string { return s.value }

// IsSet reports whether a value is present.
func (s Secret) IsSet() bool { return s.value != "" }

// Source says where the value came from, without the value.
func (s Secret) Source() string { return s.source }

// String masks the value.
func (s Secret) String() string {
	if !s.IsSet() {
		return ""
	}
	return "<secret from " + s.source + ">"
}

// GoString masks the value for %#v too.
func (s Secret) GoString() string { return s.String() }

// MarshalText masks the value in JSON and YAML output.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Format masks the value for every verb: without it %d or %x would print
// the struct's fields, the value among them.
func (s Secret) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// LogValue masks the value in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

package sshconn

import (
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// DefaultTimeout bounds connect, handshake and authentication when
// Config.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// Config says how to reach and authenticate to one switch.
type Config struct {
	Host string
	Port int // 22 when 0
	User string

	// Public key authentication. An encrypted key needs KeyPassphrase.
	// Keys of a running ssh-agent (SSH_AUTH_SOCK) are offered after it.
	KeyFile       string
	KeyPassphrase string

	// Password is used for password authentication and to answer the
	// password prompts of keyboard-interactive authentication, which
	// many switches use instead.
	Password string

	// KnownHosts is the OpenSSH known_hosts file; required. Paths are
	// used as given: the inventory has expanded "~" already.
	KnownHosts string
	// AcceptNewHostKeys records the key of an unknown host (trust on
	// first use) and logs it at WARN. A changed key is always refused.
	AcceptNewHostKeys bool
	// Cache, when set, keeps known_hosts files and private keys parsed
	// across dials; share one across a fleet run.
	Cache *Cache

	// LegacyAlgorithms also offers the insecure key exchanges, ciphers,
	// MACs and host key algorithms (diffie-hellman-group1-sha1,
	// group14-sha1, aes128-cbc, 3des-cbc, hmac-sha1-96, ssh-rsa with SHA-1)
	// that old switch firmware may be limited to. RC4 stays off.
	LegacyAlgorithms bool

	// Timeout bounds connect + handshake + authentication; DefaultTimeout when 0.
	Timeout time.Duration

	// Logger receives connection events; nothing is logged when nil.
	// Secrets are never logged.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Host == "" {
		return c, errors.New("ssh: no host")
	}
	if c.User == "" {
		return c, errors.New("ssh: no user")
	}
	if c.KnownHosts == "" {
		return c, errors.New("ssh: no known_hosts file: host keys are always checked (use --accept-new-host-keys to record new ones)")
	}
	if c.Port == 0 {
		c.Port = 22
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// algorithms returns the algorithm lists for ssh.ClientConfig: x/crypto's
// defaults, plus the insecure ones (except RC4) when legacy is set.
func algorithms(legacy bool) ssh.Algorithms {
	a := ssh.SupportedAlgorithms()
	if !legacy {
		return a
	}
	in := ssh.InsecureAlgorithms()
	a.KeyExchanges = append(a.KeyExchanges, in.KeyExchanges...)
	a.Ciphers = append(a.Ciphers, slices.DeleteFunc(in.Ciphers, func(c string) bool {
		return strings.HasPrefix(c, "arcfour")
	})...)
	a.MACs = append(a.MACs, in.MACs...)
	a.HostKeys = append(a.HostKeys, in.HostKeys...)
	return a
}

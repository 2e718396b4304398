package sshconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Probed is what a probe learned of an SSH server without logging in.
type Probed struct {
	ServerVersion string // the identification line, e.g. "SSH-2.0-OpenSSH_9.2p1"
	KeyType       string
	Fingerprint   string // SHA256:...
}

// errProbed ends the handshake once the host key is checked: a probe
// never authenticates.
var errProbed = errors.New("probe: host key checked")

// Probe connects, reads the server's identification line and host key and
// checks the key against cfg.KnownHosts (never recording a new one), then
// hangs up before authenticating: nothing is logged in or run. An unknown
// or changed key is a *HostKeyError, with what was probed.
func Probe(ctx context.Context, cfg Config) (Probed, error) {
	var p Probed
	cfg, err := cfg.withDefaults()
	if err != nil {
		return p, err
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	hk, err := newHostKeys(cfg.KnownHosts, false, cfg.Cache, cfg.Logger)
	if err != nil {
		return p, fmt.Errorf("ssh %s: %w", addr, err)
	}
	var checked error
	algs := algorithms(cfg.LegacyAlgorithms)
	ccfg := &ssh.ClientConfig{
		User: cfg.User,
		HostKeyCallback: func(host string, remote net.Addr, key ssh.PublicKey) error {
			p.KeyType, p.Fingerprint = key.Type(), ssh.FingerprintSHA256(key)
			checked = hk.check(host, remote, key)
			return errProbed
		},
		HostKeyAlgorithms: hk.algorithms(addr, algs.HostKeys),
	}
	ccfg.KeyExchanges, ccfg.Ciphers, ccfg.MACs = algs.KeyExchanges, algs.Ciphers, algs.MACs
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return p, dialError(ctx, addr, cfg, "connect", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	cc := &identConn{Conn: conn}
	_, _, _, err = ssh.NewClientConn(cc, addr, ccfg)
	p.ServerVersion = cc.ident()
	switch {
	case p.Fingerprint == "" && err != nil:
		return p, dialError(ctx, addr, cfg, "handshake", err)
	case checked != nil:
		return p, fmt.Errorf("ssh %s: %w", addr, checked)
	}
	return p, nil
}

// identConn keeps the first line the server sends: its identification.
type identConn struct {
	net.Conn
	first []byte
	full  bool
}

func (c *identConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if !c.full && n > 0 {
		c.first = append(c.first, b[:n]...)
		if i := bytes.IndexByte(c.first, '\n'); i >= 0 || len(c.first) > 255 {
			c.full = true
		}
	}
	return n, err
}

func (c *identConn) ident() string {
	line, _, _ := strings.Cut(string(c.first), "\n")
	return strings.TrimSpace(line)
}

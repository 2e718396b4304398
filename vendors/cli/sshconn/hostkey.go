package sshconn

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError is returned by Dial when the server's key is not the one in
// known_hosts. errors.Is matches ErrHostKeyUnknown or ErrHostKeyChanged.
type HostKeyError struct {
	Addr       string                // host:port as dialled
	KnownHosts string                // the known_hosts file consulted
	Key        ssh.PublicKey         // the key the server presented
	Known      []knownhosts.KnownKey // the keys on record; empty when the host is unknown
	NoFile     bool                  // KnownHosts does not exist yet
}

// Is makes errors.Is(err, ErrHostKeyUnknown / ErrHostKeyChanged) work.
func (e *HostKeyError) Is(target error) bool {
	if len(e.Known) == 0 {
		return target == ErrHostKeyUnknown
	}
	return target == ErrHostKeyChanged
}

// Line is the known_hosts line that records Key for Addr.
func (e *HostKeyError) Line() string { return knownhosts.Line([]string{e.Addr}, e.Key) }

func (e *HostKeyError) Error() string {
	var b strings.Builder
	fp := ssh.FingerprintSHA256(e.Key)
	if len(e.Known) == 0 {
		where := e.KnownHosts
		if e.NoFile {
			where += " (the file does not exist)"
		}
		fmt.Fprintf(&b, "host key unknown: %s offered %s key %s, which is not in %s. "+
			"Check the fingerprint on the switch's console (e.g. \"show ip ssh\" / \"show crypto key mypubkey rsa\"), then add this line to %s:\n  %s\n"+
			"or connect once with --accept-new-host-keys (inventory ssh.known_hosts) to record it",
			e.Addr, e.Key.Type(), fp, where, e.KnownHosts, e.Line())
		return b.String()
	}
	fmt.Fprintf(&b, "HOST KEY CHANGED for %s: the server offered %s key %s, but known_hosts has", e.Addr, e.Key.Type(), fp)
	for i, k := range e.Known {
		if i > 0 {
			b.WriteString(" and")
		}
		fmt.Fprintf(&b, " %s key %s (%s:%d)", k.Key.Type(), ssh.FingerprintSHA256(k.Key), k.Filename, k.Line)
	}
	fmt.Fprintf(&b, ". Someone may be intercepting the connection (man-in-the-middle), or the switch was replaced, reset or its key regenerated. "+
		"Refusing to connect. If the change is expected, remove the old entry with\n  ssh-keygen -f %q -R %q\n"+
		"and add the new key (verify %s on the switch first)", e.Known[0].Filename, knownhosts.Normalize(e.Addr), fp)
	return b.String()
}

// hostKeys checks server keys against one known_hosts file for one Dial.
type hostKeys struct {
	path      string
	acceptNew bool
	log       *slog.Logger
	db        ssh.HostKeyCallback // nil when the file does not exist
	err       *HostKeyError       // the refusal, kept to return it unwrapped by x/crypto
}

// Cache keeps what every dial of a fleet run would otherwise read and
// parse again: known_hosts files (a fleet's switches usually share one, and
// parsing it for each of thousands of switches costs time in the square of
// the fleet) and private keys (decrypting an encrypted key runs its KDF,
// over 100 ms of CPU each time). A file is read again when its size or
// modification time changes (an accepted new key, an edit). Safe for
// concurrent use; the zero value is ready; a nil *Cache reads every time.
type Cache struct {
	mu         sync.Mutex
	knownHosts map[string]cachedFile[ssh.HostKeyCallback]
	keys       map[keyRef]cachedFile[ssh.Signer]
}

type keyRef struct{ path, passphrase string }

type cachedFile[T any] struct {
	size int64
	mod  time.Time
	v    T
}

// cached returns m[k] while path is unchanged, else parse's result, kept.
func cached[K comparable, T any](c *Cache, m *map[K]cachedFile[T], k K, path string, parse func() (T, error)) (T, error) {
	var zero T
	st, err := os.Stat(path)
	if err != nil {
		return zero, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := (*m)[k]; ok && f.size == st.Size() && f.mod.Equal(st.ModTime()) {
		return f.v, nil
	}
	v, err := parse()
	if err != nil {
		return zero, err
	}
	if *m == nil {
		*m = map[K]cachedFile[T]{}
	}
	(*m)[k] = cachedFile[T]{size: st.Size(), mod: st.ModTime(), v: v}
	return v, nil
}

// knownHostsDB returns the checker of a known_hosts file.
func (c *Cache) knownHostsDB(path string) (ssh.HostKeyCallback, error) {
	parse := func() (ssh.HostKeyCallback, error) { return knownhosts.New(path) }
	if c == nil {
		return parse()
	}
	return cached(c, &c.knownHosts, path, path, parse)
}

// signer returns the signer of a private key file.
func (c *Cache) signer(path, passphrase string) (ssh.Signer, error) {
	parse := func() (ssh.Signer, error) { return loadKey(path, passphrase) }
	if c == nil {
		return parse()
	}
	s, err := cached(c, &c.keys, keyRef{path, passphrase}, path, parse)
	if err != nil && errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("key file: %w", err)
	}
	return s, err
}

func newHostKeys(path string, acceptNew bool, cache *Cache, log *slog.Logger) (*hostKeys, error) {
	h := &hostKeys{path: path, acceptNew: acceptNew, log: log}
	db, err := cache.knownHostsDB(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Treated as empty: the unknown-host error says so, and
		// accept-new creates the file.
	case err != nil:
		return nil, fmt.Errorf("known_hosts: %w", err)
	default:
		h.db = db
	}
	return h, nil
}

// known returns the keys on record for addr, by probing the database with
// a throwaway key that cannot match: the KeyError lists what would have.
func (h *hostKeys) known(addr string) []knownhosts.KnownKey {
	if h.db == nil {
		return nil
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil
	}
	probe, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil
	}
	var ke *knownhosts.KeyError
	if err := h.db(addr, &net.TCPAddr{IP: net.IPv4zero}, probe); errors.As(err, &ke) {
		return ke.Want
	}
	return nil
}

// algorithms narrows the host key algorithms offered to the server to the
// types on record for addr, as OpenSSH does. Without this a server with
// several keys may present a type we have not recorded, and a known host
// would be reported as changed.
func (h *hostKeys) algorithms(addr string, all []string) []string {
	types := map[string]bool{}
	for _, k := range h.known(addr) {
		types[k.Key.Type()] = true
	}
	if len(types) == 0 {
		return all
	}
	var out []string
	for _, a := range all {
		if types[keyFormat(a)] {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return all // the recorded type is not offered: let the check report the change
	}
	return out
}

// keyFormat maps a signature algorithm to its key type.
func keyFormat(algo string) string {
	switch algo {
	case ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSASHA512:
		return ssh.KeyAlgoRSA
	case ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSASHA512v01:
		return ssh.CertAlgoRSAv01
	}
	return algo
}

// check is the ssh.HostKeyCallback.
func (h *hostKeys) check(addr string, remote net.Addr, key ssh.PublicKey) error {
	if h.db != nil {
		err := h.db(addr, remote, key)
		if err == nil {
			return nil
		}
		var ke *knownhosts.KeyError
		if !errors.As(err, &ke) {
			return fmt.Errorf("known_hosts %s: %w", h.path, err) // e.g. a revoked key
		}
		if len(ke.Want) > 0 {
			h.err = &HostKeyError{Addr: addr, KnownHosts: h.path, Key: key, Known: ke.Want}
			return h.err
		}
	}
	if !h.acceptNew {
		h.err = &HostKeyError{Addr: addr, KnownHosts: h.path, Key: key, NoFile: h.db == nil}
		return h.err
	}
	line := knownhosts.Line([]string{addr}, key)
	if err := appendLine(h.path, line); err != nil {
		return fmt.Errorf("recording new host key in %s: %w", h.path, err)
	}
	h.log.Warn("ssh: unknown host key accepted and recorded (trust on first use); verify the fingerprint on the switch",
		"addr", addr, "key_type", key.Type(), "fingerprint", ssh.FingerprintSHA256(key), "known_hosts", h.path)
	return nil
}

// appendLine appends line to the known_hosts file, creating it 0600 (and
// its directory 0700) if needed. One write per line, with O_APPEND, so that
// concurrent dials to several new switches do not interleave lines.
func appendLine(path, line string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	prefix := ""
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			prefix = "\n" // a hand-edited file without a final newline
		}
	}
	if _, err := io.WriteString(f, prefix+line+"\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

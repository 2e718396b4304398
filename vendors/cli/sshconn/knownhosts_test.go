package sshconn

import (
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// TestKnownHostsFilesSeeChanges: a kept known_hosts file is read again
// when it changes, so a key recorded by one dial (accept-new) or by hand is
// seen by the next, and a removed one is no longer trusted.
func TestKnownHostsFilesSeeChanges(t *testing.T) {
	key := func() ssh.PublicKey {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		k, err := ssh.NewPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	a, b := key(), key()
	path := filepath.Join(t.TempDir(), "known_hosts")
	lineA := knownhosts.Line([]string{"10.0.0.1:22"}, a) + "\n"
	if err := os.WriteFile(path, []byte(lineA), 0o600); err != nil {
		t.Fatal(err)
	}
	var files KnownHostsFiles
	check := func(host string, k ssh.PublicKey) error {
		t.Helper()
		db, err := files.load(path)
		if err != nil {
			t.Fatal(err)
		}
		return db(host, &net.TCPAddr{IP: net.IPv4zero}, k)
	}
	if err := check("10.0.0.1:22", a); err != nil {
		t.Fatalf("recorded key refused: %v", err)
	}
	if check("10.0.0.2:22", b) == nil {
		t.Fatal("unknown host accepted")
	}
	if err := appendLine(path, knownhosts.Line([]string{"10.0.0.2:22"}, b)); err != nil {
		t.Fatal(err)
	}
	if err := check("10.0.0.2:22", b); err != nil {
		t.Fatalf("key appended after the first read refused: %v", err)
	}
	if err := os.WriteFile(path, []byte("# edited\n"+knownhosts.Line([]string{"10.0.0.2:22"}, b)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if check("10.0.0.1:22", a) == nil {
		t.Fatal("a key removed from the file is still trusted")
	}
}

package sshconn

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// TestCacheSeesKnownHostsChanges: a kept known_hosts file is read again
// when it changes, so a key recorded by one dial (accept-new) or by hand is
// seen by the next, and a removed one is no longer trusted.
func TestCacheSeesKnownHostsChanges(t *testing.T) {
	a, b := newSigner(t).PublicKey(), newSigner(t).PublicKey()
	path := filepath.Join(t.TempDir(), "known_hosts")
	lineA := knownhosts.Line([]string{"10.0.0.1:22"}, a) + "\n"
	if err := os.WriteFile(path, []byte(lineA), 0o600); err != nil {
		t.Fatal(err)
	}
	var cache Cache
	check := func(host string, k ssh.PublicKey) error {
		t.Helper()
		db, err := cache.knownHostsDB(path)
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

// TestCacheKeepsDecryptedKeys: an encrypted key is decrypted once per run,
// per passphrase, and again when the file changes.
func TestCacheKeepsDecryptedKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "id_ed25519")
	write := func(comment string) ssh.PublicKey {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, comment, []byte("key-pass"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		k, _ := ssh.NewPublicKey(pub)
		return k
	}
	first := write("first")
	var cache Cache
	s1, err := cache.signer(path, "key-pass")
	if err != nil || !bytes.Equal(s1.PublicKey().Marshal(), first.Marshal()) {
		t.Fatalf("signer: %v", err)
	}
	if s2, _ := cache.signer(path, "key-pass"); s2 != s1 {
		t.Error("the key was decrypted again")
	}
	if _, err := cache.signer(path, "wrong"); err == nil {
		t.Error("a wrong passphrase was accepted from the cache")
	}
	second := write("second key, longer comment")
	if s3, err := cache.signer(path, "key-pass"); err != nil || !bytes.Equal(s3.PublicKey().Marshal(), second.Marshal()) {
		t.Errorf("a replaced key file still gives the old key: %v", err)
	}
}

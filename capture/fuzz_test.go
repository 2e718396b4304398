package capture

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// FuzzCheckFile feeds arbitrary bytes as a capture file: a check must end
// with a report or an *InputError, never panic or hang.
func FuzzCheckFile(f *testing.F) {
	dir := f.TempDir()
	ps := goldenPackets()
	for i, link := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2} {
		for _, ng := range []bool{false, true} {
			seed := ps
			if link != layers.LinkTypeEthernet {
				seed = ps[:12]
			}
			b, err := os.ReadFile(writeCapture(f, dir, "seed"+string(rune('a'+i))+map[bool]string{false: ".pcap", true: ".pcapng"}[ng], link, ng, seed))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			f.Add(b[:len(b)-7])
		}
	}
	f.Add([]byte{})
	f.Add([]byte("not a capture"))
	p := testPolicy()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		rep, err := CheckFile(context.Background(), path, p, Options{})
		var ie *InputError
		switch {
		case err != nil && !errors.As(err, &ie):
			t.Fatalf("error %v (%T) is not an *InputError", err, err)
		case err == nil:
			if err := rep.WriteJSON(discard{}); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteTable(discard{}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

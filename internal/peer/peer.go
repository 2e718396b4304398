// Package peer holds what the test harnesses for third-party peers
// (snmpsimd, sshd, PostgreSQL, net-snmp tools) share: the rule for a missing
// peer, free loopback ports, and a buffer for a child process's output.
package peer

import (
	"bytes"
	"net"
	"os"
	"sync"
	"testing"
)

// RequireEnv names the environment variable that, set to 1, turns a missing
// peer into a test failure instead of a skip, so CI cannot pass by skipping.
const RequireEnv = "QOSAGENT_REQUIRE_PEERS"

// Missing skips the test because a peer is not installed, or fails it when
// RequireEnv is 1. install says how to get it, e.g. "apt-get install snmpsim".
func Missing(tb testing.TB, what, install string, err error) {
	tb.Helper()
	if os.Getenv(RequireEnv) == "1" {
		tb.Fatalf("%s is missing (%s) and %s=1: %v", what, install, RequireEnv, err)
	}
	tb.Skipf("%s is missing (%s): %v", what, install, err)
}

// FreeTCPPort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreeTCPPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func FreeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// SyncBuffer collects a child process's output, written by exec's copying
// goroutine and read by tests.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

package sshconn

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loopbackBlackhole returns a 127.0.0.1 port whose SYNs go unanswered: a
// socket listening with backlog 0 that never accepts, with its queue filled.
// It stands in for a switch that is down or firewalled (DROP) without
// depending on the test machine's routes.
func loopbackBlackhole(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Skip(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Skip(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Skip(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for range 8 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return port // the queue is full: later SYNs are dropped
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("could not fill the listen queue")
	return 0
}

func TestDialConnectTimeoutLoopbackBlackhole(t *testing.T) {
	port := loopbackBlackhole(t)
	cfg := Config{Host: "127.0.0.1", Port: port, User: "u", Password: "pw", KnownHosts: filepath.Join(t.TempDir(), "kh"), Timeout: 300 * time.Millisecond}
	start := time.Now()
	_, err := Dial(context.Background(), cfg)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
	if !strings.Contains(err.Error(), "connect timed out") {
		t.Errorf("message: %v", err)
	}
}

package netgear

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qosagent/qosagent/internal/sim"
	"github.com/qosagent/qosagent/inventory"
)

func simSwitch(t *testing.T, name string) inventory.Switch {
	t.Helper()
	srv, err := sim.ListenSNMP(context.Background(), "127.0.0.1:0", sim.NewGS110TP(name), sim.ServerConfig{Community: "c"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return switchAt(t, name, srv.Addr())
}

func switchAt(t *testing.T, name, addr string) inventory.Switch {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return inventory.Switch{Site: "lab", Name: name, Vendor: Vendor, Address: addr, Host: host, Port: p,
		SNMP: inventory.SNMP{Version: "2c", Port: p, Timeout: 300 * time.Millisecond, Retries: 0,
			Community: inventory.NewSecret("c", "test"), MaxRepetitions: 64}}
}

// closedPort is a UDP address nothing listens on: it answers ICMP port unreachable.
func closedPort(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := c.LocalAddr().String()
	c.Close()
	return addr
}

func readWith(t *testing.T, pool *clientPool, sw inventory.Switch) (*net.UDPConn, error) {
	t.Helper()
	a, err := open(sw, pool)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, err = a.Read(context.Background())
	var c *net.UDPConn
	if a.g != nil {
		c, _ = a.g.Conn.(*net.UDPConn)
	}
	return c, err
}

// TestPoolKeepsTheSocket: the next switch reads over the last one's
// socket, connected again to its own address.
func TestPoolKeepsTheSocket(t *testing.T) {
	pool := &clientPool{}
	first, err := readWith(t, pool, simSwitch(t, "sw1"))
	if err != nil || first == nil {
		t.Fatal(err)
	}
	second, err := readWith(t, pool, simSwitch(t, "sw2"))
	if err != nil {
		t.Fatal(err)
	}
	if second != first {
		t.Error("the second switch got a new socket")
	}
	if len(pool.free) != 1 {
		t.Errorf("%d clients in the pool, want 1", len(pool.free))
	}
}

// TestPooledSocketForgetsAnICMPError: a port unreachable for one switch
// fails that switch with the advice, and neither it nor a late one fails
// the next switch over the same socket.
func TestPooledSocketForgetsAnICMPError(t *testing.T) {
	pool := &clientPool{}
	if _, err := readWith(t, pool, switchAt(t, "dead", closedPort(t))); err == nil || !strings.Contains(err.Error(), "is SNMP enabled") {
		t.Fatalf("closed port: %v; want the refused advice", err)
	}
	if _, err := readWith(t, pool, simSwitch(t, "sw1")); err != nil {
		t.Fatalf("after a refused switch: %v", err)
	}
	// A late ICMP error, left pending on the pooled socket.
	c := pool.free[0].Conn.(*net.UDPConn)
	dead := netip.MustParseAddrPort(closedPort(t))
	if err := reconnect(c, dead.Addr(), dead.Port()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("late retry")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // loopback answers at once; leave it time
	if _, err := readWith(t, pool, simSwitch(t, "sw2")); err != nil {
		t.Fatalf("a late ICMP error of the last switch failed the next one: %v", err)
	}
}

// TestRedialHostNameAndFamily: a host name or an address of the other
// family gets a socket of its own.
func TestRedialHostNameAndFamily(t *testing.T) {
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:9")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := reconnect(c, netip.MustParseAddr("::1"), 9); err == nil {
		t.Error("an IPv4 socket connected to an IPv6 address")
	}
}

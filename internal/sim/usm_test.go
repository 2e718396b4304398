package sim

import (
	"bytes"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/mibs"
)

func testUser(auth gosnmp.SnmpV3AuthProtocol) *V3User {
	return &V3User{
		UserName:       "qosagent",
		AuthProtocol:   auth,
		AuthPassphrase: "authpass123",
		PrivProtocol:   gosnmp.AES,
		PrivPassphrase: "privpass123",
	}
}

func dialV3(t testing.TB, addr string, u V3User) *gosnmp.GoSNMP {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	c := &gosnmp.GoSNMP{
		Target:        host,
		Port:          uint16(p),
		Version:       gosnmp.Version3,
		Timeout:       2 * time.Second,
		Retries:       0,
		MaxOids:       gosnmp.MaxOids,
		SecurityModel: gosnmp.UserSecurityModel,
		MsgFlags:      gosnmp.AuthPriv,
		SecurityParameters: &gosnmp.UsmSecurityParameters{
			UserName:                 u.UserName,
			AuthenticationProtocol:   u.AuthProtocol,
			AuthenticationPassphrase: u.AuthPassphrase,
			PrivacyProtocol:          u.PrivProtocol,
			PrivacyPassphrase:        u.PrivPassphrase,
		},
	}
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c
}

func TestV3(t *testing.T) {
	for _, auth := range []gosnmp.SnmpV3AuthProtocol{gosnmp.SHA, gosnmp.SHA256} {
		t.Run(auth.String(), func(t *testing.T) {
			u := testUser(auth)
			sw, srv := start(t, ServerConfig{V3: u})
			c := dialV3(t, srv.Addr(), *u)
			if v := get(t, c, dscpOID(0, 46))[0]; v.Value != uint(2) {
				t.Fatalf("EF reads %v", v.Value)
			}
			if r := set(t, c, gauge(dscpOID(0, 46), 3)); r.Error != gosnmp.NoError {
				t.Fatalf("SET: %v", r.Error)
			}
			if sw.PortDSCPMap(2)[46] != 3 {
				t.Error("v3 SET did not apply")
			}
			vs, err := c.BulkWalkAll(mibs.AgentCosMapIntfTrustMode)
			if err != nil || len(vs) != numIfs {
				t.Errorf("v3 walk: %d varbinds, %v", len(vs), err)
			}
		})
	}
}

func TestV3Rejects(t *testing.T) {
	u := testUser(gosnmp.SHA)
	sw, srv := start(t, ServerConfig{V3: u})
	for _, bad := range []V3User{
		{UserName: "nobody", AuthProtocol: gosnmp.SHA, AuthPassphrase: u.AuthPassphrase, PrivProtocol: gosnmp.AES, PrivPassphrase: u.PrivPassphrase},
		{UserName: u.UserName, AuthProtocol: gosnmp.SHA, AuthPassphrase: "wrongpass1", PrivProtocol: gosnmp.AES, PrivPassphrase: u.PrivPassphrase},
	} {
		c := dialV3(t, srv.Addr(), bad)
		if _, err := c.Get([]string{mibs.SysName}); err == nil {
			t.Errorf("user %q/%q was answered", bad.UserName, bad.AuthPassphrase)
		}
	}
	// v2c is off when only a v3 user is configured.
	c := dial(t, srv.Addr(), community)
	c.Timeout = 300 * time.Millisecond
	if _, err := c.Get([]string{mibs.SysName}); err == nil {
		t.Error("v2c answered on a v3-only server")
	}
	if st := sw.Stats(); st.Get != 0 {
		t.Errorf("rejected requests were served: %+v", st)
	}
}

// v3SeedPackets are an engine discovery probe and an authPriv GET as the
// gosnmp client sends them, captured from a loopback exchange.
func v3SeedPackets(t testing.TB) [][]byte {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	h, err := newHandler(NewGS110TP("fuzz"), fuzzConfig())
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		seeds [][]byte
	)
	go func() {
		buf := make([]byte, 65536)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			mu.Lock()
			seeds = append(seeds, bytes.Clone(buf[:n]))
			mu.Unlock()
			if out := h.handle(buf[:n]); out != nil {
				pc.WriteTo(out, addr)
			}
		}
	}()
	c := dialV3(t, pc.LocalAddr().String(), *fuzzConfig().V3)
	if _, err := c.Get([]string{dscpOID(0, 46)}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return seeds
}

func fuzzConfig() ServerConfig {
	return ServerConfig{Community: community, V3: testUser(gosnmp.SHA), MaxMsgSize: 1500}
}

package sim

import (
	"testing"
	"time"
)

func TestRTTDelaysResponses(t *testing.T) {
	const rtt = 40 * time.Millisecond
	_, srv := start(t, ServerConfig{Community: community, RTT: rtt})
	c := dial(t, srv.Addr(), community)
	for range 3 {
		t0 := time.Now()
		if _, err := c.Get([]string{dscpOID(0, 46)}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d < rtt || d > rtt+time.Second {
			t.Errorf("round trip %s, want about %s", d, rtt)
		}
	}
}

// lossPattern sends n GETs one by one and records which were answered.
func lossPattern(t *testing.T, cfg ServerConfig, n int) ([]bool, Stats) {
	sw, srv := start(t, cfg)
	c := dial(t, srv.Addr(), community)
	c.Timeout, c.Retries = 30*time.Millisecond, 0
	got := make([]bool, n)
	for i := range got {
		_, err := c.Get([]string{dscpOID(0, i%64)})
		got[i] = err == nil
	}
	return got, sw.Stats()
}

func TestLossIsSeededAndReproducible(t *testing.T) {
	cfg := ServerConfig{Community: community, Loss: 0.3, Seed: 7}
	a, st := lossPattern(t, cfg, 60)
	b, _ := lossPattern(t, cfg, 60)
	lost := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("request %d: answered %v in one run, %v in the other", i, a[i], b[i])
		}
		if !a[i] {
			lost++
		}
	}
	if lost == 0 || lost == len(a) {
		t.Fatalf("%d of %d lost at 30%% loss", lost, len(a))
	}
	if st.Lost != uint64(lost) || st.Get != uint64(len(a)-lost) {
		t.Errorf("stats %+v, want %d lost and %d gets", st, lost, len(a)-lost)
	}
	c, _ := lossPattern(t, ServerConfig{Community: community, Loss: 0.3, Seed: 8}, 60)
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Error("seeds 7 and 8 lost the same requests")
	}
}

func TestBadLink(t *testing.T) {
	for _, cfg := range []ServerConfig{
		{Community: community, Loss: 1.5},
		{Community: community, Loss: -0.1},
		{Community: community, RTT: -time.Second},
	} {
		if srv, err := ListenSNMP(t.Context(), "127.0.0.1:0", NewGS110TP("x"), cfg); err == nil {
			srv.Close()
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// A response still in flight when the server closes is dropped, not sent
// on a closed socket or leaked.
func TestCloseWithResponsesInFlight(t *testing.T) {
	_, srv := start(t, ServerConfig{Community: community, RTT: 200 * time.Millisecond})
	c := dial(t, srv.Addr(), community)
	c.Timeout, c.Retries = 50*time.Millisecond, 0
	if _, err := c.Get([]string{dscpOID(0, 0)}); err == nil {
		t.Fatal("answered before the RTT")
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(250 * time.Millisecond) // the timer fires on a closed socket
}

package clisim

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// MinRTO is the extra delay a lost segment costs over SSHConfig.Loss: the
// retransmission timeout, which Linux never sets below 200 ms.
const MinRTO = 200 * time.Millisecond

// delayConn delays everything the server writes by rtt, in order, as a
// path with that round trip time would (the whole delay is put on the
// server's side, so every client request waits rtt for its answer). With
// loss, a write is lost with that probability and arrives MinRTO+rtt late
// instead, holding back the writes behind it as TCP's in-order delivery
// does. The first write also waits one more rtt, for the TCP handshake the
// kernel completed instantly on loopback.
//
// Writes return at once (the data sits in the "network"); one goroutine per
// connection sends them when due. Close lets pending writes drain before
// closing the connection; Done is closed once they are sent or failed.
type delayConn struct {
	net.Conn
	rtt  time.Duration
	loss float64
	rng  *rand.Rand // guarded by mu

	mu      sync.Mutex
	q       []pendingWrite
	last    time.Time // due time of the last queued write
	closing bool
	failed  error
	wake    chan struct{} // capacity 1
	kill    chan struct{} // closed by abort
	killed  sync.Once
	done    chan struct{}
}

type pendingWrite struct {
	due time.Time
	b   []byte
}

func checkLink(rtt time.Duration, loss float64) error {
	if rtt < 0 {
		return fmt.Errorf("clisim: negative RTT %s", rtt)
	}
	if !(loss >= 0 && loss <= 1) {
		return fmt.Errorf("clisim: loss %v outside 0..1", loss)
	}
	return nil
}

func newDelayConn(c net.Conn, rtt time.Duration, loss float64, seed uint64) *delayConn {
	d := &delayConn{
		Conn: c, rtt: rtt, loss: loss,
		rng:  rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		last: time.Now().Add(rtt),
		wake: make(chan struct{}, 1),
		kill: make(chan struct{}),
		done: make(chan struct{}),
	}
	go d.sender()
	return d
}

func (d *delayConn) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failed != nil {
		return 0, d.failed
	}
	if d.closing {
		return 0, net.ErrClosed
	}
	due := time.Now().Add(d.rtt)
	if d.loss > 0 && d.rng.Float64() < d.loss {
		due = due.Add(MinRTO + d.rtt)
	}
	if due.Before(d.last) {
		due = d.last
	}
	d.last = due
	d.q = append(d.q, pendingWrite{due: due, b: append([]byte(nil), p...)})
	d.signal()
	return len(p), nil
}

func (d *delayConn) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Close stops accepting writes; the sender closes the connection once the
// queued ones are out.
func (d *delayConn) Close() error {
	d.mu.Lock()
	d.closing = true
	d.mu.Unlock()
	d.signal()
	return nil
}

// abort drops pending writes and closes the connection now.
func (d *delayConn) abort() {
	d.killed.Do(func() { close(d.kill) })
	d.Conn.Close()
}

// Done is closed when the connection is closed and nothing is pending.
func (d *delayConn) Done() <-chan struct{} { return d.done }

func (d *delayConn) sender() {
	defer close(d.done)
	defer d.Conn.Close()
	t := time.NewTimer(0)
	<-t.C
	for {
		d.mu.Lock()
		if len(d.q) == 0 {
			closing := d.closing
			d.mu.Unlock()
			if closing {
				return
			}
			select {
			case <-d.wake:
			case <-d.kill:
				return
			}
			continue
		}
		w := d.q[0]
		d.q[0] = pendingWrite{}
		d.q = d.q[1:]
		d.mu.Unlock()
		if wait := time.Until(w.due); wait > 0 {
			t.Reset(wait)
			select {
			case <-t.C:
			case <-d.kill:
				return
			}
		}
		if _, err := d.Conn.Write(w.b); err != nil {
			d.mu.Lock()
			d.failed, d.q = err, nil
			d.mu.Unlock()
			return
		}
	}
}

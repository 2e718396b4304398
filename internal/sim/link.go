package sim

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// link simulates the network path to one switch: a fixed delay on every
// response and a seeded, reproducible loss of requests. A nil *link is a
// perfect path.
type link struct {
	rtt  time.Duration
	loss float64
	mu   sync.Mutex // guards rng: several goroutines may ask (SSH writes)
	rng  *rand.Rand
}

// newLink returns nil when rtt and loss are both zero.
func newLink(rtt time.Duration, loss float64, seed uint64) (*link, error) {
	if rtt < 0 {
		return nil, fmt.Errorf("sim: negative RTT %s", rtt)
	}
	if !(loss >= 0 && loss <= 1) { // also refuses NaN
		return nil, fmt.Errorf("sim: loss %v outside 0..1", loss)
	}
	if rtt == 0 && loss == 0 {
		return nil, nil
	}
	// Two PCG words from one seed; the constant only keeps seed 0 from
	// being the all-zero state.
	return &link{rtt: rtt, loss: loss, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}, nil
}

// lose reports whether the next request is lost.
func (l *link) lose() bool {
	if l == nil || l.loss == 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rng.Float64() < l.loss
}

// after runs send once the link's delay has passed: at once without a
// delay, otherwise from a runtime timer (no goroutine waits meanwhile).
func (l *link) after(send func()) {
	if l == nil || l.rtt == 0 {
		send()
		return
	}
	time.AfterFunc(l.rtt, send)
}

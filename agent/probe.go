package agent

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
)

// ProbeResult is what a read-only reachability check found of one switch.
type ProbeResult struct {
	Site   string `json:"site"`
	Name   string `json:"name"`
	Vendor string `json:"vendor"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"` // e.g. "sysObjectID 1.3.6.1.4.1.4526.100.4.19 (GS110TP)"
	Error  string `json:"error,omitempty"`
}

// Probe checks every switch read-only (vendors.Prober): it reads no QoS
// and writes nothing. Results are in the order of sws.
func (e *Engine) Probe(ctx context.Context, sws []inventory.Switch) []ProbeResult {
	out := make([]ProbeResult, len(sws))
	sem := make(chan struct{}, max(e.Concurrency, 1))
	var wg sync.WaitGroup
	for i, sw := range sws {
		out[i] = ProbeResult{Site: sw.Site, Name: sw.Name, Vendor: sw.Vendor}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			detail, err := e.probeOne(ctx, sw)
			out[i].Detail, out[i].OK = detail, err == nil
			if err != nil {
				out[i].Error = err.Error()
			}
		}()
	}
	wg.Wait()
	return out
}

func (e *Engine) probeOne(ctx context.Context, sw inventory.Switch) (string, error) {
	plat, err := e.Registry.Lookup(sw.Vendor)
	if err != nil {
		return "", err
	}
	a, err := plat.Open(sw)
	if err != nil {
		return "", err
	}
	defer a.Close()
	p, ok := a.(vendors.Prober)
	if !ok {
		return "", errors.New("this platform has no read-only probe")
	}
	t := e.Timeout
	if t <= 0 {
		t = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, t)
	defer cancel()
	return p.Probe(ctx)
}

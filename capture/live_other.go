//go:build !linux

package capture

import (
	"context"
	"errors"
	"time"

	"github.com/qosagent/qosagent/agent"
)

// CheckLive needs Linux's AF_PACKET sockets; elsewhere, capture to a file
// and check that.
func CheckLive(ctx context.Context, iface string, d time.Duration, p agent.Policy, opt Options) (*Report, error) {
	return nil, errors.New("--live needs Linux (AF_PACKET); capture with tcpdump -w FILE and check the file")
}

// Package syslimit reads the per-process limits a fleet run spends one unit
// of per switch in flight (an open file for its socket, a local port), and
// says before the run whether the chosen concurrency fits them.
package syslimit

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Reserve are the descriptors a run needs besides its switches' sockets:
// stdio, the runtime's poller, the inventory and secret files, the history
// (a SQLite database with its journal, or a PostgreSQL connection), the
// report spool and the metrics file.
const Reserve = 64

// Limits are what the kernel allows this process.
type Limits struct {
	// OpenFiles is RLIMIT_NOFILE's soft limit, which the Go runtime raises
	// to the hard limit when the program starts; OpenFilesHard is the hard one.
	OpenFiles, OpenFilesHard uint64
	// PortLo..PortHi is net.ipv4.ip_local_port_range, the local ports the
	// kernel gives to client sockets; both 0 when unknown.
	PortLo, PortHi int
}

// Read returns this process's limits; the port range is left unknown where
// the kernel does not publish it.
func Read() (Limits, error) {
	var l Limits
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return l, fmt.Errorf("RLIMIT_NOFILE: %w", err)
	}
	l.OpenFiles, l.OpenFilesHard = rl.Cur, rl.Max
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		l.PortLo, l.PortHi, _ = ParsePortRange(string(b))
	}
	return l, nil
}

// ParsePortRange reads ip_local_port_range's "lo<white space>hi".
func ParsePortRange(s string) (lo, hi int, err error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("ip_local_port_range %q: expected two numbers", s)
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || lo < 1 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("ip_local_port_range %q: expected lo hi within 1..65535", s)
	}
	return lo, hi, nil
}

// Ports is the size of the local port range; 0 when unknown.
func (l Limits) Ports() int {
	if l.PortHi == 0 {
		return 0
	}
	return l.PortHi - l.PortLo + 1
}

// Check says whether the switches contacted at once, the smaller of
// --concurrency and the fleet, fit: each holds a socket, so an open file
// and a local port, while it is read. A UDP socket takes a port of its own
// whatever its peer; a TCP connection's port is free again for another
// peer as soon as it closes, so the fleet's size does not matter, only how
// many are open at once. The error names the limit and the setting.
func (l Limits) Check(concurrency, fleet int) error {
	inFlight := min(concurrency, fleet)
	if inFlight < 1 {
		return nil
	}
	need := uint64(inFlight) + Reserve //nolint:gosec // inFlight >= 1
	if l.OpenFiles > 0 && need > l.OpenFiles {
		most := int(min(l.OpenFiles, 1<<31)) - Reserve //nolint:gosec // capped
		return fmt.Errorf("--concurrency %d: %d switches at once need %d open files (a socket each, plus %d for history, report and logs), "+
			"but this process may open %d (RLIMIT_NOFILE, hard limit %d): lower --concurrency to at most %d, or raise the limit (ulimit -n, LimitNOFILE= in a systemd unit)",
			concurrency, inFlight, need, Reserve, l.OpenFiles, l.OpenFilesHard, max(most, 0))
	}
	if p := l.Ports(); p > 0 && inFlight > p {
		return fmt.Errorf("--concurrency %d: %d switches at once need %d local ports, but the kernel's range for them is %d-%d, %d ports (net.ipv4.ip_local_port_range): "+
			"lower --concurrency to at most %d, or widen the range (sysctl net.ipv4.ip_local_port_range)",
			concurrency, inFlight, inFlight, l.PortLo, l.PortHi, p, p)
	}
	return nil
}

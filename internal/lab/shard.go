package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/qosagent/qosagent/internal/sim"
	"github.com/qosagent/qosagent/internal/syslimit"
)

// ShardEnv, set to 1 in a process's environment, makes it a shard of a lab
// started elsewhere: see ServeShard and Self.
const ShardEnv = "QOSAGENT_LAB_SHARD"

// fdReserve are the descriptors a lab process keeps for everything but its
// GS110TPs' sockets: the runtime's poller, stdio, pipes, files, SSH.
const fdReserve = 256

// Ports are chosen from lowPort up, skipping the kernel's ephemeral range.
const lowPort = 10000

// portsPerAddress is how many GS110TPs one loopback address gets at most
// with the given ephemeral range: the ports from lowPort to 65535 that lie
// outside it.
func portsPerAddress(lo, hi int) int {
	n := 0
	if lo > lowPort {
		n += min(lo, 65536) - lowPort
	}
	if hi < 65535 {
		n += 65535 - max(hi, lowPort-1)
	}
	return n
}

// ports hands out listening addresses to one lab process: on 127.0.s.1,
// 127.0.s.2, ... (s the process's shard number, so processes never compete),
// the ports from lowPort up that lie outside the ephemeral range the kernel
// gives to clients' sockets. Ports in that range would, by the hundred
// thousand, leave the auditor none of its own. When the range covers them
// all, the kernel picks (port 0) on 127.0.s.1.
type ports struct {
	shard, host, port int
	lo, hi            int // the ephemeral range, inclusive
	none              bool
}

func newPorts(shard int) *ports {
	l, err := syslimit.Read()
	lo, hi := l.PortLo, l.PortHi
	p := &ports{shard: shard, host: 1, port: lowPort - 1, lo: lo, hi: hi}
	// An unknown range (no /proc): let the kernel pick, as for no room.
	p.none = err != nil || hi == 0 || portsPerAddress(lo, hi) == 0
	return p
}

func (p *ports) next() (string, error) {
	if p.shard > 255 {
		return "", fmt.Errorf("lab: more than 256 processes")
	}
	if p.none {
		return fmt.Sprintf("127.0.%d.1:0", p.shard), nil
	}
	for {
		p.port++
		if p.port >= p.lo && p.port <= p.hi {
			p.port = p.hi + 1
		}
		if p.port > 65535 {
			p.host, p.port = p.host+1, lowPort-1
			if p.host > 254 {
				return "", fmt.Errorf("lab: every port of 127.0.%d.1-254 outside the ephemeral range %d-%d is taken", p.shard, p.lo, p.hi)
			}
			continue
		}
		return fmt.Sprintf("127.0.%d.%d:%d", p.shard, p.host, p.port), nil
	}
}

// perProcess is how many GS110TPs one process may serve: one socket each,
// within RLIMIT_NOFILE (the Go runtime raises the soft limit to the hard
// one at start), less fdReserve and two descriptors per CLI switch for the
// process that serves those (the listener and a session).
func (c Config) perProcess() (int, error) {
	if c.PerProcess > 0 {
		return c.PerProcess, nil
	}
	l, err := syslimit.Read()
	if err != nil {
		return 0, fmt.Errorf("lab: %w", err)
	}
	n := int(min(l.OpenFiles, 1<<30)) - fdReserve //nolint:gosec // capped
	if n < 1 {
		return 0, fmt.Errorf("lab: RLIMIT_NOFILE is %d: too few open files for a lab (raise ulimit -n)", l.OpenFiles)
	}
	return n, nil
}

// split plans the GS110TPs of each process: the first is this one, which
// also serves the CLI switches. It balances them over as few processes as
// the open-file limit allows.
func (c Config) split() ([]int, error) {
	per, err := c.perProcess()
	if err != nil {
		return nil, err
	}
	if 2*c.CLI > per && c.PerProcess == 0 {
		return nil, fmt.Errorf("lab: %d CLI switches need %d open files, more than one process may open (RLIMIT_NOFILE less %d); expected at most %d",
			c.CLI, 2*c.CLI, fdReserve, per/2)
	}
	room := per - 2*c.CLI // GS110TPs beside the CLI switches in this process
	if c.PerProcess > 0 {
		room = per
	}
	if c.SNMP <= room {
		return []int{c.SNMP}, nil
	}
	if c.Spawn == nil {
		return nil, fmt.Errorf("lab: %d GS110TPs need a socket each, more than one process may open (%d with RLIMIT_NOFILE; raise ulimit -n, or start the lab from qosagent lab, which runs several processes)",
			c.SNMP, room)
	}
	procs := 1 + (c.SNMP-room+per-1)/per
	plan := make([]int, procs)
	left := c.SNMP
	// This process holds the CLI switches: it takes its share of the
	// GS110TPs after those, the others an equal share of the rest.
	each := (c.SNMP + procs - 1) / procs
	plan[0] = min(each, room, left)
	left -= plan[0]
	for k := 1; k < procs; k++ {
		plan[k] = min((left+procs-k-1)/(procs-k), per)
		left -= plan[k]
	}
	if left > 0 {
		return nil, fmt.Errorf("lab: internal error: %d GS110TPs left unplaced", left)
	}
	return plan, nil
}

// shardSpec is what a lab tells the process it starts, on its stdin.
type shardSpec struct {
	Shard, First, Count int
	Secrets             snmpSecrets
	RTT                 time.Duration
	Loss                float64
	Seed                uint64
	Sites               int
	SiteRTT             []time.Duration
}

// shardReply is a shard's first line on stdout: its switches' addresses,
// or why it could not start them.
type shardReply struct {
	Addrs []string `json:",omitempty"`
	Error string   `json:",omitempty"`
}

// ShardStats is a shard's answer to "stats": its switches' counters summed,
// the spread of per-switch requests, and its own CPU time.
type ShardStats struct {
	sim.Stats
	MinRequests, MaxRequests uint64
	CPUSeconds               float64
}

// shard is a lab process started by this one.
type shard struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	mu   sync.Mutex // one request at a time
	spec shardSpec
}

// Self returns a Config.Spawn that starts this program again as a shard:
// its main must call ServeShard first thing when ShardEnv is set.
func Self() func() (*exec.Cmd, error) {
	return func() (*exec.Cmd, error) {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), ShardEnv+"=1")
		return cmd, nil
	}
}

// IsShard says whether this process was started as a lab shard.
func IsShard() bool { return os.Getenv(ShardEnv) == "1" }

func startShard(cfg Config, spec shardSpec) (*shard, error) {
	cmd, err := cfg.Spawn()
	if err != nil {
		return nil, fmt.Errorf("lab: start process %d: %w", spec.Shard, err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("lab: start process %d: %w", spec.Shard, err)
	}
	sh := &shard{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20), spec: spec}
	// The spec carries the community or the v3 passphrases: a pipe, not the
	// command line or the environment, which other users may read.
	if err := json.NewEncoder(in).Encode(spec); err != nil {
		sh.close()
		return nil, fmt.Errorf("lab: process %d: %w", spec.Shard, err)
	}
	return sh, nil
}

// ready waits for the shard's switches and returns their addresses.
func (sh *shard) ready() ([]string, error) {
	line, err := sh.out.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("lab: process %d (pid %d) ended before its switches started: %w", sh.spec.Shard, sh.cmd.Process.Pid, err)
	}
	var r shardReply
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, fmt.Errorf("lab: process %d: %w", sh.spec.Shard, err)
	}
	if r.Error != "" {
		return nil, fmt.Errorf("lab: process %d: %s", sh.spec.Shard, r.Error)
	}
	if len(r.Addrs) != sh.spec.Count {
		return nil, fmt.Errorf("lab: process %d started %d switches, expected %d", sh.spec.Shard, len(r.Addrs), sh.spec.Count)
	}
	return r.Addrs, nil
}

func (sh *shard) stats() (ShardStats, error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var st ShardStats
	if _, err := io.WriteString(sh.in, "stats\n"); err != nil {
		return st, fmt.Errorf("lab: process %d: %w", sh.spec.Shard, err)
	}
	line, err := sh.out.ReadBytes('\n')
	if err != nil {
		return st, fmt.Errorf("lab: process %d: %w", sh.spec.Shard, err)
	}
	return st, json.Unmarshal(line, &st)
}

// close ends the shard: its stdin closes, it stops its switches and exits.
func (sh *shard) close() error {
	sh.in.Close()
	done := make(chan error, 1)
	go func() { done <- sh.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		sh.cmd.Process.Kill()
		return <-done
	}
}

// Counters sums the GS110TPs' counters over every process of the lab, and
// gives the CPU time of the processes it started (this one's is the
// caller's to read).
func (l *Lab) Counters() (ShardStats, error) {
	total := sumStats(l.Switches)
	total.CPUSeconds = 0
	if len(l.Switches) == 0 {
		total.MinRequests = ^uint64(0)
	}
	var errs []error
	for _, sh := range l.shards {
		st, err := sh.stats()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		mergeStats(&total, st)
		total.CPUSeconds += st.CPUSeconds
	}
	if total.MinRequests == ^uint64(0) {
		total.MinRequests = 0
	}
	return total, errors.Join(errs...)
}

func sumStats(sws []*sim.GS110TP) ShardStats {
	st := ShardStats{MinRequests: ^uint64(0)}
	for _, sw := range sws {
		s := sw.Stats()
		mergeStats(&st, ShardStats{Stats: s, MinRequests: s.Requests(), MaxRequests: s.Requests()})
	}
	if len(sws) == 0 {
		st.MinRequests = 0
	}
	st.CPUSeconds = cpuSeconds()
	return st
}

func mergeStats(t *ShardStats, s ShardStats) {
	t.Stats.Add(s.Stats)
	t.MinRequests = min(t.MinRequests, s.MinRequests)
	t.MaxRequests = max(t.MaxRequests, s.MaxRequests)
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// ServeShard is the main of a lab shard (ShardEnv set): it reads its spec
// from in, starts its GS110TPs, answers "stats" lines until in ends, then
// stops them. It returns the process's exit code.
func ServeShard(in io.Reader, out io.Writer) int {
	// Ctrl-C in a terminal reaches the whole process group: the lab that
	// started this process decides when it ends, by closing our stdin.
	signal.Ignore(os.Interrupt)
	rd := bufio.NewReader(in)
	enc := json.NewEncoder(out)
	line, err := rd.ReadBytes('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "lab shard: no spec on stdin:", err)
		return 3
	}
	var spec shardSpec
	if err := json.Unmarshal(line, &spec); err != nil {
		fmt.Fprintln(os.Stderr, "lab shard: spec:", err)
		return 3
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := Config{SNMPVersion: spec.Secrets.Version, RTT: spec.RTT, Loss: spec.Loss, Seed: spec.Seed, Sites: spec.Sites, SiteRTT: spec.SiteRTT}
	ports := newPorts(spec.Shard)
	sws := make([]*sim.GS110TP, 0, spec.Count)
	srvs := make([]*sim.Server, 0, spec.Count)
	defer func() {
		for _, s := range srvs {
			s.Close()
		}
	}()
	reply := shardReply{Addrs: make([]string, 0, spec.Count)}
	for j := spec.First; j < spec.First+spec.Count; j++ {
		sw, srv, err := serveOne(ctx, ports, j, cfg, spec.Secrets)
		if err != nil {
			enc.Encode(shardReply{Error: err.Error()})
			return 1
		}
		sws = append(sws, sw)
		srvs = append(srvs, srv)
		reply.Addrs = append(reply.Addrs, srv.Addr())
	}
	if err := enc.Encode(reply); err != nil {
		return 1
	}
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return 0 // the lab closed our stdin: stop
		}
		if strings.TrimSpace(line) == "stats" {
			if err := enc.Encode(sumStats(sws)); err != nil {
				return 1
			}
		}
	}
}

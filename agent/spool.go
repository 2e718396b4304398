package agent

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/qosagent/qosagent/vendors"
)

// Line is what a report keeps in memory of every switch: enough for the
// table's rows, the summaries and the metrics. A spooled report keeps the
// rest of each result on disk (Engine.Spool).
type Line struct {
	Site, Name, Vendor string
	Status             Status
	ErrorClass         string
	Order              vendors.Order
	// DSCP is the switch's global map (DSCPMap) when Mapped; Top is its top
	// queue, -1 when unknown.
	DSCP              [vendors.NumDSCP]int8
	Mapped            bool
	Top               int8
	Findings, Changes int32
	Requests, Retries int64
	// Detail: the table lists this switch's findings, changes or error.
	Detail bool
}

// lineOf condenses one result.
func lineOf(s *SwitchResult) Line {
	l := Line{Site: s.Site, Name: s.Name, Vendor: s.Vendor, Status: s.Status, ErrorClass: s.ErrorClass, Order: s.Order,
		Findings: int32(len(s.Findings)), Changes: int32(s.ChangeCount()), //nolint:gosec // a switch has far fewer than 2^31
		Requests: s.Requests, Retries: s.Retries, Top: -1,
		Detail: s.Status != StatusCompliant || s.Error != ""}
	if len(s.DSCPMap) == vendors.NumDSCP {
		l.Mapped = true
		for d, q := range s.DSCPMap {
			l.DSCP[d] = int8(q) //nolint:gosec // queues are 0..7
		}
	}
	if s.TopQueue != nil {
		l.Top = int8(*s.TopQueue) //nolint:gosec // queues are 0..7
	}
	return l
}

// spool holds a run's results out of memory: each is encoded as JSON once,
// by the worker that produced it, and appended to an unlinked temporary
// file; only its Line and its place in the file stay in memory. The report
// is then written in inventory order by copying those bytes, so a fleet of
// 100,000 switches costs a few MiB of heap instead of 15 KB a switch held
// until the end, and the garbage collector has nothing growing to trace.
type spool struct {
	mu    sync.Mutex
	f     *os.File
	w     *bufio.Writer
	size  int64
	off   []int64 // by switch index; -1 while unknown
	n     []int32
	lines []Line
	err   error // the first write error; the report fails with it
}

func newSpool(dir string, n int) (*spool, error) {
	f, err := os.CreateTemp(dir, "qosagent-report-*.json")
	if err != nil {
		return nil, fmt.Errorf("report spool: %w", err)
	}
	// Unlinked at once: the file goes away with the process, however it ends.
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("report spool: %w", err)
	}
	s := &spool{f: f, w: bufio.NewWriterSize(f, 256<<10), off: make([]int64, n), n: make([]int32, n), lines: make([]Line, n)}
	for i := range s.off {
		s.off[i] = -1
	}
	return s, nil
}

// linesOnly is a spool that keeps each switch's Line and nothing else, for
// a report that only counts (Engine.LinesOnly): no file, no encoding.
func linesOnly(n int) *spool { return &spool{lines: make([]Line, n)} }

// errLinesOnly is what reading a result back from a linesOnly spool gives.
var errLinesOnly = errors.New("report: the run kept only each switch's counts (a summary), not its results")

// put stores result i, its report encoding b made by the caller's
// goroutine (encErr when that failed).
func (s *spool) put(i int, res *SwitchResult, b []byte, encErr error) {
	line := lineOf(res)
	if s.f == nil {
		s.mu.Lock()
		s.lines[i] = line
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines[i] = line
	if encErr != nil {
		s.fail(fmt.Errorf("report: encode %s: %w", res.Name, encErr))
		return
	}
	if _, err := s.w.Write(b); err != nil {
		s.fail(fmt.Errorf("report spool: %w", err))
		return
	}
	s.off[i], s.n[i] = s.size, int32(len(b)) //nolint:gosec // one result is far below 2 GiB
	s.size += int64(len(b))
}

// encodes says whether put needs the result's report encoding.
func (s *spool) encodes() bool { return s.f != nil }

// fail keeps the first error; the report fails with it.
func (s *spool) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// flush makes every result put so far readable with raw.
func (s *spool) flush() error {
	if s.f == nil {
		return errLinesOnly
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if err := s.w.Flush(); err != nil {
		s.fail(fmt.Errorf("report spool: %w", err))
	}
	return s.err
}

// raw reads result i's JSON into buf (grown as needed); after flush only.
func (s *spool) raw(i int, buf []byte) ([]byte, error) {
	if s.off[i] < 0 {
		return nil, fmt.Errorf("report: switch %d has no result", i)
	}
	n := int(s.n[i])
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := s.f.ReadAt(buf, s.off[i]); err != nil && err != io.EOF {
		return nil, fmt.Errorf("report spool: %w", err)
	}
	return buf, nil
}

func (s *spool) close() error {
	if s.f == nil {
		return nil
	}
	return s.f.Close()
}

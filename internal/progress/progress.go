// Package progress draws a progress bar on a terminal and keeps log lines
// off it: a log line clears the bar, is written on a line of its own, and
// the bar is drawn again below it.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Bar is a one-line progress bar on a terminal. Log output written through
// Writer never lands on the bar's line.
type Bar struct {
	mu    sync.Mutex
	w     io.Writer
	line  string // the bar as drawn; "" when none is on screen
	start time.Time
	last  time.Time
	now   func() time.Time
}

// New returns a bar drawing on w, which must be a terminal.
func New(w io.Writer) *Bar {
	return &Bar{w: w, now: time.Now, start: time.Now()}
}

const clear = "\r\033[K" // carriage return, erase to end of line

// Update redraws the bar: switches done of total, errors so far, ETA.
// Redraws are throttled to 10 a second so a fleet of thousands does not
// flood the terminal; the last one (done == total) always draws and ends
// the bar's line.
func (b *Bar) Update(done, total, failed int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if done < total && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	line := Line(done, total, failed, now.Sub(b.start))
	if done >= total {
		fmt.Fprint(b.w, clear+line+"\n")
		b.line = ""
		return
	}
	fmt.Fprint(b.w, clear+line)
	b.line = line
}

// Writer returns a writer for log output: each write clears the bar first
// and draws it again after. Log handlers write whole records in one call.
func (b *Bar) Writer() io.Writer { return barWriter{b} }

type barWriter struct{ b *Bar }

func (w barWriter) Write(p []byte) (int, error) {
	b := w.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.line != "" {
		io.WriteString(b.w, clear)
	}
	n, err := b.w.Write(p)
	if b.line != "" {
		io.WriteString(b.w, b.line)
	}
	return n, err
}

// Line renders "[#####.....] 50/100 switches, 2 errors, ETA 3s".
func Line(done, total, failed int, elapsed time.Duration) string {
	const width = 30
	filled := 0
	if total > 0 {
		filled = min(done, total) * width / total
	}
	eta := ""
	if done > 0 && done < total {
		left := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
		eta = ", ETA " + left.Round(time.Second).String()
	}
	return fmt.Sprintf("[%s%s] %d/%d switches, %d errors%s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, failed, eta)
}

package progress

import (
	"bytes"
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	if got := Line(50, 100, 2, 10*time.Second); got != "[###############...............] 50/100 switches, 2 errors, ETA 10s" {
		t.Errorf("got %q", got)
	}
	if got := Line(3, 3, 0, time.Second); got != "[##############################] 3/3 switches, 0 errors" {
		t.Errorf("got %q", got)
	}
}

// TestLogLineClearsAndRedrawsTheBar: a log line written while the bar is
// up erases it first and draws it again after.
func TestLogLineClearsAndRedrawsTheBar(t *testing.T) {
	var b bytes.Buffer
	bar := New(&b)
	bar.Update(1, 4, 0)
	drawn := b.String()
	b.Reset()
	bar.Writer().Write([]byte("level=INFO msg=writing\n"))
	want := "\r\033[Klevel=INFO msg=writing\n" + drawn[len("\r\033[K"):]
	if b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
	b.Reset()
	bar.Update(4, 4, 0)
	b.Reset()
	bar.Writer().Write([]byte("after\n"))
	if b.String() != "after\n" {
		t.Fatalf("after the bar ended: %q", b.String())
	}
}

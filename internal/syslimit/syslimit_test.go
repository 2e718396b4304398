package syslimit

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	linux := Limits{OpenFiles: 20000, OpenFilesHard: 20000, PortLo: 32768, PortHi: 60999}
	tests := []struct {
		l                  Limits
		concurrency, fleet int
		want               []string // in the error; nil: fits
	}{
		{linux, 128, 100000, nil},
		{linux, 20000 - Reserve, 100000, nil},
		{linux, 20000 - Reserve + 1, 100000, []string{"--concurrency 19937", "RLIMIT_NOFILE", "hard limit 20000", "at most 19936", "ulimit -n"}},
		{linux, 30000, 1000, nil}, // a small fleet never has more in flight than itself
		{Limits{OpenFiles: 1024, OpenFilesHard: 4096}, 2000, 5000, []string{"2000 switches at once need 2064 open files", "may open 1024", "at most 960"}},
		{Limits{OpenFiles: 1024, OpenFilesHard: 4096}, 4096, 2000, []string{"--concurrency 4096: 2000 switches at once"}},
		{Limits{OpenFiles: 1 << 20, OpenFilesHard: 1 << 20, PortLo: 60000, PortHi: 60999}, 1001, 5000, []string{"--concurrency 1001", "60000-60999, 1000 ports", "ip_local_port_range", "at most 1000"}},
		{Limits{OpenFiles: 1 << 20, PortLo: 60000, PortHi: 60999}, 1000, 5000, nil},
		{Limits{}, 4096, 100000, nil}, // nothing known: nothing refused
		{Limits{OpenFiles: 10}, 128, 0, nil},
	}
	for _, tt := range tests {
		err := tt.l.Check(tt.concurrency, tt.fleet)
		if (err != nil) != (tt.want != nil) {
			t.Errorf("%+v at %d of %d: %v", tt.l, tt.concurrency, tt.fleet, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v at %d of %d: %q lacks %q", tt.l, tt.concurrency, tt.fleet, err, w)
			}
		}
	}
}

func TestParsePortRange(t *testing.T) {
	for _, tt := range []struct {
		in     string
		lo, hi int
		ok     bool
	}{
		{"32768\t60999\n", 32768, 60999, true},
		{"1024 65535", 1024, 65535, true},
		{"60999 32768", 0, 0, false},
		{"0 100", 0, 0, false},
		{"1 70000", 0, 0, false},
		{"x y", 0, 0, false},
		{"", 0, 0, false},
	} {
		lo, hi, err := ParsePortRange(tt.in)
		if (err == nil) != tt.ok || lo != tt.lo || hi != tt.hi {
			t.Errorf("%q: %d %d %v", tt.in, lo, hi, err)
		}
	}
}

func TestReadThisProcess(t *testing.T) {
	l, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	if l.OpenFiles == 0 || l.OpenFiles > l.OpenFilesHard {
		t.Errorf("%+v", l)
	}
}

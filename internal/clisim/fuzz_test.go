package clisim

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzSession types arbitrary input at every dialect and variant: the CLI
// must neither panic nor leave a configuration its dialect calls invalid,
// whatever a client (or line noise) sends.
func FuzzSession(f *testing.F) {
	for _, c := range cases {
		var b strings.Builder
		b.WriteString("enable\r" + c.pagingOff + "\r" + c.configEnter + "\r")
		for _, s := range c.change {
			b.WriteString(s.line + "\r")
		}
		b.WriteString(c.configExit + "\r" + c.save + "\r" + c.saveYes + "\r")
		for _, s := range c.shows {
			b.WriteString(s + "\r")
		}
		f.Add(uint8(0), b.String())
	}
	f.Add(uint8(1), "enable\rconfigure terminal\rinterface gi1/0/5\rmls qos trust dscp\rint Gi 1/0/9\rend\rshow mls qos interface Gi1/0/5\r")
	f.Add(uint8(3), "enable\rconfigure terminal\rinterface GigabitEthernet1/0/8\rno qos trust\rqos trust\rexit\rpriority-queue out num-of-queues 8\r")
	f.Add(uint8(5), "enable\rconfigure\rinterface 1/0/5\rclassofservice trust untrusted\rexit\rcos-queue strict 5 6\rexit\rwrite memory confirm\rshow classofservice trust 1/0/5\r")
	variants := []struct {
		dialect string
		o       Options
	}{
		{"cisco-ios", Options{}}, {"cisco-ios", Options{StackPorts: true}},
		{"cisco-sb", Options{}}, {"cisco-sb", Options{Queues: 8}},
		{"netgear-fastpath", Options{}}, {"netgear-fastpath", Options{Queues: 7, NoMaxBandwidth: true}},
	}
	f.Fuzz(func(t *testing.T, variant uint8, input string) {
		v := variants[int(variant)%len(variants)]
		sw, err := NewWithOptions(v.dialect, v.o)
		if err != nil {
			t.Fatal(err)
		}
		err = sw.ServeSession(strings.NewReader(input), io.Discard, SessionOptions{})
		if err != nil && err != ErrDropped {
			t.Fatalf("ServeSession: %v", err)
		}
		for _, c := range []Config{sw.Running(), sw.Startup()} {
			if err := sw.d.validate(c); err != nil {
				t.Fatalf("after %q: invalid config: %v", input, err)
			}
		}
		var out bytes.Buffer
		if err := sw.ServeSession(strings.NewReader("show running-config\r"), &out, SessionOptions{StartPrivileged: true}); err != nil {
			t.Fatal(err)
		}
	})
}

package sshconn

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	iosPrompt = regexp.MustCompile(`[\w.\-@/:]{1,63}#\s?$`)
	iosPager  = regexp.MustCompile(`-+\s?More\s?-+`)
	fpPager   = regexp.MustCompile(`-+\s?More\s?-+|--More-- or \(q\)uit`)
)

func iosExpect() Expect {
	return Expect{
		Prompt:  iosPrompt,
		Pager:   iosPager,
		Answers: []Answer{{Pattern: regexp.MustCompile(`Destination filename \[startup-config\]\?\s*$`), Reply: ""}},
		Refuse: []*regexp.Regexp{
			regexp.MustCompile(`(?i)erase`), regexp.MustCompile(`(?i)reload`),
		},
		Timeout: 2 * time.Second,
	}
}

func TestChannelSend(t *testing.T) {
	tests := []struct {
		name   string
		cmd    string
		expect func(*Expect)
		script func(p *fakePeer)
		want   string
	}{{
		name: "echo stripped",
		cmd:  "show version",
		script: func(p *fakePeer) {
			p.send("show version\r\n", "Cisco IOS Software\r\nuptime 1 day\r\nsw1#")
		},
		want: "Cisco IOS Software\nuptime 1 day",
	}, {
		name:   "no echo",
		cmd:    "show version",
		script: func(p *fakePeer) { p.send("Cisco IOS Software\r\nsw1#") },
		want:   "Cisco IOS Software",
	}, {
		name:   "echo char by char",
		cmd:    "show clock",
		script: func(p *fakePeer) { p.send("s", "h", "ow c", "lock", "\r", "\n", "12:00\r\n", "sw1#") },
		want:   "12:00",
	}, {
		name: "echo ending like a prompt is not a prompt",
		cmd:  "show run | include sw1#",
		script: func(p *fakePeer) {
			p.send("show run | include sw1#")
			time.Sleep(20 * time.Millisecond)
			p.send("\r\n", "hostname sw1#\r\nsw1#")
		},
		want: "hostname sw1#",
	}, {
		name:   "prompt split across reads",
		cmd:    "show clock",
		script: func(p *fakePeer) { p.send("show clock\r\n12:00\r\ns", "w", "1", "#") },
		want:   "12:00",
	}, {
		name:   "crlf split across reads",
		cmd:    "x",
		script: func(p *fakePeer) { p.send("x\r", "\na\r", "\nb\r", "\r\n", "sw1#") },
		want:   "a\nb",
	}, {
		name: "output line that looks like a prompt is not the last line",
		cmd:  "show run",
		script: func(p *fakePeer) {
			p.send("show run\r\nbanner sw1#\r\n", "end\r\nsw1#")
		},
		want: "banner sw1#\nend",
	}, {
		name: "pager mid-output",
		cmd:  "show mls qos maps dscp-output-q",
		script: func(p *fakePeer) {
			p.send("show mls qos maps dscp-output-q\r\nrow1\r\nrow2\r\n --More-- ")
			if p.waitFor(" ") {
				p.send("\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\brow3\r\nsw1#")
			}
		},
		want: "row1\nrow2\nrow3",
	}, {
		name: "pager split across reads",
		cmd:  "show x",
		script: func(p *fakePeer) {
			p.send("show x\r\nrow1\r\n --Mo", "re-", "- ")
			if p.waitFor(" ") {
				p.send("\r          \rrow2\r\n --More-- ")
			}
			if p.waitFor(" ") {
				p.send("\x1b[10D\x1b[Krow3\r\nsw1#")
			}
		},
		want: "row1\nrow2\nrow3",
	}, {
		name:   "fastpath pager",
		cmd:    "show classofservice ip-dscp-mapping",
		expect: func(e *Expect) { e.Pager = fpPager },
		script: func(p *fakePeer) {
			p.send("show classofservice ip-dscp-mapping\r\n0 1\r\n--More-- or (q)uit")
			if p.waitFor(" ") {
				p.send("\r                  \r1 0\r\n(NETGEAR Switch) #")
			}
		},
		want: "0 1\n1 0",
	}, {
		name: "ansi colours, title and cursor moves",
		cmd:  "show x",
		script: func(p *fakePeer) {
			p.send("\x1b]0;sw1\x07show x\r\n\x1b[1m", "bold\x1b[0", "m text\r\n\x1b[", "?25hsw1", "#\x1b[0m")
		},
		want: "bold text",
	}, {
		name: "answer a confirmation",
		cmd:  "copy running-config startup-config",
		script: func(p *fakePeer) {
			p.send("copy running-config startup-config\r\nDestination filename [startup-config]? ")
			if p.waitFor("\n") {
				p.send("\r\nBuilding configuration...\r\n[OK]\r\nsw1#")
			}
		},
		want: "Destination filename [startup-config]? \n\nBuilding configuration...\n[OK]",
	}, {
		name: "text before the prompt on the prompt line is kept",
		cmd:  "x",
		script: func(p *fakePeer) {
			p.send("x\r\nno newline at end sw1#")
		},
		want: "no newline at end ",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, p := newPipeChannel(t)
			e := iosExpect()
			e.Prompt = regexp.MustCompile(`[\w.\-@/:]{1,63}#\s?$|\([\w.\-@/: ]{1,63}\)\s?#\s?$`)
			if tt.expect != nil {
				tt.expect(&e)
			}
			go func() {
				if p.waitFor(tt.cmd + "\n") {
					tt.script(p)
				}
			}()
			got, err := c.Send(context.Background(), tt.cmd, e)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got != tt.want {
				t.Errorf("Send = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestChannelReadUntilBanner(t *testing.T) {
	c, p := newPipeChannel(t)
	go p.send("\r\n\x1b[2J\x1b[H", "*****\r\nAuthorized access only\r\n*****\r\n\r\n", "lab-core>")
	e := iosExpect()
	e.Prompt = regexp.MustCompile(`[\w.\-@/:]{1,63}>\s?$`)
	got, err := c.ReadUntil(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if want := "\n*****\nAuthorized access only\n*****"; got != want {
		t.Errorf("banner = %q, want %q", got, want)
	}
}

func TestChannelRefuse(t *testing.T) {
	for _, withAnswer := range []bool{false, true} {
		c, p := newPipeChannel(t)
		e := iosExpect()
		if withAnswer {
			// A broad answer must not win over a refusal.
			e.Answers = append(e.Answers, Answer{Pattern: regexp.MustCompile(`\[confirm\]\s*$`), Reply: ""})
		}
		go func() {
			if p.waitFor("reload\n") {
				p.send("reload\r\nProceed with reload? [confirm]")
			}
			if p.waitFor("\x03") {
				p.send("^C\r\nsw1#")
			}
			if p.waitFor("show clock\n") {
				p.send("12:00\r\nsw1#")
			}
		}()
		_, err := c.Send(context.Background(), "reload", e)
		if !errors.Is(err, ErrRefusedPrompt) {
			t.Fatalf("Send(reload) = %v, want ErrRefusedPrompt", err)
		}
		if !strings.Contains(err.Error(), "Proceed with reload? [confirm]") {
			t.Errorf("error does not quote the question: %v", err)
		}
		if strings.Contains(p.written(), "\n\n") {
			t.Errorf("the question was answered: client wrote %q", p.written())
		}
		// Ctrl-C brought the prompt back: the channel stays usable.
		got, err := c.Send(context.Background(), "show clock", e)
		if err != nil || got != "12:00" {
			t.Fatalf("after refusal: %q, %v", got, err)
		}
	}
}

// A refuse pattern in ordinary output must not abort while data flows.
func TestChannelRefuseOnlyWhenQuiet(t *testing.T) {
	c, p := newPipeChannel(t)
	go func() {
		if p.waitFor("show run\n") {
			p.send("show run\r\n", "boot system flash reload-image")
			time.Sleep(50 * time.Millisecond)
			p.send(".bin\r\nend\r\nsw1#")
		}
	}()
	got, err := c.Send(context.Background(), "show run", iosExpect())
	if err != nil {
		t.Fatal(err)
	}
	if got != "boot system flash reload-image.bin\nend" {
		t.Errorf("got %q", got)
	}
}

func TestChannelTimeout(t *testing.T) {
	c, p := newPipeChannel(t)
	go func() {
		if p.waitFor("show x\n") {
			p.send("show x\r\npartial output\r\nUnexpected question [yes/no]: ")
		}
	}()
	e := iosExpect()
	e.Timeout = 300 * time.Millisecond
	start := time.Now()
	_, err := c.Send(context.Background(), "show x", e)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
	if !strings.Contains(err.Error(), "Unexpected question [yes/no]: ") || !strings.Contains(err.Error(), "show x") {
		t.Errorf("error should quote the command and the last output: %v", err)
	}
	// Output may still arrive for the timed-out command: the channel
	// refuses further use rather than mixing outputs.
	if _, err := c.Send(context.Background(), "show y", e); err == nil || !strings.Contains(err.Error(), "unusable") {
		t.Errorf("after timeout: %v", err)
	}
}

func TestChannelTimeoutTailIsBounded(t *testing.T) {
	c, p := newPipeChannel(t)
	go func() {
		if p.waitFor("x\n") {
			p.send(strings.Repeat("a", 1000) + "END")
		}
	}()
	e := iosExpect()
	e.Timeout = 200 * time.Millisecond
	_, err := c.Send(context.Background(), "x", e)
	if err == nil || !strings.Contains(err.Error(), "aaaEND") || strings.Count(err.Error(), "a") > 260 {
		t.Errorf("err = %v", err)
	}
}

func TestChannelMaxOutput(t *testing.T) {
	c, p := newPipeChannel(t)
	stop := make(chan struct{})
	go func() {
		if !p.waitFor("show tech\n") {
			return
		}
		for {
			select {
			case <-stop:
				return
			default:
				p.send(strings.Repeat("line of never ending output\r\n", 20))
			}
		}
	}()
	defer close(stop)
	e := iosExpect()
	e.MaxOutput = 4096
	_, err := c.Send(context.Background(), "show tech", e)
	if !errors.Is(err, ErrOutputTooLarge) {
		t.Fatalf("err = %v, want ErrOutputTooLarge", err)
	}
	p.waitFor("\x03")
}

func TestChannelClosedByPeer(t *testing.T) {
	c, p := newPipeChannel(t)
	go func() {
		if p.waitFor("exit\n") {
			p.send("exit\r\nbye\r\n")
			p.w.Close()
		}
	}()
	_, err := c.Send(context.Background(), "exit", iosExpect())
	if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "bye") {
		t.Fatalf("err = %v, want ErrClosed quoting the output", err)
	}
}

func TestChannelContextAndClose(t *testing.T) {
	c, _ := newPipeChannel(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.Send(ctx, "show x", iosExpect()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}

	c2, _ := newPipeChannel(t)
	go func() {
		time.Sleep(100 * time.Millisecond)
		c2.Close()
	}()
	if _, err := c2.ReadUntil(context.Background(), iosExpect()); !errors.Is(err, ErrClosed) {
		t.Errorf("err = %v, want ErrClosed", err)
	}
	if err := c2.Write("x"); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v", err)
	}
}

func TestChannelWriteKeepsSecretsOutOfErrors(t *testing.T) {
	c, p := newPipeChannel(t)
	go func() {
		if p.waitFor("enable\n") {
			p.send("enable\r\nPassword: ")
		}
		if p.waitFor("s3cret\n") {
			p.send("\r\nsw1#")
		}
	}()
	e := iosExpect()
	e.Prompt = regexp.MustCompile(`(?i)password:\s?$`)
	if _, err := c.Send(context.Background(), "enable", e); err != nil {
		t.Fatal(err)
	}
	if err := c.Write("s3cret\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadUntil(context.Background(), iosExpect()); err != nil {
		t.Fatal(err)
	}
}

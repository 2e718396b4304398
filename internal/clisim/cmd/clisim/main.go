// Command clisim serves one simulated switch CLI session on stdin and
// stdout, for use as an OpenSSH ForceCommand:
//
//	clisim -dialect cisco-ios -hostname sw1 -state /var/lib/clisim/sw1.json [-enable-secret X]
//
// Variant flags (-queues, -stack-ports, -all-strict-factory,
// -no-min-bandwidth, -no-max-bandwidth) pick the hardware variant, as
// clisim.Options; a state file keeps its variant and refuses another.
//
// The switch state is loaded from the state file if it exists (else the
// factory defaults) and written back, atomically and with mode 0600, after
// every change and at exit, so that sessions build on each other.
// Concurrent sessions on one state file are not coordinated: the last
// writer wins.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/term"

	"github.com/qosagent/qosagent/internal/clisim"
	"github.com/qosagent/qosagent/internal/fsutil"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "clisim:", err)
		os.Exit(1)
	}
}

func run() error {
	dialect := flag.String("dialect", "cisco-ios", "CLI dialect: cisco-ios, cisco-sb or netgear-fastpath")
	hostname := flag.String("hostname", "", "hostname of a new switch (default: the dialect's)")
	statePath := flag.String("state", "", "state file (JSON); required")
	secret := flag.String("enable-secret", "", "secret that enable asks for (default: none)")
	banner := flag.String("banner", "", "banner printed at session start")
	privileged := flag.Bool("privileged", false, "start the session in privileged mode")
	failCommand := flag.String("fail-command", "", "fault: config lines containing this fail")
	dropAfter := flag.Int("drop-after", 0, "fault: end the session after this many config lines")
	var o clisim.Options
	flag.IntVar(&o.Queues, "queues", 0, "egress queues: 4 or 7 (netgear-fastpath), 4 or 8 (cisco-sb); 0 = the dialect's default")
	flag.BoolVar(&o.StackPorts, "stack-ports", false, "cisco-ios: name ports GigabitEthernet1/0/N")
	flag.BoolVar(&o.AllStrictFactory, "all-strict-factory", false, "cisco-sb: factory scheduler all strict, no priority-queue line")
	flag.BoolVar(&o.NoMinBandwidth, "no-min-bandwidth", false, "netgear-fastpath: show interfaces cos-queue without Min. Bandwidth")
	flag.BoolVar(&o.NoMaxBandwidth, "no-max-bandwidth", false, "netgear-fastpath: show interfaces cos-queue without Max. Bandwidth")
	flag.Parse()
	if *statePath == "" || flag.NArg() > 0 {
		flag.Usage()
		return errors.New("need -state and no arguments")
	}

	o.Hostname = *hostname
	sw, err := clisim.NewWithOptions(*dialect, o)
	if err != nil {
		return err
	}
	if err := load(sw, *statePath); err != nil {
		return err
	}
	sw.SetFaults(clisim.Faults{FailCommand: *failCommand, DropAfterConfigLines: *dropAfter})

	// On a terminal, the CLI does its own echo and line editing, like a
	// switch on the far side of a PTY.
	if fd := int(os.Stdin.Fd()); term.IsTerminal(fd) {
		old, err := term.MakeRaw(fd)
		if err != nil {
			return err
		}
		defer term.Restore(fd, old)
	}

	var saveErr error
	persist := func() {
		if err := save(sw, *statePath); err != nil && saveErr == nil {
			saveErr = err
		}
	}
	err = sw.ServeSession(os.Stdin, os.Stdout, clisim.SessionOptions{
		EnableSecret:    *secret,
		Banner:          *banner,
		StartPrivileged: *privileged,
		OnChange:        persist,
	})
	persist()
	if errors.Is(err, clisim.ErrDropped) {
		err = nil // the injected fault is the expected end
	}
	return errors.Join(err, saveErr)
}

func load(sw *clisim.Switch, path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var st clisim.State
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := sw.Restore(st); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// save writes the state to a temporary file beside path and renames it
// over path, so that a reader never sees half a file.
func save(sw *clisim.Switch, path string) error {
	b, err := json.MarshalIndent(sw.Snapshot(), "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteAtomic(path, append(b, '\n'), 0o600)
}

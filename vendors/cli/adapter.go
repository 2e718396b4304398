package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/qosagent/qosagent/inventory"
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/cli/sshconn"
)

// Options are run-wide settings of the CLI adapters.
type Options struct {
	AcceptNewHostKeys bool // --accept-new-host-keys: record unknown host keys (logged)
	Logger            *slog.Logger
}

// Platforms returns one vendors.Platform per embedded dialect.
func Platforms(opts Options) ([]vendors.Platform, error) {
	ds, err := Dialects()
	if err != nil {
		return nil, err
	}
	cache := &sshconn.Cache{} // known_hosts and keys parsed once per run, not per switch
	var ps []vendors.Platform
	for _, d := range ds {
		ps = append(ps, vendors.Platform{Name: d.Name, Transport: inventory.TransportSSH, Factory: d.factory,
			Open: func(sw inventory.Switch) (vendors.Adapter, error) {
				return &Adapter{d: d, sw: sw, opts: opts, cache: cache}, nil
			}})
	}
	return ps, nil
}

// maxShowOutput bounds one show command's output; a DSCP map is a few KiB.
const maxShowOutput = 4 << 20

// Adapter drives one switch's CLI over one SSH session, opened at the first
// call and kept for the whole transaction (read, write, read back, save).
type Adapter struct {
	d     *Dialect
	sw    inventory.Switch
	opts  Options
	cache *sshconn.Cache

	client *sshconn.Client
	ch     *sshconn.Channel

	cur  vendors.State // last state read, for config-line rendering
	det  detail        // device details config lines preserve
	read bool
}

func (a *Adapter) logger() *slog.Logger {
	if a.opts.Logger != nil {
		return a.opts.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (a *Adapter) expect() sshconn.Expect {
	return sshconn.Expect{Prompt: a.d.prompt, Pager: a.d.pager, Refuse: a.d.refuse, Timeout: a.sw.SSH.Timeout, MaxOutput: maxShowOutput}
}

// session logs in, reaches privileged mode and turns paging off.
func (a *Adapter) session(ctx context.Context) (*sshconn.Channel, error) {
	if a.ch != nil {
		return a.ch, nil
	}
	s := a.sw.SSH
	client, err := sshconn.Dial(ctx, sshconn.Config{
		Host: a.sw.Host, Port: a.sw.Port, User: s.Username,
		KeyFile: s.KeyFile, KeyPassphrase: s.KeyPassphrase.Value(), Password: s.Password.Value(),
		KnownHosts: s.KnownHosts, AcceptNewHostKeys: a.opts.AcceptNewHostKeys, Cache: a.cache,
		LegacyAlgorithms: s.LegacyAlgorithms, Timeout: s.Timeout, Logger: a.logger().With("switch", a.sw.Name),
	})
	if err != nil {
		return nil, err
	}
	ch, err := client.Shell(ctx)
	if err != nil {
		client.Close()
		return nil, err
	}
	a.client, a.ch = client, ch
	if _, err := ch.ReadUntil(ctx, a.expect()); err != nil {
		a.Close()
		return nil, fmt.Errorf("login: %w", err)
	}
	// A banner line such as "Switch#" at the end of a read chunk looks
	// like the prompt: trust the prompt only once it answers a newline.
	if err := ch.ConfirmPrompt(ctx, a.expect()); err != nil {
		a.Close()
		return nil, fmt.Errorf("login: %w", err)
	}
	if a.d.exec.MatchString(ch.LastPrompt()) && a.d.Enable != "" {
		e := a.expect()
		if a.d.enablePrompt != nil {
			e.Answers = []sshconn.Answer{{Pattern: a.d.enablePrompt, Reply: s.EnableSecret.Value()}}
		}
		out, err := a.send(ctx, ch, a.d.Enable, e)
		if err != nil {
			return nil, fmt.Errorf("enable: %w", err)
		}
		if !a.d.privileged.MatchString(ch.LastPrompt()) {
			a.Close()
			return nil, fmt.Errorf("enable refused (%s): check enable_secret: %w", lastLines(out, 1), vendors.ErrAuth)
		}
	}
	for _, cmd := range a.d.OnOpen {
		// A refused paging-off command is tolerated: the pager is answered anyway.
		if out, err := a.send(ctx, ch, cmd, a.expect()); err != nil {
			return nil, err
		} else if m := a.errorMarker(out); m != "" {
			a.logger().Debug("on-open command refused", "switch", a.sw.Name, "command", cmd, "output", m)
		}
	}
	return ch, nil
}

// send runs one command; on a transport failure (timeout, cut connection)
// the session is dropped, so the next call (a read-back or a rollback)
// starts a fresh one instead of failing on a channel out of step.
func (a *Adapter) send(ctx context.Context, c *sshconn.Channel, line string, e sshconn.Expect) (string, error) {
	out, err := c.Send(ctx, line, e)
	if err != nil {
		a.Close()
		if !errors.Is(err, sshconn.ErrRefusedPrompt) {
			// The line may have run: no prompt came back in time, or the
			// connection was cut before it did.
			err = vendors.OutcomeUnknown(err)
		}
	}
	return out, err
}

// SaveTimeout is how long a save may take: the inventory's save_timeout,
// else the dialect's save.timeout, else the default.
func (a *Adapter) SaveTimeout() time.Duration {
	switch {
	case a.sw.SSH.SaveTimeout > 0:
		return a.sw.SSH.SaveTimeout
	case a.d.Save.Timeout > 0:
		return a.d.Save.Timeout
	}
	return inventory.DefaultSaveTimeout
}

// RequestTimeout is the timeout of one command.
func (a *Adapter) RequestTimeout() time.Duration { return a.sw.SSH.Timeout }

// SetRequestTimeout changes the timeout of every later command (and of
// the connection), for the patient re-reads that settle an unknown outcome.
func (a *Adapter) SetRequestTimeout(d time.Duration) { a.sw.SSH.Timeout = d }

// errorMarker returns the line of out carrying one of the dialect's error
// markers, or "".
func (a *Adapter) errorMarker(out string) string {
	for _, l := range strings.Split(out, "\n") {
		for _, m := range a.d.ErrorMarkers {
			if strings.Contains(l, m) {
				return strings.TrimSpace(l)
			}
		}
	}
	return ""
}

// Read runs the dialect's show commands and parses them.
func (a *Adapter) Read(ctx context.Context) (vendors.State, error) {
	ch, err := a.session(ctx)
	if err != nil {
		return vendors.State{}, err
	}
	r := a.d.newReading()
	// Show commands leave the mode as it is: only the prompt they start
	// from ends their output, not a prompt-like line inside it.
	e := a.expect()
	e.Same = ch.LastPrompt()
	for _, rc := range a.d.Read {
		out, err := a.send(ctx, ch, rc.Command, e)
		if err != nil {
			return vendors.State{}, err
		}
		if m := a.errorMarker(out); m != "" {
			return vendors.State{}, fmt.Errorf("%q: the switch answered %q: %w", rc.Command, m, vendors.ErrUnsupported)
		}
		if err := parsers[rc.Parser](out, r); err != nil {
			if vendors.Class(err) == vendors.ClassOther {
				err = fmt.Errorf("%w: %w", err, vendors.ErrParse)
			}
			return vendors.State{}, fmt.Errorf("%q: unexpected output: %w", rc.Command, err)
		}
	}
	st, err := a.d.toState(r)
	if err != nil {
		if vendors.Class(err) == vendors.ClassOther {
			err = fmt.Errorf("%w: %w", err, vendors.ErrParse)
		}
		return st, err
	}
	a.cur, a.det, a.read = st.Clone(), detail{threshold: r.threshold}, true
	return st, nil
}

// Write sends the change in one config session and stops at the first line
// the switch refuses; the engine then reads back and restores the backup.
func (a *Adapter) Write(ctx context.Context, ch vendors.Change) error {
	if !a.read {
		return errors.New("write before read")
	}
	if ch.Save && !ch.Writes() {
		return nil
	}
	lines, err := a.d.configLines(a.cur, ch, a.det)
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return nil
	}
	c, err := a.session(ctx)
	if err != nil {
		return err
	}
	if out, err := a.send(ctx, c, a.d.ConfigEnter, a.expect()); err != nil {
		return err
	} else if m := a.errorMarker(out); m != "" || !a.d.config.MatchString(c.LastPrompt()) {
		return fmt.Errorf("%q did not enter config mode: %s: %w", a.d.ConfigEnter, orElse(m, c.LastPrompt()), vendors.ErrRefused)
	}
	var failed error
	for i, l := range lines {
		out, err := a.send(ctx, c, l, a.expect())
		if err != nil {
			return fmt.Errorf("config line %d of %d %q: %w", i+1, len(lines), l, err)
		}
		if m := a.errorMarker(out); m != "" {
			failed = fmt.Errorf("config line %d of %d %q refused: %s: %w", i+1, len(lines), l, m, vendors.ErrRefused)
			break
		}
	}
	if err := a.leaveConfig(ctx, c); err != nil && failed == nil {
		failed = err
	}
	return failed
}

// Commands implements vendors.Previewer: the lines Write types for ch,
// entering and leaving config mode included, in order.
func (a *Adapter) Commands(ch vendors.Change) ([]string, error) {
	if !a.read {
		return nil, errors.New("preview before read")
	}
	if ch.Save && !ch.Writes() {
		return nil, nil // as Write: only the save is due
	}
	lines, err := a.d.configLines(a.cur, ch, a.det)
	if err != nil || len(lines) == 0 {
		return nil, err
	}
	out := append([]string{a.d.ConfigEnter}, lines...)
	return append(out, a.d.ConfigExit), nil
}

// SaveCommands implements vendors.Previewer.
func (a *Adapter) SaveCommands() []string { return []string{a.d.Save.Command} }

// Probe implements vendors.Prober: the SSH server's identification and
// host key, checked against known_hosts; it does not log in.
func (a *Adapter) Probe(ctx context.Context) (string, error) {
	s := a.sw.SSH
	p, err := sshconn.Probe(ctx, sshconn.Config{Host: a.sw.Host, Port: a.sw.Port, User: s.Username,
		KnownHosts: s.KnownHosts, Cache: a.cache, LegacyAlgorithms: s.LegacyAlgorithms, Timeout: s.Timeout,
		Logger: a.logger().With("switch", a.sw.Name)})
	if err != nil {
		return p.ServerVersion, err
	}
	return fmt.Sprintf("%s, host key %s %s in %s", p.ServerVersion, p.KeyType, p.Fingerprint, s.KnownHosts), nil
}

// leaveConfig returns to privileged mode from any config sub-mode.
func (a *Adapter) leaveConfig(ctx context.Context, c *sshconn.Channel) error {
	for i := 0; i < 4 && a.d.config.MatchString(c.LastPrompt()); i++ {
		if _, err := a.send(ctx, c, a.d.ConfigExit, a.expect()); err != nil {
			return fmt.Errorf("leaving config mode: %w", err)
		}
	}
	if a.d.config.MatchString(c.LastPrompt()) {
		return fmt.Errorf("still in config mode after %q", a.d.ConfigExit)
	}
	return nil
}

// Save copies running to startup config, answering the dialect's
// confirmation and never a prompt that erases or reloads.
func (a *Adapter) Save(ctx context.Context) error {
	c, err := a.session(ctx)
	if err != nil {
		return err
	}
	e := a.expect()
	// Saving to flash is slow on small switches: the save has a timeout of
	// its own, and ctx may bound it further.
	e.Timeout = a.SaveTimeout()
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < e.Timeout {
		e.Timeout = max(time.Until(dl), time.Millisecond)
	}
	for _, an := range a.d.saveAnswers {
		e.Answers = append(e.Answers, sshconn.Answer{Pattern: an.pattern, Reply: an.reply})
	}
	out, err := a.send(ctx, c, a.d.Save.Command, e)
	if err != nil {
		return fmt.Errorf("save: %w", err)
	}
	if m := a.errorMarker(out); m != "" {
		return fmt.Errorf("save: %q refused: %s: %w", a.d.Save.Command, m, vendors.ErrSave)
	}
	if a.d.saveSuccess != nil && !a.d.saveSuccess.MatchString(out) {
		return fmt.Errorf("save: no success message after %q: %q: %w", a.d.Save.Command, lastLines(out, 3), vendors.ErrSave)
	}
	return nil
}

// Close ends the session.
func (a *Adapter) Close() error {
	var errs []error
	if a.ch != nil {
		errs = append(errs, a.ch.Close())
	}
	if a.client != nil {
		errs = append(errs, a.client.Close())
	}
	a.ch, a.client = nil, nil
	return errors.Join(errs...)
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, " / ")
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return "prompt " + b
}

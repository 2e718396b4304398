package sshconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/qosagent/qosagent/vendors"
)

// Client is an authenticated SSH connection to one switch.
type Client struct {
	addr    string
	ssh     *ssh.Client
	log     *slog.Logger
	timeout time.Duration // Config.Timeout: also bounds opening the shell
}

// Dial connects, checks the host key and authenticates. cfg.Timeout bounds
// the whole; ctx may cut it shorter.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	log := cfg.Logger.With("addr", addr, "user", cfg.User)

	hk, err := newHostKeys(cfg.KnownHosts, cfg.AcceptNewHostKeys, cfg.Cache, log)
	if err != nil {
		return nil, fmt.Errorf("ssh %s: %w", addr, err)
	}
	au, err := newAuth(cfg, log)
	if err != nil {
		return nil, fmt.Errorf("ssh %s: %w", addr, err)
	}
	defer au.close()

	algs := algorithms(cfg.LegacyAlgorithms)
	ccfg := &ssh.ClientConfig{
		User:              cfg.User,
		Auth:              au.methods,
		HostKeyCallback:   hk.check,
		HostKeyAlgorithms: hk.algorithms(addr, algs.HostKeys),
		BannerCallback: func(msg string) error {
			log.Debug("ssh banner", "banner", msg)
			return nil
		},
	}
	ccfg.KeyExchanges = algs.KeyExchanges
	ccfg.Ciphers = algs.Ciphers
	ccfg.MACs = algs.MACs

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, dialError(ctx, addr, cfg, "connect", err)
	}
	// x/crypto has no context: a deadline on the socket bounds the
	// handshake, and closing it on cancel honours ctx.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, ccfg)
	if !stop() {
		if err == nil {
			sc.Close()
			err = ctx.Err()
		}
		return nil, dialError(ctx, addr, cfg, "handshake", err)
	}
	if err != nil {
		conn.Close()
		return nil, handshakeError(ctx, addr, cfg, au, hk, err)
	}
	_ = conn.SetDeadline(time.Time{})
	log.Debug("ssh connected", "server_version", string(sc.ServerVersion()))
	return &Client{addr: addr, ssh: ssh.NewClient(sc, chans, reqs), log: log, timeout: cfg.Timeout}, nil
}

func dialError(ctx context.Context, addr string, cfg Config, stage string, err error) error {
	var ne net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("ssh %s: %s timed out after %s (host down, filtered port, or not an SSH server): %w: %w", addr, stage, cfg.Timeout, ErrTimeout, err)
	}
	if stage == "connect" {
		return fmt.Errorf("ssh %s: %s: %w: %w", addr, stage, ErrUnreachable, err)
	}
	return fmt.Errorf("ssh %s: %s: %w", addr, stage, err)
}

func handshakeError(ctx context.Context, addr string, cfg Config, au *auth, hk *hostKeys, err error) error {
	switch {
	case hk.err != nil:
		return fmt.Errorf("ssh %s: %w", addr, hk.err)
	case strings.Contains(err.Error(), "unable to authenticate"):
		return fmt.Errorf("ssh %s: user %q was refused (tried %s); check the username and credentials: %w: %w",
			addr, cfg.User, strings.Join(au.names, ", "), ErrAuth, err)
	case strings.Contains(err.Error(), "no common algorithm"):
		return fmt.Errorf("ssh %s: no common algorithm with the server (old firmware may need legacy algorithms: inventory ssh.legacy_algorithms): %w: %w", addr, vendors.ErrUnsupported, err)
	}
	return dialError(ctx, addr, cfg, "handshake", err)
}

// Close closes the connection and every channel on it.
func (c *Client) Close() error { return c.ssh.Close() }

// Shell opens a session with a PTY and a shell. The PTY is vt100, 511
// columns wide so that long commands are not scrolled or wrapped by the
// device's line editor, and 24 rows (paging still needs "terminal length 0"
// or an Expect.Pager). stderr is merged into the output.
func (c *Client) Shell(ctx context.Context) (*Channel, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	type result struct {
		ch  *Channel
		err error
	}
	res := make(chan result, 1)
	go func() {
		ch, err := c.openShell()
		res <- result{ch, err}
	}()
	select {
	case r := <-res:
		if r.err != nil {
			return nil, fmt.Errorf("ssh %s: opening shell: %w", c.addr, r.err)
		}
		return r.ch, nil
	case <-ctx.Done():
		// The only way to stop a pending channel request.
		c.ssh.Close()
		return nil, fmt.Errorf("ssh %s: opening shell: %w", c.addr, ctx.Err())
	}
}

func (c *Client) openShell() (*Channel, error) {
	sess, err := c.ssh.NewSession()
	if err != nil {
		return nil, err
	}
	modes := ssh.TerminalModes{ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
	if err := sess.RequestPty("vt100", 24, 511, modes); err != nil {
		sess.Close()
		return nil, fmt.Errorf("pty request: %w", err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	// One pipe for stdout and stderr: io.Pipe serialises the writers.
	pr, pw := io.Pipe()
	sess.Stdout, sess.Stderr = pw, pw
	if err := sess.Shell(); err != nil {
		sess.Close()
		return nil, fmt.Errorf("shell request: %w", err)
	}
	go func() {
		err := sess.Wait()
		if err == nil {
			err = io.EOF
		}
		pw.CloseWithError(err)
	}()
	rw := struct {
		io.Reader
		io.Writer
	}{pr, stdin}
	return NewChannel(rw, closers{sess, pr}), nil
}

// closers closes the session and the read end of the output pipe, so that
// neither the reader nor x/crypto's copying goroutines stay blocked.
type closers []io.Closer

func (cs closers) Close() error {
	var errs []error
	for _, c := range cs {
		if err := c.Close(); err != nil && !errors.Is(err, io.EOF) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

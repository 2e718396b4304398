package clisim

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHConfig says who may log in to an SSHServer and how its sessions
// start.
type SSHConfig struct {
	User     string
	Password string // empty disables password authentication
	// AuthorizedKey, if set, may log in as User with public-key auth.
	AuthorizedKey ssh.PublicKey
	// EnableSecret, Banner and StartPrivileged are as in SessionOptions.
	EnableSecret    string
	Banner          string
	StartPrivileged bool
	// RTT delays everything the server sends by this much, so every
	// command waits one RTT for its output and a new connection one more
	// for the TCP handshake (see delayConn). Loss is the fraction (0..1) of
	// the server's writes that are "lost" and so arrive a retransmission
	// timeout (MinRTO) + RTT late, drawn from a PRNG seeded with Seed.
	// Both zero: no simulated network.
	RTT  time.Duration
	Loss float64
	Seed uint64
}

// SSHServer serves one switch's CLI over SSH on one TCP listener.
type SSHServer struct {
	sw      *Switch
	cfg     SSHConfig
	ln      net.Listener
	hostKey ssh.Signer
	srvCfg  *ssh.ServerConfig

	nconn     atomic.Uint64 // connections accepted, to vary the loss seed
	stopCtx   func() bool
	wg        sync.WaitGroup
	mu        sync.Mutex
	conns     map[net.Conn]struct{}
	idle      chan struct{} // closed while no connection is open
	closed    bool
	closeOnce sync.Once
	closeErr  error
}

// ListenSSH serves sw on the TCP address addr (e.g. "127.0.0.1:0") until
// ctx ends or Close is called. Every server gets a fresh ed25519 host key.
func ListenSSH(ctx context.Context, addr string, sw *Switch, cfg SSHConfig) (*SSHServer, error) {
	if cfg.User == "" || cfg.Password == "" && cfg.AuthorizedKey == nil {
		return nil, errors.New("clisim: SSHConfig needs a user and a password or an authorized key")
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("clisim: host key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("clisim: host key: %w", err)
	}
	if err := checkLink(cfg.RTT, cfg.Loss); err != nil {
		return nil, err
	}
	s := &SSHServer{sw: sw, cfg: cfg, hostKey: signer, conns: make(map[net.Conn]struct{}), idle: make(chan struct{})}
	close(s.idle)
	s.srvCfg = &ssh.ServerConfig{ServerVersion: "SSH-2.0-Cisco-1.25"}
	if cfg.Password != "" {
		s.srvCfg.PasswordCallback = s.checkPassword
	}
	if cfg.AuthorizedKey != nil {
		s.srvCfg.PublicKeyCallback = s.checkKey
	}
	s.srvCfg.AddHostKey(signer)

	var lc net.ListenConfig
	s.ln, err = lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("clisim: %w", err)
	}
	s.wg.Add(1)
	go s.accept()
	s.stopCtx = context.AfterFunc(ctx, func() { s.Close() })
	return s, nil
}

// Addr returns the address the server listens on, like "127.0.0.1:54321".
func (s *SSHServer) Addr() string { return s.ln.Addr().String() }

// SetLink changes the simulated RTT and loss (see SSHConfig) for the
// connections accepted from now on; connections already open keep theirs.
func (s *SSHServer) SetLink(rtt time.Duration, loss float64) error {
	if err := checkLink(rtt, loss); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.RTT, s.cfg.Loss = rtt, loss
	return nil
}

// WaitIdle returns once no connection is open, that is when every client
// has left and the switch has handled all it sent before leaving, or with
// ctx's error. A client that has exited may have sent its last lines (a
// save's answer, exit) without waiting for their output; the switch's state
// is only final once the session has read them.
func (s *SSHServer) WaitIdle(ctx context.Context) error {
	s.mu.Lock()
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// HostKey returns the server's public host key, for known_hosts.
func (s *SSHServer) HostKey() ssh.PublicKey { return s.hostKey.PublicKey() }

// Close stops listening, drops all connections and waits for their
// goroutines to end.
func (s *SSHServer) Close() error {
	s.closeOnce.Do(func() {
		if s.stopCtx != nil {
			s.stopCtx()
		}
		s.closeErr = s.ln.Close()
		s.mu.Lock()
		s.closed = true
		for c := range s.conns {
			if dc, ok := c.(*delayConn); ok {
				dc.abort() // drop pending output at once
			} else {
				c.Close()
			}
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s.closeErr
}

func (s *SSHServer) checkPassword(md ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
	userOK := subtle.ConstantTimeCompare([]byte(md.User()), []byte(s.cfg.User))
	pwOK := subtle.ConstantTimeCompare(pw, []byte(s.cfg.Password))
	if userOK&pwOK != 1 {
		return nil, errors.New("clisim: wrong user or password")
	}
	return nil, nil
}

func (s *SSHServer) checkKey(md ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	if md.User() != s.cfg.User || !bytes.Equal(key.Marshal(), s.cfg.AuthorizedKey.Marshal()) {
		return nil, errors.New("clisim: key not authorized")
	}
	return nil, nil
}

func (s *SSHServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // closed
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		var dc *delayConn
		if s.cfg.RTT > 0 || s.cfg.Loss > 0 {
			// The n-th connection of a server always sees the same losses.
			dc = newDelayConn(c, s.cfg.RTT, s.cfg.Loss, s.cfg.Seed+s.nconn.Add(1)<<32)
			c = dc
		}
		if len(s.conns) == 0 {
			s.idle = make(chan struct{})
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serveConn(c)
			if dc != nil {
				dc.Close()  // graceful: pending output still goes out
				<-dc.Done() // a server Close aborts it at once
			}
			s.mu.Lock()
			delete(s.conns, c)
			if len(s.conns) == 0 {
				close(s.idle)
			}
			s.mu.Unlock()
			c.Close()
		}()
	}
}

func (s *SSHServer) serveConn(c net.Conn) {
	sc, chans, reqs, err := ssh.NewServerConn(c, s.srvCfg)
	if err != nil {
		return // handshake or authentication failed
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	defer wg.Wait()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveChannel(sc, ch, chReqs)
		}()
	}
}

// serveChannel answers the requests of one session channel and runs the
// CLI on it once a shell is asked for. A PTY is accepted but changes
// nothing: the CLI always behaves as on a PTY.
func (s *SSHServer) serveChannel(sc *ssh.ServerConn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	done := make(chan error, 1)
	started := false
	for {
		select {
		case req, ok := <-reqs:
			if !ok {
				if started {
					<-done
				}
				return
			}
			switch req.Type {
			case "pty-req", "env", "window-change":
				req.Reply(true, nil)
			case "shell":
				req.Reply(!started, nil)
				if !started {
					started = true
					go func() {
						done <- s.sw.ServeSession(ch, ch, SessionOptions{
							EnableSecret:    s.cfg.EnableSecret,
							Banner:          s.cfg.Banner,
							StartPrivileged: s.cfg.StartPrivileged,
						})
					}()
				}
			default:
				req.Reply(false, nil) // exec and subsystems are not simulated
			}
		case err := <-done:
			go ssh.DiscardRequests(reqs)
			if errors.Is(err, ErrDropped) {
				// A dropped connection, not a clean logout: no exit status.
				sc.Close()
				return
			}
			ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
			return
		}
	}
}

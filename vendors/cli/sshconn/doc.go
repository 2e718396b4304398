// Package sshconn is the SSH transport of the Cisco-like CLI adapters: it
// dials a switch with golang.org/x/crypto/ssh, checks its host key against
// an OpenSSH known_hosts file, and opens an interactive shell (Channel) in
// which a command is sent and its output read up to the next prompt.
//
// The package knows nothing about dialects: prompt, pager and confirmation
// patterns come from the caller in an Expect, so that vendor differences
// stay in the dialect YAML files.
//
// Host keys are checked strictly. An unknown host is refused unless
// Config.AcceptNewHostKeys is set (trust on first use); a changed key is
// always refused. Errors are actionable: they carry fingerprints, the
// known_hosts line to add or the ssh-keygen command to remove a stale one,
// and match ErrHostKeyUnknown, ErrHostKeyChanged, ErrAuth and ErrTimeout
// with errors.Is so that callers can classify a failed switch.
package sshconn

import "errors"

// Error classes; match with errors.Is.
var (
	// ErrHostKeyUnknown: the host is not in known_hosts.
	ErrHostKeyUnknown = errors.New("host key unknown")
	// ErrHostKeyChanged: known_hosts holds another key for the host.
	ErrHostKeyChanged = errors.New("host key changed")
	// ErrAuth: the server refused every authentication method offered.
	ErrAuth = errors.New("authentication failed")
	// ErrTimeout: connect, handshake or a command took too long.
	ErrTimeout = errors.New("timeout")
	// ErrRefusedPrompt: the device asked a question that matches
	// Expect.Refuse (erase, reload, ...); it was answered with Ctrl-C.
	ErrRefusedPrompt = errors.New("refused prompt")
	// ErrOutputTooLarge: a command produced more than Expect.MaxOutput bytes.
	ErrOutputTooLarge = errors.New("output too large")
	// ErrClosed: the channel was closed, by Close or by the peer.
	ErrClosed = errors.New("channel closed")
)

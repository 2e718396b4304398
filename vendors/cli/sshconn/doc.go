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

import (
	"fmt"

	"github.com/qosagent/qosagent/vendors"
)

// Error classes; match with errors.Is. Each wraps the vendors sentinel of
// its class, so reports classify them without knowing this package.
var (
	// ErrHostKeyUnknown: the host is not in known_hosts.
	ErrHostKeyUnknown = fmt.Errorf("host key unknown (%w)", vendors.ErrHostKey)
	// ErrHostKeyChanged: known_hosts holds another key for the host.
	ErrHostKeyChanged = fmt.Errorf("host key changed (%w)", vendors.ErrHostKey)
	// ErrAuth: the server refused every authentication method offered.
	ErrAuth = fmt.Errorf("%w", vendors.ErrAuth)
	// ErrTimeout: connect, handshake or a command took too long.
	ErrTimeout = fmt.Errorf("%w", vendors.ErrTimeout)
	// ErrUnreachable: the TCP connection could not be made.
	ErrUnreachable = fmt.Errorf("%w", vendors.ErrUnreachable)
	// ErrRefusedPrompt: the device asked a question that matches
	// Expect.Refuse (erase, reload, ...); it was answered with Ctrl-C.
	ErrRefusedPrompt = fmt.Errorf("refused prompt (%w)", vendors.ErrRefused)
	// ErrOutputTooLarge: a command produced more than Expect.MaxOutput bytes.
	ErrOutputTooLarge = fmt.Errorf("output too large (%w)", vendors.ErrParse)
	// ErrClosed: the channel was closed, by Close or by the peer.
	ErrClosed = fmt.Errorf("channel closed (%w)", vendors.ErrDisconnected)
)

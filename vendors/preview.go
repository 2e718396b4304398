package vendors

import "context"

// Previewer is an Adapter that can say, before writing, exactly what it
// would send: for a CLI the lines in the order the session types them, for
// SNMP one "SET OID TYPE VALUE" per varbind. It renders with the same code
// that Write and Save send from, so the preview cannot differ from the
// write. Valid after Read, like Write.
type Previewer interface {
	// Commands is what Write(ch) would send.
	Commands(ch Change) ([]string, error)
	// SaveCommands is what Save would send.
	SaveCommands() []string
}

// Prober is an Adapter that can check, read-only and without changing
// anything, that the switch is reachable with the inventory's settings:
// for SNMP a GET of sysObjectID with the credentials, for SSH the server's
// identification and host key checked against known_hosts (no login). It
// says what it found.
type Prober interface {
	Probe(ctx context.Context) (string, error)
}

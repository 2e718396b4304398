package netgear

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/inventory"
)

// newClient builds a gosnmp client for one switch. Every adapter gets its own
// client and its own USM parameters: gosnmp clients are not safe to share, and
// shared USM state mixes engine IDs between agents.
func newClient(sw inventory.Switch, c *counters) (*gosnmp.GoSNMP, error) {
	s := sw.SNMP
	g := &gosnmp.GoSNMP{
		Target:             sw.Host,
		Port:               uint16(sw.Port),
		Transport:          "udp",
		Timeout:            s.Timeout,
		Retries:            s.Retries,
		ExponentialTimeout: false,
		MaxOids:            gosnmp.MaxOids,
		MaxRepetitions:     uint32(s.MaxRepetitions),
		OnSent:             func(*gosnmp.GoSNMP) { c.sent.Add(1) },
		OnRetry:            func(*gosnmp.GoSNMP) { c.retries.Add(1) },
	}
	switch s.Version {
	case "2c":
		g.Version = gosnmp.Version2c
		g.Community = s.Community.Value()
	case "3":
		g.Version = gosnmp.Version3
		g.SecurityModel = gosnmp.UserSecurityModel
		g.ContextName = s.ContextName
		usm := &gosnmp.UsmSecurityParameters{UserName: s.Username}
		g.MsgFlags = gosnmp.NoAuthNoPriv
		if s.AuthProtocol != "" {
			ap, err := authProtocol(s.AuthProtocol)
			if err != nil {
				return nil, err
			}
			usm.AuthenticationProtocol = ap
			usm.AuthenticationPassphrase = s.AuthPassphrase.Value()
			g.MsgFlags = gosnmp.AuthNoPriv
		}
		if s.PrivProtocol != "" {
			pp, err := privProtocol(s.PrivProtocol)
			if err != nil {
				return nil, err
			}
			usm.PrivacyProtocol = pp
			usm.PrivacyPassphrase = s.PrivPassphrase.Value()
			g.MsgFlags = gosnmp.AuthPriv
		}
		g.SecurityParameters = usm
	default:
		return nil, fmt.Errorf("snmp version %q is not supported; expected 2c or 3", s.Version)
	}
	return g, nil
}

func authProtocol(name string) (gosnmp.SnmpV3AuthProtocol, error) {
	switch strings.ToUpper(name) {
	case "MD5":
		return gosnmp.MD5, nil
	case "SHA":
		return gosnmp.SHA, nil
	case "SHA224":
		return gosnmp.SHA224, nil
	case "SHA256":
		return gosnmp.SHA256, nil
	case "SHA384":
		return gosnmp.SHA384, nil
	case "SHA512":
		return gosnmp.SHA512, nil
	}
	return 0, fmt.Errorf("snmp auth_protocol %q is not supported", name)
}

func privProtocol(name string) (gosnmp.SnmpV3PrivProtocol, error) {
	switch strings.ToUpper(name) {
	case "DES":
		return gosnmp.DES, nil
	case "AES":
		return gosnmp.AES, nil
	case "AES192":
		return gosnmp.AES192, nil
	case "AES256":
		return gosnmp.AES256, nil
	}
	return 0, fmt.Errorf("snmp priv_protocol %q is not supported", name)
}

// counters tally packets for reports and benchmarks.
type counters struct{ sent, retries atomic.Int64 }

// explain turns a gosnmp transport error into advice a network engineer can act on.
func explain(sw inventory.Switch, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("no answer from %s before the switch deadline: %w", sw.Address, err)
	}
	switch {
	case errors.Is(err, gosnmp.ErrMaxRetriesExceeded) || strings.Contains(err.Error(), "timeout"):
		who := "the community"
		if sw.SNMP.Version == "3" {
			who = "the SNMPv3 user, protocols and passphrases"
		}
		return fmt.Errorf("no answer from %s (udp port %d) after %d tries of %s: check the address, that SNMP is enabled and not blocked by an ACL or firewall, and %s: %w",
			sw.Host, sw.Port, sw.SNMP.Retries+1, sw.SNMP.Timeout, who, err)
	case strings.Contains(err.Error(), "packet sanity") || strings.Contains(err.Error(), "unable to decode") || strings.Contains(err.Error(), "unmarshal"):
		return fmt.Errorf("malformed SNMP response from %s: %w", sw.Address, err)
	case errors.Is(err, gosnmp.ErrUnknownUsername):
		return fmt.Errorf("%s does not know SNMPv3 user %q: %w", sw.Address, sw.SNMP.Username, err)
	case errors.Is(err, gosnmp.ErrWrongDigest):
		return fmt.Errorf("%s rejected the SNMPv3 authentication passphrase or protocol: %w", sw.Address, err)
	case errors.Is(err, gosnmp.ErrDecryption):
		return fmt.Errorf("%s could not decrypt our request: check the SNMPv3 privacy protocol and passphrase: %w", sw.Address, err)
	case strings.Contains(err.Error(), "connection refused"):
		return fmt.Errorf("%s refused udp port %d (ICMP port unreachable): is SNMP enabled on the switch? %w", sw.Host, sw.Port, err)
	}
	return err
}

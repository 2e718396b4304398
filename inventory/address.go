package inventory

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// splitAddress parses an inventory address: host, host:port, [v6]:port, or
// a bare IPv6 literal. It returns the host without brackets and the port,
// 0 when the address has none. Errors quote the address; it is not secret.
func splitAddress(addr string) (host string, port int, err error) {
	if addr == "" {
		return "", 0, fmt.Errorf("is empty; expected host, host:port or [v6]:port")
	}
	if strings.HasPrefix(addr, "[") {
		end := strings.IndexByte(addr, ']')
		if end < 0 {
			return "", 0, fmt.Errorf("%q has no closing ']'; expected [v6] or [v6]:port", clip(addr))
		}
		host, rest := addr[1:end], addr[end+1:]
		if ip, err := netip.ParseAddr(host); err != nil || !ip.Is6() {
			return "", 0, fmt.Errorf("%q: %q in brackets is not an IPv6 address", clip(addr), clip(host))
		}
		switch {
		case rest == "":
			return host, 0, nil
		case rest[0] == ':':
			port, err := parsePort(rest[1:])
			if err != nil {
				return "", 0, fmt.Errorf("%q: %w", clip(addr), err)
			}
			return host, port, nil
		}
		return "", 0, fmt.Errorf("%q: unexpected %q after ']'; expected [v6]:port", clip(addr), clip(rest))
	}
	switch strings.Count(addr, ":") {
	case 0:
		host = addr
	case 1:
		var p string
		host, p, _ = strings.Cut(addr, ":")
		if port, err = parsePort(p); err != nil {
			return "", 0, fmt.Errorf("%q: %w", clip(addr), err)
		}
	default:
		// Several colons: an IPv6 literal, which cannot carry a port
		// without brackets since its last group would be ambiguous.
		ip, perr := netip.ParseAddr(addr)
		if perr != nil || !ip.Is6() {
			return "", 0, fmt.Errorf("%q is not an IPv6 address; write an IPv6 address with a port as [v6]:port", clip(addr))
		}
		return addr, 0, nil
	}
	if err := checkHost(host); err != nil {
		if host == addr {
			return "", 0, err // the message quotes the host, which is all there is
		}
		return "", 0, fmt.Errorf("%q: %w", clip(addr), err)
	}
	return host, port, nil
}

func parsePort(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("port is empty; expected 1..65535")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("port %q is not a number; expected 1..65535", clip(s))
		}
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("port %s is out of range; expected 1..65535", clip(s))
	}
	return p, nil
}

// checkHost accepts an IPv4 literal or a DNS name of RFC 1123 labels. A name
// whose last label is all digits is taken as a mistyped IPv4 address
// (192.0.2.300), which is what it nearly always is.
func checkHost(host string) error {
	if host == "" {
		return fmt.Errorf("host is empty")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.Is4() {
			return fmt.Errorf("%q is not an IPv4 address; write IPv6 as [v6] or [v6]:port", clip(host))
		}
		return nil
	}
	name := strings.TrimSuffix(host, ".") // a fully qualified name may end in a dot
	if len(name) > 253 {
		return fmt.Errorf("host name is longer than 253 characters")
	}
	labels := strings.Split(name, ".")
	if last := labels[len(labels)-1]; allDigits(last) {
		return fmt.Errorf("%q is not a valid IPv4 address", clip(host))
	}
	for _, l := range labels {
		if err := checkLabel(l); err != nil {
			return fmt.Errorf("%q is not a valid host name: %w", clip(host), err)
		}
	}
	return nil
}

// checkLabel checks one RFC 1123 label: 1 to 63 letters, digits and
// hyphens, not starting or ending with a hyphen.
func checkLabel(l string) error {
	if l == "" {
		return fmt.Errorf("empty label")
	}
	if len(l) > 63 {
		return fmt.Errorf("label %q is longer than 63 characters", clip(l))
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return fmt.Errorf("label %q starts or ends with '-'", clip(l))
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("label %q may hold only letters, digits and '-'", clip(l))
		}
	}
	return nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validName reports whether s is a usable site or switch name. Names go
// into --site/--switch flags, reports and possibly file names, so they keep
// to an alphabet that needs no quoting; "." and ".." would name folders.
func validName(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

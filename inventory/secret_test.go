package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// A Secret must not leak through any of the ways a value usually gets
// printed, alone or inside the structs that hold it.
func TestSecretNeverPrinted(t *testing.T) {
	const value = "s3cr3t-value"
	sec := NewSecret(value, "env LAB_SNMP_COMMUNITY")
	sw := Switch{Name: "sw1", SNMP: SNMP{Community: sec}, SSH: SSH{Password: sec}}

	var out []string
	for _, v := range []any{sec, &sec, sw, &sw, sw.SNMP} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
			out = append(out, fmt.Sprintf(verb, v))
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json: %v", err)
		}
		out = append(out, string(b))
	}
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("m", "secret", sec, "ptr", &sec, "switch", sw, "snmp", sw.SNMP)
		out = append(out, buf.String())
	}
	out = append(out, sec.String(), sec.GoString())
	if b, _ := sec.MarshalText(); true {
		out = append(out, string(b))
	}

	for _, s := range out {
		if strings.Contains(s, value) {
			t.Errorf("leaked: %s", s)
		}
	}
	if got := fmt.Sprint(sec); got != "<secret from env LAB_SNMP_COMMUNITY>" {
		t.Errorf("mask = %q", got)
	}
	if got := sec.LogValue().String(); got != "<secret from env LAB_SNMP_COMMUNITY>" {
		t.Errorf("LogValue = %q", got)
	}
	if sec.Value() != value {
		t.Error("Value lost the secret")
	}
}

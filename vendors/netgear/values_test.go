package netgear

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/mibs"
)

func TestOIDLess(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"1.3.6.1.4.1.4526.11.3.3.1.2.1.3.0.9", "1.3.6.1.4.1.4526.11.3.3.1.2.1.3.0.10", true},
		{"1.3.6.1.4.1.4526.11.3.3.1.2.1.3.0.10", "1.3.6.1.4.1.4526.11.3.3.1.2.1.3.0.9", false},
		{"1.3.6", "1.3.6.1", true},
		{"1.3.6.1", "1.3.6", false},
		{"1.3.6", "1.3.6", false},
		{"1.3.06", "1.3.6.0", true},
		{"1.3.99999999999999999999", "1.3.100000000000000000000", true},
		{"1.4", "1.3.9", false},
	}
	for _, tt := range tests {
		if got := oidLess(tt.a, tt.b); got != tt.want {
			t.Errorf("oidLess(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// int64Value reads every value as gosnmp.ToBigInt does, which it replaces
// on the read path to spare a big.Int per row.
func TestInt64ValueIsToBigInt(t *testing.T) {
	for _, v := range []any{0, 7, -1, int8(-8), int16(300), int32(-70000), int64(1) << 40, uint(5), ^uint(0),
		uint8(255), uint16(65535), uint32(1) << 31, uint64(1) << 62, ^uint64(0), "42", "x", nil, []byte{1}, 3.5} {
		got, ok := int64Value(v)
		b := gosnmp.ToBigInt(v)
		if ok != b.IsInt64() || ok && got != b.Int64() {
			t.Errorf("int64Value(%#v) = %d, %v; gosnmp.ToBigInt gives %s", v, got, ok, b)
		}
	}
}

// The shared OID lists are rebuilt when the interfaces or the focus
// differ, and name every row of every interface in order.
func TestOIDListsShared(t *testing.T) {
	c := &oidLists{}
	root := mibs.AgentCosMapIpDscpTrafficClass
	want := func(ifaces []string, focus []int) []string {
		var out []string
		for _, i := range ifaces {
			for _, d := range focus {
				out = append(out, fmt.Sprintf("%s.%s.%d", root, i, d))
			}
		}
		return out
	}
	for _, tc := range []struct {
		ifaces []string
		focus  []int
	}{
		{[]string{"1", "2", "10"}, []int{46, 0}},
		{[]string{"1", "2", "10"}, []int{46, 0}},
		{[]string{"1", "2", "11"}, []int{46, 0}},
		{[]string{"1", "2", "11"}, []int{46, 34}},
		{[]string{"1"}, allDSCP},
	} {
		if got, w := c.get(tc.ifaces, tc.focus), want(tc.ifaces, tc.focus); !slices.Equal(got, w) {
			t.Errorf("%v %v: %q, want %q", tc.ifaces, tc.focus, got, w)
		}
		if got, w := (*oidLists)(nil).get(tc.ifaces, tc.focus), want(tc.ifaces, tc.focus); !slices.Equal(got, w) {
			t.Errorf("unshared %v %v: %q, want %q", tc.ifaces, tc.focus, got, w)
		}
	}
}

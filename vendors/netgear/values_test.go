package netgear

import "testing"

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

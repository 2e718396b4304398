package factory

import (
	"strings"
	"testing"
)

// The tables at every range boundary the sources give (GS110TP manual's
// precedence table, Catalyst 2960 configuration guide, SG200 guide).
func TestMaps(t *testing.T) {
	for _, tc := range []struct {
		name string
		want map[int]int // dscp -> queue
	}{
		{"fastpath-4", map[int]int{0: 1, 7: 1, 8: 0, 23: 0, 24: 1, 31: 1, 32: 2, 46: 2, 47: 2, 48: 3, 63: 3}},
		{"catalyst", map[int]int{0: 2, 15: 2, 16: 3, 31: 3, 32: 4, 39: 4, 40: 1, 46: 1, 47: 1, 48: 4, 63: 4}},
		{"small-business-4", map[int]int{0: 1, 15: 1, 16: 2, 23: 2, 24: 3, 39: 3, 40: 4, 46: 4, 47: 4, 48: 3, 63: 3}},
	} {
		m, err := Lookup(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		for d, q := range tc.want {
			if got := m(d); got != q {
				t.Errorf("%s: DSCP %d on queue %d, want %d", tc.name, d, got, q)
			}
		}
	}
	if _, err := Lookup("fastpath-7"); err == nil || !strings.Contains(err.Error(), `"fastpath-7" is unknown; known: catalyst, fastpath-4, small-business-4`) {
		t.Errorf("unknown map: %v", err)
	}
}

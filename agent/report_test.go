package agent

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
)

func TestDSCPMapJSON(t *testing.T) {
	full := DSCPMap{}
	for d := 0; d < 64; d++ {
		full[strconv.Itoa(d)] = d % 4
	}
	tests := []struct {
		name string
		m    DSCPMap
		want string
	}{
		{"nil", nil, `null`},
		{"empty", DSCPMap{}, `{}`},
		{"numeric order, not string order", DSCPMap{"46": 3, "0": 0, "10": 1, "9": 2}, `{"0":0,"9":2,"10":1,"46":3}`},
		{"keys outside 0..63 kept, sorted, after", DSCPMap{"64": 1, "x\"y": 2, "07": 3, "-1": 0, "5": 4}, `{"5":4,"-1":0,"07":3,"64":1,"x\"y":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	// Every key and value survives a round trip through a plain map.
	for _, m := range []DSCPMap{full, tests[3].m} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]int
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(map[string]int(m), back) {
			t.Errorf("round trip of %v gave %v", m, back)
		}
	}
}

func BenchmarkDSCPMapJSON(b *testing.B) {
	m := DSCPMap{}
	for d := 0; d < 64; d++ {
		m[strconv.Itoa(d)] = d % 4
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}

package agent

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestDSCPMapJSON(t *testing.T) {
	full := make(DSCPMap, 64)
	for d := range full {
		full[d] = d % 4
	}
	got, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	// DSCP order, not string order ("10" after "9"), every value once.
	if !strings.HasPrefix(string(got), `{"0":0,"1":1,"2":2,"3":3,"4":0,"5":1,"6":2,"7":3,"8":0,"9":1,"10":2,`) || !strings.HasSuffix(string(got), `"63":3}`) {
		t.Errorf("got %s", got)
	}
	var plain map[string]int
	if err := json.Unmarshal(got, &plain); err != nil || len(plain) != 64 || plain["46"] != 2 {
		t.Errorf("as a plain object: %v %v", plain, err)
	}
	var back DSCPMap
	if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back, full) {
		t.Errorf("round trip: %v %v", back, err)
	}
	if b, _ := json.Marshal(DSCPMap(nil)); string(b) != "null" {
		t.Errorf("nil map: %s", b)
	}
	if err := json.Unmarshal([]byte("null"), &back); err != nil || back != nil {
		t.Errorf("null: %v %v", back, err)
	}
	bad := strings.Replace(string(got), `"63":3`, `"64":3`, 1)
	for name, in := range map[string]string{"a key out of range": bad, "too few": `{"0":1}`, "not an object": `[1,2]`} {
		if err := json.Unmarshal([]byte(in), &back); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func BenchmarkDSCPMapJSON(b *testing.B) {
	m := make(DSCPMap, 64)
	for d := range m {
		m[d] = d % 4
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}

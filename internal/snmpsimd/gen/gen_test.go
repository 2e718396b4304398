package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedFilesUpToDate keeps testdata/snmpsim in step with the generator.
func TestCommittedFilesUpToDate(t *testing.T) {
	for _, name := range Names() {
		path := filepath.Join("..", "..", "..", "testdata", "snmpsim", name+".snmprec")
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, Render(name)) {
			t.Errorf("%s is stale; run go generate ./internal/snmpsimd", path)
		}
	}
}

func TestRender(t *testing.T) {
	data := Render("gs110tp")
	for _, want := range []string{
		"1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.4526.100.4.19\n",
		"1.3.6.1.4.1.4526.11.3.3.1.2.1.3.0.46|66:writecache-gs110tp|value=2\n",
		"1.3.6.1.4.1.4526.11.3.3.1.2.1.3.10.0|66:writecache-gs110tp|value=1\n",
		"1.3.6.1.4.1.4526.11.3.3.2.1.0|66|4\n",
	} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("gs110tp lacks %q", want)
		}
	}
	if n := bytes.Count(data, []byte("\n1.3.6.1.4.1.4526.11.3.3.1.2.1.3.")); n != 11*64 {
		t.Errorf("got %d DSCP rows, want %d", n, 11*64)
	}
	partial := Render("gs110tp-partial")
	if !bytes.Contains(partial, []byte("1.3.6.1.4.1.4526.11.3.3.1.3.1.2.0|2:error|op=set,status=commitfailed,value=2\n")) {
		t.Error("gs110tp-partial: global trust row does not refuse SETs")
	}
	if n := bytes.Count(data, []byte("\n1.3.6.1.4.1.4526.11.3.3.2.4.1.2.")); n != 11*4 {
		t.Errorf("got %d scheduler rows, want %d", n, 11*4)
	}
	differ := Render("gs110tp-ports-differ")
	for _, want := range []string{
		"1.3.6.1.4.1.4526.11.3.3.1.2.1.3.0.46|66:writecache-gs110tp-ports-differ|value=3\n",
		"1.3.6.1.4.1.4526.11.3.3.1.2.1.3.4.46|66:writecache-gs110tp-ports-differ|value=3\n",
		"1.3.6.1.4.1.4526.11.3.3.1.2.1.3.5.46|66:writecache-gs110tp-ports-differ|value=1\n",
		"1.3.6.1.4.1.4526.11.3.3.1.3.1.2.0|2:writecache-gs110tp-ports-differ|value=4\n",
		"1.3.6.1.4.1.4526.11.3.3.1.3.1.2.6|2:writecache-gs110tp-ports-differ|value=1\n",
		"1.3.6.1.4.1.4526.11.3.3.2.4.1.2.0.3|2:writecache-gs110tp-ports-differ|value=1\n",
		"1.3.6.1.4.1.4526.11.3.3.2.4.1.2.7.3|2:writecache-gs110tp-ports-differ|value=2\n",
	} {
		if !bytes.Contains(differ, []byte(want)) {
			t.Errorf("gs110tp-ports-differ lacks %q", want)
		}
	}
	if Render("nonesuch") != nil {
		t.Error("Render of an unknown variant is not nil")
	}
}

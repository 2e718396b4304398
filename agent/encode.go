package agent

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// storedTail ends a result encoded without its per-run timings:
// duration_ms is always written, requests and retries only when set.
var storedTail = []byte(`"duration_ms":0}`)

// EncodeResult encodes res as the report writes it and as the history
// keeps it, with one json.Marshal. The stored form leaves out the per-run
// timings (duration, requests, retries), so an unchanged switch's result is
// the same bytes from run to run and the history keeps it once. The
// timings are the struct's last fields, so the report form is the stored
// one with its tail replaced; TestEncodeResultMatchesMarshal holds the two
// to what json.Marshal writes.
func EncodeResult(res *SwitchResult) (report, stored []byte, err error) {
	stored, err = StoredJSON(res)
	if err != nil {
		return nil, nil, err
	}
	if !bytes.HasSuffix(stored, storedTail) {
		// Only if the struct's field order ever changes.
		report, err = json.Marshal(res)
		return report, stored, err
	}
	head := stored[:len(stored)-len(storedTail)]
	report = make([]byte, 0, len(stored)+48)
	report = append(report, head...)
	report = append(report, `"duration_ms":`...)
	report = strconv.AppendInt(report, res.DurationMS, 10)
	if res.Requests != 0 {
		report = append(report, `,"requests":`...)
		report = strconv.AppendInt(report, res.Requests, 10)
	}
	if res.Retries != 0 {
		report = append(report, `,"retries":`...)
		report = strconv.AppendInt(report, res.Retries, 10)
	}
	return append(report, '}'), stored, nil
}

// StoredJSON is EncodeResult's stored form alone, for a run whose report
// needs no encoding (kept in memory, or counts only).
func StoredJSON(res *SwitchResult) ([]byte, error) {
	kept := *res
	kept.DurationMS, kept.Requests, kept.Retries = 0, 0, 0
	return json.Marshal(&kept)
}

package agent

import (
	"encoding/json"
	"os"
	"testing"
)

// The files under testdata/backup-v1-* were written by the release before
// backups carried a schema version; they must still decode and restore.
func TestBackupV1StillDecodes(t *testing.T) {
	for _, name := range []string{"backup-v1-cisco-ios.json", "backup-v1-netgear-gs110tp.json"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var b Backup
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(b.State.Queues) != 4 {
			t.Errorf("%s: %d queues, want 4", name, len(b.State.Queues))
		}
	}
}

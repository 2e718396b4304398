package netgear

import (
	"os"
	"strings"
	"testing"

	"github.com/qosagent/qosagent/mibs"
)

// TestREADMENamesEveryObject keeps the README's onboarding table true:
// every object the adapter reads or writes is listed with its OID.
func TestREADMENamesEveryObject(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, oid := range map[string]string{
		"sysObjectID": mibs.SysObjectID, "agentCosMapIpDscpTrafficClass": mibs.AgentCosMapIpDscpTrafficClass,
		"agentCosQueueNumQueuesPerPort": mibs.AgentCosQueueNumQueuesPerPort, "agentCosQueueSchedulerType": mibs.AgentCosQueueSchedulerType,
		"agentCosMapIntfTrustMode": mibs.AgentCosMapIntfTrustMode, "agentSaveConfig": mibs.AgentSaveConfig,
		"agentSaveConfigStatus": mibs.AgentSaveConfigStatus,
	} {
		if !strings.Contains(string(data), "| `"+name+"`") || !strings.Contains(string(data), "| "+oid+" |") {
			t.Errorf("README does not list %s (%s)", name, oid)
		}
	}
}

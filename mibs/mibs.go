// Package mibs holds the OIDs qosagent relies on, named after their MIB
// objects. The NetGear smart-switch objects live under 1.3.6.1.4.1.4526.11
// (ng700smartswitch); the managed-switch branch 4526.10 that many MIB
// collections carry has the same names at different OIDs and is wrong for a
// GS110TP. The MIB texts are not copied here (the constants are written
// from the facts, as agreed for this project): NETGEAR-QOS-COS-MIB (ng_qos_cos.my) and
// NETGEAR-SWITCHING-MIB (ng_switching.my) are in the netdisco/netdisco-mibs
// collection under netgear/ (commit 27ee787), the sysObjectIDs in
// NETGEAR-REF-MIB (librenms) and netdisco's netgear/netgear.my.
package mibs

// SNMPv2-MIB.
const (
	SysDescr    = "1.3.6.1.2.1.1.1.0"
	SysObjectID = "1.3.6.1.2.1.1.2.0"
	SysName     = "1.3.6.1.2.1.1.5.0"
)

// sysObjectID values of NetGear smart switches (NETGEAR-REF-MIB productID.smartswitch).
const (
	ProductGS108Tv2 = "1.3.6.1.4.1.4526.100.4.18"
	ProductGS110TP  = "1.3.6.1.4.1.4526.100.4.19"
)

// NETGEAR-QOS-COS-MIB (agentQOSCOS = ng700smartswitch.3.3).
const (
	// AgentCosMapIpDscpTrafficClass is a column indexed by .<ifIndex>.<dscp>;
	// ifIndex 0 is the global row: a SET fans out to every interface. Unsigned32, send as Gauge32.
	AgentCosMapIpDscpTrafficClass = "1.3.6.1.4.1.4526.11.3.3.1.2.1.3"
	// AgentCosMapIntfTrustMode is a column indexed by .<ifIndex or 0>; INTEGER, see Trust* values.
	AgentCosMapIntfTrustMode = "1.3.6.1.4.1.4526.11.3.3.1.3.1.2"
	// AgentCosQueueNumQueuesPerPort is a scalar (read .0): traffic classes are 0..n-1, higher = higher priority.
	AgentCosQueueNumQueuesPerPort = "1.3.6.1.4.1.4526.11.3.3.2.1"
	// AgentCosQueueSchedulerType is a column indexed by .<ifIndex or 0>.<queue>; INTEGER strict(1) weighted(2).
	AgentCosQueueSchedulerType = "1.3.6.1.4.1.4526.11.3.3.2.4.1.2"
)

// agentCosMapIntfTrustMode values.
const (
	TrustModeUntrusted         = 1
	TrustModeTrustDot1p        = 2
	TrustModeTrustIpPrecedence = 3
	TrustModeTrustIpDscp       = 4
)

// agentCosQueueSchedulerType values.
const (
	SchedulerStrict   = 1
	SchedulerWeighted = 2
)

// NETGEAR-SWITCHING-MIB (agentSwitching = ng700smartswitch.1), agentSystemGroup.
const (
	AgentSaveConfig       = "1.3.6.1.4.1.4526.11.1.3.1.0"  // INTEGER enable(1) starts a save to NVRAM
	AgentSaveConfigStatus = "1.3.6.1.4.1.4526.11.1.3.11.0" // see SaveStatus* values
)

// agentSaveConfig and agentSaveConfigStatus values.
const (
	SaveConfigEnable       = 1
	SaveStatusNotInitiated = 1
	SaveStatusInProcess    = 2
	SaveStatusComplete     = 3
	SaveStatusFailed       = 4
)

package netgear

import (
	"github.com/qosagent/qosagent/vendors"
	"github.com/qosagent/qosagent/vendors/factory"
)

// factoryModel is a GS110TP out of the box, for tools that work without a
// device (endpoints explain): traffic classes 0..3, 3 the highest, the
// 4-class FASTPATH map, trust dot1p, every class weighted (GS110TP software
// administration manual, "Class of Service"). Audits read the device.
func factoryModel() *vendors.FactoryModel {
	g := vendors.Scope{Name: vendors.GlobalPort, DSCP: make([]int, vendors.NumDSCP), Trust: vendors.TrustDot1p, Sched: make([]vendors.Sched, 4)}
	for d := range g.DSCP {
		g.DSCP[d] = factory.FASTPATH4(d)
	}
	return &vendors.FactoryModel{State: vendors.State{Queues: []int{0, 1, 2, 3}, Scopes: []vendors.Scope{g}}}
}

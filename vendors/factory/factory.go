// Package factory holds the DSCP-to-queue maps switches have out of the
// box, as vendor documentation gives them. It is the one copy of each
// table: the adapters describe their platform's factory state from it
// (vendors.Platform.Factory, which endpoints explain reads offline), and
// the simulators start from it.
package factory

import "fmt"

// Map is a factory DSCP-to-queue table in native queue IDs.
type Map func(dscp int) int

// FASTPATH4 is the map of a 4-queue NetGear FASTPATH switch (GS110TP,
// smart and managed switches with 4 traffic classes): the IEEE 802.1D
// user-priority-to-traffic-class table for 4 classes applied to the IP
// precedence (dscp >> 3), so BE 1, CS1/AF1x and CS2/AF2x 0, CS3/AF3x 1,
// CS4/AF4x and CS5/EF 2, CS6/CS7 3 (GS110TP software administration
// manual, "Class of Service"; NETGEAR-QOS-COS-MIB).
func FASTPATH4(dscp int) int { return fastpath4[dscp>>3] }

var fastpath4 = [8]int{1, 0, 0, 1, 2, 2, 3, 3}

// Catalyst is the egress map of a Catalyst 2960/3560/3750 once mls qos is
// on (Catalyst 2960 software configuration guide, "Mapping DSCP or CoS
// Values to an Egress Queue and to a Threshold ID"): 0-15 Q2, 16-31 Q3,
// 32-39 and 48-63 Q4, 40-47 Q1, all at threshold 1.
func Catalyst(dscp int) int {
	switch {
	case dscp < 16:
		return 2
	case dscp < 32:
		return 3
	case dscp >= 40 && dscp < 48:
		return 1
	default:
		return 4
	}
}

// CatalystThreshold is the drop threshold of every cell of Catalyst.
const CatalystThreshold = 1

// SmallBusiness4 is the 4-queue map of a Cisco small business switch
// (SG200 administration guide, DSCP to queue table): 0-15 1, 16-23 2,
// 24-39 3, 40-47 4, 48-63 3.
func SmallBusiness4(dscp int) int {
	switch {
	case dscp < 16:
		return 1
	case dscp < 24:
		return 2
	case dscp >= 40 && dscp < 48:
		return 4
	default:
		return 3
	}
}

// maps names the tables for the dialect files.
var maps = map[string]Map{
	"fastpath-4":       FASTPATH4,
	"catalyst":         Catalyst,
	"small-business-4": SmallBusiness4,
}

// Lookup returns the table a dialect file names.
func Lookup(name string) (Map, error) {
	m, ok := maps[name]
	if !ok {
		return nil, fmt.Errorf("factory map %q is unknown; known: catalyst, fastpath-4, small-business-4", name)
	}
	return m, nil
}

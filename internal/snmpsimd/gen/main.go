// Command gen writes the snmpsim data files in testdata/snmpsim that make
// snmpsimd look like a NetGear GS110TP: factory defaults, or one whose
// interfaces differ from its global rows.
//
// Usage (from internal/snmpsimd, see go:generate there):
//
//	go run ./gen -o ../../testdata/snmpsim
//
// Each variant is one .snmprec file; snmpsimd selects it by community (v2c)
// or context name (v3) equal to the file's base name.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/qosagent/qosagent/internal/sim"
	"github.com/qosagent/qosagent/mibs"
)

// variant is one data file: name is its base name, which snmpsimd uses as the
// community and context name.
type variant struct {
	name string
	// refuseTrust makes the global trust row fail every SET.
	refuseTrust bool
	// portsDiffer sets the global rows to a compliant policy (EF 3, AF41 2,
	// CS3 1, BE 0, trust DSCP, queue 3 strict) and every interface's rows
	// the same, except: interface 5 maps EF to queue 1, interface 6 is
	// untrusted, interface 7 schedules queue 3 weighted. A manager that
	// reads only the global rows (ifIndex 0, "the most recent global
	// setting") calls it compliant; the interfaces say otherwise.
	portsDiffer bool
	// lateEF makes the global EF row (agentCosMapIpDscpTrafficClass.0.46)
	// a delay record: a SET of queue 3 is answered only after lateEFWait
	// and never stored (the row reads 2), while the varbinds around it in
	// the same PDU are applied: an agent whose answer comes late and that
	// lost the late row.
	lateEF bool
}

// lateEFWait is how long the lateEF variant holds a SET of EF to queue 3.
const lateEFWait = 2500

var variants = []variant{
	// A writable agent: every read-write object keeps SETs for the
	// lifetime of the snmpsimd process.
	{name: "gs110tp"},
	// The global trust row answers every SET with commitFailed while the
	// DSCP rows accept theirs, so a multi-varbind SET is partly applied,
	// as on a FASTPATH agent that commits row by row.
	{name: "gs110tp-partial", refuseTrust: true},
	// Compliant global rows, three interfaces set apart (see portsDiffer).
	// The data file is static: a SET on a global row does not fan out to
	// the interfaces here, as it does on the switch and in package sim.
	{name: "gs110tp-ports-differ", portsDiffer: true},
	// A SET of EF to the top queue answered late, with that row lost.
	{name: "gs110tp-late-row", lateEF: true},
}

// The policy's rows, as portsDiffer sets them.
var compliantQueue = map[int]int{46: 3, 34: 2, 24: 1, 0: 0}

// The interfaces portsDiffer sets apart.
const (
	ifEFLow      = 5 // maps EF to queue 1
	ifUntrusted  = 6 // trust untrusted
	ifQ3Weighted = 7 // queue 3 weighted
)

// Interfaces of a GS110TP: eight copper ports and two SFP ports. ifIndex 0 is
// the global row of the per-interface CoS tables.
const numIfIndex = 10

// snmprec type tags (the sum of the BER tag bytes, as snmpsim spells them).
const (
	tagInteger = "2"
	tagString  = "4"
	tagOID     = "6"
	tagGauge32 = "66"
)

type record struct {
	oid   []int
	tag   string
	value string
}

func main() {
	out := flag.String("o", ".", "directory to write the .snmprec files into")
	flag.Parse()
	for _, v := range variants {
		path := filepath.Join(*out, v.name+".snmprec")
		if err := os.WriteFile(path, Render(v.name), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// Names returns the base names of the generated data files.
func Names() []string {
	var names []string
	for _, v := range variants {
		names = append(names, v.name)
	}
	return names
}

// Render returns the contents of the data file for the named variant, or nil
// if there is no such variant.
func Render(name string) []byte {
	i := slices.IndexFunc(variants, func(v variant) bool { return v.name == name })
	if i < 0 {
		return nil
	}
	v := variants[i]

	// Each variant gets its own alias of the writecache module, because
	// writecache keeps one cache keyed by OID alone: with a shared alias a
	// SET through one community would show through every other one. The
	// harness in package snmpsimd loads every writecache-* alias it finds.
	writable := func(tag string, value int) (string, string) {
		return tag + ":writecache-" + v.name, "value=" + strconv.Itoa(value)
	}

	var recs []record
	add := func(oid string, tag, value string) {
		recs = append(recs, record{parseOID(oid), tag, value})
	}
	addWritable := func(oid string, tag string, value int) {
		t, val := writable(tag, value)
		add(oid, t, val)
	}

	// The sysDescr wording is made up in the style of NetGear smart
	// switches; only sysObjectID identifies the model.
	add(mibs.SysDescr, tagString, "GS110TP ProSafe 8-port Gigabit Smart Switch with PoE, 5.4.2.35, B1.0.0.4")
	add(mibs.SysObjectID, tagOID, mibs.ProductGS110TP)
	add(mibs.SysName, tagString, "gs110tp-sim")

	add(mibs.AgentCosQueueNumQueuesPerPort+".0", tagGauge32, "4")
	for ifIndex := 0; ifIndex <= numIfIndex; ifIndex++ {
		for dscp := 0; dscp < 64; dscp++ {
			q := sim.FactoryQueue(dscp)
			if c, ok := compliantQueue[dscp]; ok && v.portsDiffer {
				q = c
				if ifIndex == ifEFLow && dscp == 46 {
					q = 1
				}
			}
			row := fmt.Sprintf("%s.%d.%d", mibs.AgentCosMapIpDscpTrafficClass, ifIndex, dscp)
			if v.lateEF && ifIndex == 0 && dscp == 46 {
				// snmpsim's delay module: reads answer at once (wait=0)
				// with the factory value; a SET of 3 waits, then echoes.
				add(row, tagGauge32+":delay", fmt.Sprintf("vlist=eq:3:%d,wait=0,value=%d", lateEFWait, q))
				continue
			}
			addWritable(row, tagGauge32, q)
		}
		trust := fmt.Sprintf("%s.%d", mibs.AgentCosMapIntfTrustMode, ifIndex)
		mode := mibs.TrustModeTrustDot1p
		if v.portsDiffer {
			mode = mibs.TrustModeTrustIpDscp
			if ifIndex == ifUntrusted {
				mode = mibs.TrustModeUntrusted
			}
		}
		if ifIndex == 0 && v.refuseTrust {
			// The error module answers GETs with value and fails
			// every SET; the varbinds before it in the same PDU stay
			// written (see the package snmpsimd tests).
			add(trust, tagInteger+":error", fmt.Sprintf("op=set,status=commitfailed,value=%d", mode))
		} else {
			addWritable(trust, tagInteger, mode)
		}
		// Queue scheduling per interface too, ifIndex 0 the global row.
		for q := 0; q < 4; q++ {
			sched := mibs.SchedulerWeighted
			if v.portsDiffer && q == 3 && ifIndex != ifQ3Weighted {
				sched = mibs.SchedulerStrict
			}
			addWritable(fmt.Sprintf("%s.%d.%d", mibs.AgentCosQueueSchedulerType, ifIndex, q), tagInteger, sched)
		}
	}
	// agentSaveConfig reads disable(2) until someone sets enable(1).
	addWritable(mibs.AgentSaveConfig, tagInteger, 2)
	// snmpsim cannot run a save, so the status reads savingComplete, as on a
	// switch whose last save completed: a manager that waits for a save
	// to complete (notInitiated is the state before it starts) is done.
	addWritable(mibs.AgentSaveConfigStatus, tagInteger, mibs.SaveStatusComplete)

	// snmpsim binary-searches the file, so records must be in OID order
	// (numeric per arc, so .10 after .9).
	slices.SortFunc(recs, func(a, b record) int { return slices.Compare(a.oid, b.oid) })

	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Code generated by go run ./internal/snmpsimd/gen; DO NOT EDIT.\n")
	what := "a factory-default NetGear GS110TP"
	if v.portsDiffer {
		what = "a NetGear GS110TP with compliant global rows and interfaces 5, 6, 7 set apart"
	}
	fmt.Fprintf(&buf, "# snmpsim data file: %s (variant %q).\n", what, v.name)
	fmt.Fprintf(&buf, "# Needs snmpsimd --variation-module-options=writecache=writecache-%s: (see package snmpsimd).\n", v.name)
	for _, r := range recs {
		fmt.Fprintf(&buf, "%s|%s|%s\n", formatOID(r.oid), r.tag, r.value)
	}
	return buf.Bytes()
}

func parseOID(s string) []int {
	var oid []int
	for _, arc := range strings.Split(s, ".") {
		n, err := strconv.Atoi(arc)
		if err != nil {
			panic(fmt.Sprintf("bad OID %q: %v", s, err))
		}
		oid = append(oid, n)
	}
	return oid
}

func formatOID(oid []int) string {
	var b strings.Builder
	for i, arc := range oid {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(arc))
	}
	return b.String()
}

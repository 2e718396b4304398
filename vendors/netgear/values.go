package netgear

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/mibs"
	"github.com/qosagent/qosagent/vendors"
)

// savePollInterval paces agentSaveConfigStatus polls.
const savePollInterval = 250 * time.Millisecond

func afterSavePoll() <-chan time.Time { return time.After(savePollInterval) }

// pduError turns a non-zero error-status into a message that names the row;
// what describes each varbind of the request, in order.
func pduError(pkt *gosnmp.SnmpPacket, what []string) error {
	if pkt == nil {
		return fmt.Errorf("no response packet")
	}
	if pkt.Error == gosnmp.NoError {
		return nil
	}
	i := int(pkt.ErrorIndex)
	row := ""
	if i >= 1 && i <= len(what) {
		row = fmt.Sprintf(" on varbind %d (%s)", i, what[i-1])
	} else if i >= 1 {
		row = fmt.Sprintf(" on varbind %d", i)
	}
	advice := ""
	switch pkt.Error {
	case gosnmp.WrongValue, gosnmp.BadValue, gosnmp.InconsistentValue:
		advice = ": the switch does not accept that value"
	case gosnmp.WrongType:
		advice = ": the switch expects another SNMP type for this object"
	case gosnmp.NoAccess, gosnmp.NotWritable, gosnmp.ReadOnly, gosnmp.AuthorizationError:
		advice = ": the community or SNMPv3 user has no write access to this object (check the switch's SNMP access/view settings)"
	case gosnmp.NoCreation, gosnmp.NoSuchName:
		advice = ": the switch has no such row"
	case gosnmp.CommitFailed:
		advice = ": the switch failed while applying rows; earlier rows may already be applied"
	case gosnmp.UndoFailed:
		advice = ": the switch could not undo a partly applied SET; its state is inconsistent"
	case gosnmp.TooBig:
		advice = ": the request or answer is too big for the agent; lower max_repetitions"
	}
	name := pkt.Error.String()
	name = strings.ToLower(name[:1]) + name[1:] // RFC 3416 spelling: commitFailed
	return fmt.Errorf("%s%s%s: %w", name, row, advice, vendors.ErrRefused)
}

// echoError catches agents that answer noError but echo an exception value
// (noSuchInstance) for a varbind they did not write, as snmpsim does for
// read-only objects.
func echoError(pkt *gosnmp.SnmpPacket, what []string) error {
	for i, v := range pkt.Variables {
		switch v.Type {
		case gosnmp.NoSuchInstance, gosnmp.NoSuchObject, gosnmp.EndOfMibView:
			row := v.Name
			if i < len(what) {
				row = what[i]
			}
			return fmt.Errorf("varbind %d (%s) answered %s", i+1, row, v.Type)
		}
	}
	return nil
}

func numQueues(v gosnmp.SnmpPDU) (int, error) {
	if trimDot(v.Name) != mibs.AgentCosQueueNumQueuesPerPort+".0" {
		return 0, fmt.Errorf("agentCosQueueNumQueuesPerPort.0 is missing (got %s): %w", v.Name, vendors.ErrUnsupported)
	}
	n, err := unsigned(v)
	if err != nil {
		return 0, fmt.Errorf("agentCosQueueNumQueuesPerPort: %v: %w", err, vendors.ErrParse)
	}
	if n < 2 || n > maxQueues {
		return 0, fmt.Errorf("agentCosQueueNumQueuesPerPort is %d; expected 2..%d: %w", n, maxQueues, vendors.ErrUnsupported)
	}
	return n, nil
}

// unsigned reads an Unsigned32/Gauge32 (or, leniently, an INTEGER) value.
func unsigned(v gosnmp.SnmpPDU) (int, error) {
	switch v.Type {
	case gosnmp.Gauge32, gosnmp.Uinteger32, gosnmp.Integer, gosnmp.Counter32:
	default:
		return 0, fmt.Errorf("%s has type %s; expected Unsigned32", v.Name, v.Type)
	}
	b := gosnmp.ToBigInt(v.Value)
	if !b.IsInt64() || b.Int64() < 0 || b.Int64() > 1<<31 {
		return 0, fmt.Errorf("%s value %s is out of range", v.Name, b)
	}
	return int(b.Int64()), nil
}

func integer(v gosnmp.SnmpPDU) (int, error) {
	if v.Type != gosnmp.Integer {
		return 0, fmt.Errorf("%s has type %s; expected INTEGER", v.Name, v.Type)
	}
	b := gosnmp.ToBigInt(v.Value)
	if !b.IsInt64() {
		return 0, fmt.Errorf("%s value out of range", v.Name)
	}
	return int(b.Int64()), nil
}

func trimDot(oid string) string { return strings.TrimPrefix(oid, ".") }

// oidLess compares dotted OIDs numerically, arc by arc, without allocating:
// it runs for every row of every walk.
func oidLess(a, b string) bool {
	for a != "" && b != "" {
		var x, y string
		x, a, _ = strings.Cut(a, ".")
		y, b, _ = strings.Cut(b, ".")
		if c := compareArc(x, y); c != 0 {
			return c < 0
		}
	}
	return a == "" && b != ""
}

// compareArc orders two decimal arcs of any length numerically.
func compareArc(x, y string) int {
	x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
	if len(x) != len(y) {
		return len(x) - len(y)
	}
	return strings.Compare(x, y)
}

// sortedIndexes returns numeric row indexes in numeric order.
func sortedIndexes[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		x, ex := strconv.Atoi(keys[i])
		y, ey := strconv.Atoi(keys[j])
		if ex != nil || ey != nil {
			return keys[i] < keys[j]
		}
		return x < y
	})
	return keys
}

// trustName reads a trust row; a value the MIB does not define is an
// answer the model cannot place.
func trustName(v gosnmp.SnmpPDU) (vendors.Trust, error) {
	mode, err := integer(v)
	if err != nil {
		return "", fmt.Errorf("trust row: %v: %w", err, vendors.ErrParse)
	}
	switch mode {
	case mibs.TrustModeUntrusted:
		return vendors.TrustUntrusted, nil
	case mibs.TrustModeTrustDot1p:
		return vendors.TrustDot1p, nil
	case mibs.TrustModeTrustIpPrecedence:
		return vendors.TrustPrecedence, nil
	case mibs.TrustModeTrustIpDscp:
		return vendors.TrustDSCP, nil
	}
	return "", fmt.Errorf("%s = %d is no trust mode of NETGEAR-QOS-COS-MIB (1..4): %w", v.Name, mode, vendors.ErrParse)
}

// trafficClass reads a DSCP row's traffic class, which must be one of the
// n queues the switch reported.
func trafficClass(v gosnmp.SnmpPDU, n int) (int, error) {
	q, err := unsigned(v)
	if err != nil {
		return 0, fmt.Errorf("%v: %w", err, vendors.ErrParse)
	}
	if q < 0 || q >= n {
		return 0, fmt.Errorf("%s maps to traffic class %d, outside 0..%d: %w", v.Name, q, n-1, vendors.ErrParse)
	}
	return q, nil
}

func trustMode(t vendors.Trust) (int, bool) {
	switch t {
	case vendors.TrustUntrusted:
		return mibs.TrustModeUntrusted, true
	case vendors.TrustDot1p:
		return mibs.TrustModeTrustDot1p, true
	case vendors.TrustPrecedence:
		return mibs.TrustModeTrustIpPrecedence, true
	case vendors.TrustDSCP:
		return mibs.TrustModeTrustIpDscp, true
	}
	return 0, false
}

func schedName(mode int) string {
	if mode == mibs.SchedulerStrict {
		return "strict"
	}
	return "weighted"
}

package netgear_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/mibs"
	"github.com/qosagent/qosagent/vendors"
)

// hostileAgent answers every request with what answer returns (raw UDP
// payloads; nil drops the request). It stands for broken or hostile agents
// that our simulator, being correct, never is.
func hostileAgent(t testing.TB, answer func(req *gosnmp.SnmpPacket) [][]byte) string {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			x := &gosnmp.GoSNMP{Version: gosnmp.Version2c}
			req, err := x.SnmpDecodePacket(append([]byte(nil), buf[:n]...))
			if err != nil {
				continue
			}
			for _, out := range answer(req) {
				conn.WriteTo(out, from)
			}
		}
	}()
	return conn.LocalAddr().String()
}

func response(req *gosnmp.SnmpPacket, vars []gosnmp.SnmpPDU) []byte {
	resp := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: req.Community, PDUType: gosnmp.GetResponse, RequestID: req.RequestID, Variables: vars}
	out, err := resp.MarshalMsg()
	if err != nil {
		panic(err)
	}
	return out
}

// dscpRows returns n rows of the global DSCP column starting at dscp 0.
func dscpRows(n int, typ gosnmp.Asn1BER, val any) []gosnmp.SnmpPDU {
	var vs []gosnmp.SnmpPDU
	for d := 0; d < n; d++ {
		vs = append(vs, gosnmp.SnmpPDU{Name: fmt.Sprintf(".%s.0.%d", mibs.AgentCosMapIpDscpTrafficClass, d), Type: typ, Value: val})
	}
	return vs
}

// good answers the adapter's read as a factory GS110TP would (GETBULK of
// the global map; GETBULK of the queue count and the trust and scheduler
// columns, interleaved; GET of interface rows); cases mutate its answer.
func good(req *gosnmp.SnmpPacket) []gosnmp.SnmpPDU {
	if strings.Contains(req.Variables[0].Name, "3.3.1.2.1.3") {
		if req.PDUType == gosnmp.GetRequest {
			var vs []gosnmp.SnmpPDU
			for _, v := range req.Variables {
				vs = append(vs, gosnmp.SnmpPDU{Name: v.Name, Type: gosnmp.Gauge32, Value: uint(1)})
			}
			return vs
		}
		return dscpRows(64, gosnmp.Gauge32, uint(1))
	}
	vs := []gosnmp.SnmpPDU{{Name: "." + mibs.AgentCosQueueNumQueuesPerPort + ".0", Type: gosnmp.Gauge32, Value: uint(4)}}
	pastTrust := gosnmp.SnmpPDU{Name: "." + mibs.AgentCosMapIntfTrustMode + "9.0", Type: gosnmp.Integer, Value: 0}
	pastSched := gosnmp.SnmpPDU{Name: "." + mibs.AgentCosQueueSchedulerType + "9.0", Type: gosnmp.Integer, Value: 0}
	for k := 0; k <= 11; k++ {
		trust, sched := pastTrust, pastSched
		if k <= 10 {
			trust = gosnmp.SnmpPDU{Name: fmt.Sprintf(".%s.%d", mibs.AgentCosMapIntfTrustMode, k), Type: gosnmp.Integer, Value: 2}
		}
		if k < 4 {
			sched = gosnmp.SnmpPDU{Name: fmt.Sprintf(".%s.0.%d", mibs.AgentCosQueueSchedulerType, k), Type: gosnmp.Integer, Value: 2}
		}
		vs = append(vs, trust, sched)
	}
	return vs
}

func isDSCPRead(req *gosnmp.SnmpPacket) bool {
	return strings.Contains(req.Variables[0].Name, "3.3.1.2.1.3")
}

func TestHostileAgents(t *testing.T) {
	tests := []struct {
		name   string
		answer func(req *gosnmp.SnmpPacket) [][]byte
		want   string
	}{
		{"sane agent (the control case)", func(req *gosnmp.SnmpPacket) [][]byte {
			return [][]byte{response(req, good(req))}
		}, ""},
		{"wrong value type", func(req *gosnmp.SnmpPacket) [][]byte {
			if isDSCPRead(req) {
				return [][]byte{response(req, dscpRows(64, gosnmp.OctetString, []byte("x")))}
			}
			return [][]byte{response(req, good(req))}
		}, "has type OctetString; expected Unsigned32"},
		{"traffic class out of range", func(req *gosnmp.SnmpPacket) [][]byte {
			if isDSCPRead(req) {
				return [][]byte{response(req, dscpRows(64, gosnmp.Gauge32, uint(9)))}
			}
			return [][]byte{response(req, good(req))}
		}, "traffic class 9, outside 0..3"},
		{"queue count absurd", func(req *gosnmp.SnmpPacket) [][]byte {
			vs := good(req)
			if !isDSCPRead(req) {
				vs[0].Value = uint(4000000)
			}
			return [][]byte{response(req, vs)}
		}, "agentCosQueueNumQueuesPerPort is 4000000; expected 2..8"},
		{"short table", func(req *gosnmp.SnmpPacket) [][]byte {
			vs := good(req)
			if isDSCPRead(req) {
				vs = append(vs[:40], gosnmp.SnmpPDU{Name: ".1.3.6.1.4.1.4526.11.3.3.1.3.1.2.0", Type: gosnmp.Integer, Value: 2})
			}
			return [][]byte{response(req, vs)}
		}, "DSCP table has 40 global rows; expected 64"},
		{"wrong request id only", func(req *gosnmp.SnmpPacket) [][]byte {
			vs := good(req)
			req.RequestID++
			return [][]byte{response(req, vs)}
		}, "no answer from"},
		{"truncated packets", func(req *gosnmp.SnmpPacket) [][]byte {
			out := response(req, good(req))
			return [][]byte{out[:len(out)/2]}
		}, "malformed SNMP response"},
		{"garbage", func(req *gosnmp.SnmpPacket) [][]byte {
			return [][]byte{[]byte("\x30\x82\xff\xff garbage")}
		}, "malformed SNMP response"},
		{"non-increasing OIDs", func(req *gosnmp.SnmpPacket) [][]byte {
			vs := good(req)
			if isDSCPRead(req) {
				vs[10], vs[11] = vs[11], vs[10]
			}
			return [][]byte{response(req, vs)}
		}, "non-increasing OID"},
		{"interface row out of range", func(req *gosnmp.SnmpPacket) [][]byte {
			vs := good(req)
			if req.PDUType == gosnmp.GetRequest {
				vs[3].Value = uint(9)
			}
			return [][]byte{response(req, vs)}
		}, "3.3.1.2.1.3.1.3 maps to traffic class 9, outside 0..3"},
		{"interface with some DSCP rows and not others", func(req *gosnmp.SnmpPacket) [][]byte {
			vs := good(req)
			if req.PDUType == gosnmp.GetRequest {
				for i := range vs {
					if strings.HasSuffix(vs[i].Name, "3.3.1.2.1.3.3.46") {
						vs[i].Type, vs[i].Value = gosnmp.NoSuchInstance, nil
					}
				}
			}
			return [][]byte{response(req, vs)}
		}, "interface 3 has DSCP rows for 63 of 64 values asked for"},
		{"scheduler row of a queue the switch lacks", func(req *gosnmp.SnmpPacket) [][]byte {
			vs := good(req)
			if !isDSCPRead(req) {
				vs[2+2*3].Name = fmt.Sprintf(".%s.0.7", mibs.AgentCosQueueSchedulerType)
			}
			return [][]byte{response(req, vs)}
		}, "is outside interfaces x queues 0..3"},
		{"unknown trust value", func(req *gosnmp.SnmpPacket) [][]byte {
			vs := good(req)
			if !isDSCPRead(req) {
				vs[1+2*4].Value = 7
			}
			return [][]byte{response(req, vs)}
		}, "3.3.1.3.1.2.4 = 7 is no trust mode"},
		{"a trust table that never ends", func(req *gosnmp.SnmpPacket) [][]byte {
			if isDSCPRead(req) {
				return [][]byte{response(req, good(req))}
			}
			// Every GETBULK gets 60 more trust rows after the one asked for.
			start := 0
			last := req.Variables[len(req.Variables)-1].Name
			if i := strings.LastIndex(last, "."); strings.Contains(last, mibs.AgentCosMapIntfTrustMode+".") && i >= 0 {
				fmt.Sscan(last[i+1:], &start)
				start++
			}
			var vs []gosnmp.SnmpPDU
			if req.NonRepeaters > 0 {
				vs = good(req)[:req.NonRepeaters]
			}
			for i := 0; i < 60; i++ {
				vs = append(vs, gosnmp.SnmpPDU{Name: fmt.Sprintf(".%s.%d", mibs.AgentCosMapIntfTrustMode, start+i), Type: gosnmp.Integer, Value: 2})
			}
			return [][]byte{response(req, vs)}
		}, "has more than 4096 rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := hostileAgent(t, tt.answer)
			sw := v2cSwitch(t, "hostile", addr, "c")
			_, err := open(t, sw).Read(context.Background())
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want %q", err, tt.want)
			}
			// Whatever the agent did, the failure has a class, never "other".
			if c := vendors.Class(err); c == vendors.ClassOther {
				t.Errorf("err %v has no class", err)
			}
		})
	}
}

// TestSaveRefusedByEcho: an agent that answers the save SET with noError
// but echoes noSuchInstance (snmpsim on a read-only object) saved nothing.
func TestSaveRefusedByEcho(t *testing.T) {
	addr := hostileAgent(t, func(req *gosnmp.SnmpPacket) [][]byte {
		if req.PDUType == gosnmp.SetRequest {
			return [][]byte{response(req, []gosnmp.SnmpPDU{{Name: req.Variables[0].Name, Type: gosnmp.NoSuchInstance}})}
		}
		return [][]byte{response(req, []gosnmp.SnmpPDU{{Name: "." + mibs.AgentSaveConfigStatus, Type: gosnmp.Integer, Value: mibs.SaveStatusNotInitiated}})}
	})
	err := open(t, v2cSwitch(t, "hostile", addr, "c")).Save(context.Background())
	if err == nil || !strings.Contains(err.Error(), "agentSaveConfig") {
		t.Fatalf("Save = %v; want the refused agentSaveConfig named", err)
	}
}

// TestSaveStatusUnreadable: a save whose status the agent answers with an
// error-status, a value of another type or noSuchObject was never seen to
// complete: Save fails with an outcome that is unknown, never success.
func TestSaveStatusUnreadable(t *testing.T) {
	status := "." + mibs.AgentSaveConfigStatus
	for name, answer := range map[string]func(req *gosnmp.SnmpPacket) []byte{
		"genErr": func(req *gosnmp.SnmpPacket) []byte {
			resp := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: req.Community, PDUType: gosnmp.GetResponse, RequestID: req.RequestID,
				Error: gosnmp.GenErr, ErrorIndex: 1, Variables: []gosnmp.SnmpPDU{{Name: status, Type: gosnmp.Null}}}
			out, err := resp.MarshalMsg()
			if err != nil {
				panic(err)
			}
			return out
		},
		"OctetString": func(req *gosnmp.SnmpPacket) []byte {
			return response(req, []gosnmp.SnmpPDU{{Name: status, Type: gosnmp.OctetString, Value: []byte("3")}})
		},
		"noSuchObject": func(req *gosnmp.SnmpPacket) []byte {
			return response(req, []gosnmp.SnmpPDU{{Name: status, Type: gosnmp.NoSuchObject}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			addr := hostileAgent(t, func(req *gosnmp.SnmpPacket) [][]byte {
				if req.PDUType == gosnmp.SetRequest {
					return [][]byte{response(req, req.Variables)}
				}
				return [][]byte{answer(req)}
			})
			err := open(t, v2cSwitch(t, "hostile", addr, "c")).Save(context.Background())
			if err == nil {
				t.Fatal("Save succeeded on a status it could not read")
			}
			if !vendors.IsOutcomeUnknown(err) || vendors.Class(err) != vendors.ClassSave {
				t.Fatalf("Save = %v (class %s); want a save of unknown outcome", err, vendors.Class(err))
			}
		})
	}
}

// TestSetPDUsCapped: gosnmp sends a SET of any size; a change of more rows
// than gosnmp.MaxOids goes in PDUs of at most that many, every row once.
func TestSetPDUsCapped(t *testing.T) {
	var mu sync.Mutex // the agent's goroutine writes, the test reads
	var sizes []int
	addr := hostileAgent(t, func(req *gosnmp.SnmpPacket) [][]byte {
		if req.PDUType == gosnmp.SetRequest {
			mu.Lock()
			sizes = append(sizes, len(req.Variables))
			mu.Unlock()
			return [][]byte{response(req, req.Variables)}
		}
		return [][]byte{response(req, good(req))}
	})
	a := open(t, v2cSwitch(t, "hostile", addr, "c"))
	if _, err := a.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ch vendors.Change
	for d := 0; d < vendors.NumDSCP; d++ {
		ch.Map = append(ch.Map, vendors.MapChange{Scope: vendors.GlobalPort, DSCP: d, From: 1, To: 2})
	}
	if err := a.Write(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for _, n := range sizes {
		if n > gosnmp.MaxOids {
			t.Errorf("a SET of %d varbinds; the cap is %d", n, gosnmp.MaxOids)
		}
		total += n
	}
	if total != vendors.NumDSCP || len(sizes) != 2 {
		t.Errorf("SETs of %v varbinds; want 64 rows in 2 PDUs", sizes)
	}
}

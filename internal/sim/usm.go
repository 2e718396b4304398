package sim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"
	"time"

	"github.com/gosnmp/gosnmp"
)

// V3User is the one SNMPv3 USM user a Server accepts, always at authPriv.
type V3User struct {
	UserName       string
	AuthProtocol   gosnmp.SnmpV3AuthProtocol // gosnmp.SHA or gosnmp.SHA256
	AuthPassphrase string
	PrivProtocol   gosnmp.SnmpV3PrivProtocol // gosnmp.AES
	PrivPassphrase string
	// EngineID is the raw snmpEngineID; empty derives a stable one from
	// the switch name.
	EngineID string
}

// USM report counters (SNMP-USER-BASED-SM-MIB usmStats).
const (
	usmStatsUnsupportedSecLevels = ".1.3.6.1.6.3.15.1.1.1.0"
	usmStatsNotInTimeWindows     = ".1.3.6.1.6.3.15.1.1.2.0"
	usmStatsUnknownUserNames     = ".1.3.6.1.6.3.15.1.1.3.0"
	usmStatsUnknownEngineIDs     = ".1.3.6.1.6.3.15.1.1.4.0"
	usmStatsWrongDigests         = ".1.3.6.1.6.3.15.1.1.5.0"
)

// timeWindow is the RFC 3414 3.2.7 tolerance in seconds.
const timeWindow = 150

// usm is the authoritative side of the User-based Security Model. It leans
// on gosnmp for parsing, decryption, key localization and encoding, and
// does itself what gosnmp keeps unexported: the HMAC check, the time
// window and the reports.
type usm struct {
	user     V3User
	engineID string
	sw       *GS110TP // its reboots drive snmpEngineBoots and snmpEngineTime
	start    time.Time
	params   *gosnmp.UsmSecurityParameters // localized keys; only copied
	newMAC   func() hash.Hash
	macLen   int
	salt     atomic.Uint64
	reports  [5]atomic.Uint32 // indexed like the usmStats OIDs
}

func newUSM(u V3User, sw *GS110TP) (*usm, error) {
	sysName := sw.Name()
	if u.UserName == "" || u.AuthPassphrase == "" || u.PrivPassphrase == "" {
		return nil, errors.New("sim: v3 user needs a name and both passphrases")
	}
	s := &usm{user: u, sw: sw, start: time.Now()}
	switch u.AuthProtocol {
	case gosnmp.SHA:
		s.newMAC, s.macLen = sha1.New, 12 // HMAC-SHA-96, RFC 3414
	case gosnmp.SHA256:
		s.newMAC, s.macLen = sha256.New, 24 // HMAC-SHA-256-192, RFC 7860
	default:
		return nil, fmt.Errorf("sim: v3 auth protocol %v not supported (SHA, SHA256)", u.AuthProtocol)
	}
	if u.PrivProtocol != gosnmp.AES {
		return nil, fmt.Errorf("sim: v3 privacy protocol %v not supported (AES)", u.PrivProtocol)
	}
	s.engineID = u.EngineID
	if s.engineID == "" {
		s.engineID = defaultEngineID(sysName)
	}
	s.params = &gosnmp.UsmSecurityParameters{
		AuthoritativeEngineID:    s.engineID,
		UserName:                 u.UserName,
		AuthenticationProtocol:   u.AuthProtocol,
		AuthenticationPassphrase: u.AuthPassphrase,
		PrivacyProtocol:          u.PrivProtocol,
		PrivacyPassphrase:        u.PrivPassphrase,
	}
	if err := s.params.InitSecurityKeys(); err != nil {
		return nil, fmt.Errorf("sim: localizing v3 keys: %w", err)
	}
	return s, nil
}

// defaultEngineID builds an RFC 3411 engine ID in NetGear's enterprise
// (4526) with the MAC-address format, the MAC made from the switch name.
func defaultEngineID(name string) string {
	h := fnv.New64a()
	h.Write([]byte(name))
	id := []byte{0x80, 0x00, 0x11, 0xae, 0x03}
	return string(append(id, binary.BigEndian.AppendUint64(nil, h.Sum64())[2:]...))
}

// boots returns snmpEngineBoots and snmpEngineTime: boots start at 1 and go
// up with every reboot of the switch, which also restarts the time.
func (u *usm) boots() (uint32, uint32) {
	reboots, at := u.sw.engineBoots()
	start := u.start
	if at.After(start) {
		start = at
	}
	return 1 + reboots, uint32(time.Since(start) / time.Second) //nolint:gosec // a simulator does not run 136 years
}

// process answers one SNMPv3 message: an engine discovery, a report for a
// message USM rejects, or an authPriv response.
func (u *usm) process(h *handler, raw []byte) ([]byte, bool) {
	x := &gosnmp.GoSNMP{
		Version:            gosnmp.Version3,
		SecurityModel:      gosnmp.UserSecurityModel,
		MsgFlags:           gosnmp.AuthPriv,
		SecurityParameters: u.params.Copy(),
	}
	// The decoder blanks the MAC and decrypts in place: give it a copy.
	pkt, err := x.SnmpDecodePacket(bytes.Clone(raw))
	if err != nil || pkt.SecurityModel != gosnmp.UserSecurityModel {
		return nil, false
	}
	usp, ok := pkt.SecurityParameters.(*gosnmp.UsmSecurityParameters)
	if !ok {
		return nil, false
	}
	reportable := pkt.MsgFlags&gosnmp.Reportable != 0
	level := pkt.MsgFlags & gosnmp.AuthPriv
	switch {
	case usp.AuthoritativeEngineID != u.engineID:
		// Engine discovery, RFC 3414 4: tell the manager who we are.
		return u.report(h, pkt, reportable, usmStatsUnknownEngineIDs, gosnmp.NoAuthNoPriv)
	case usp.UserName != u.user.UserName:
		return u.report(h, pkt, reportable, usmStatsUnknownUserNames, gosnmp.NoAuthNoPriv)
	case level != gosnmp.AuthPriv:
		return u.report(h, pkt, reportable, usmStatsUnsupportedSecLevels, gosnmp.NoAuthNoPriv)
	case !u.authentic(raw, usp.AuthenticationParameters):
		return u.report(h, pkt, reportable, usmStatsWrongDigests, gosnmp.NoAuthNoPriv)
	case u.notInTime(usp):
		return u.report(h, pkt, reportable, usmStatsNotInTimeWindows, gosnmp.AuthNoPriv)
	}
	r, ok := h.serve(pkt)
	if !ok {
		return nil, false
	}
	resp := u.packet(pkt, gosnmp.GetResponse, gosnmp.AuthPriv)
	return h.encode(resp, r, pkt.PDUType == gosnmp.GetBulkRequest)
}

// notInTime is the RFC 3414 3.2.7 timeliness check.
func (u *usm) notInTime(usp *gosnmp.UsmSecurityParameters) bool {
	boots, now := u.boots()
	return usp.AuthoritativeEngineBoots != boots || absDiff(usp.AuthoritativeEngineTime, now) > timeWindow
}

// authentic checks the HMAC of raw. gosnmp's check is unexported, so this
// blanks the received MAC in a copy and recomputes it with the localized key.
func (u *usm) authentic(raw []byte, mac string) bool {
	if len(mac) != u.macLen {
		return false
	}
	field := append([]byte{0x04, byte(u.macLen)}, mac...)
	msg := bytes.Clone(raw)
	// The USM parameters precede the scoped PDU, so the first match is the
	// MAC field; earlier header bytes cannot hold a 12-byte string.
	i := bytes.Index(msg, field)
	if i < 0 {
		return false
	}
	clear(msg[i+2 : i+len(field)])
	m := hmac.New(u.newMAC, u.params.SecretKey)
	m.Write(msg)
	return hmac.Equal(m.Sum(nil)[:u.macLen], []byte(mac))
}

// report answers a message USM rejected with the matching usmStats counter,
// if the manager asked for reports.
func (u *usm) report(h *handler, req *gosnmp.SnmpPacket, reportable bool, counter string, level gosnmp.SnmpV3MsgFlags) ([]byte, bool) {
	if !reportable {
		return nil, false
	}
	n := u.count(counter)
	resp := u.packet(req, gosnmp.Report, level)
	r := reply{vars: []gosnmp.SnmpPDU{{Name: counter, Type: gosnmp.Counter32, Value: n}}}
	return h.encode(resp, r, false)
}

func (u *usm) count(counter string) uint32 {
	for n, c := range []string{usmStatsUnsupportedSecLevels, usmStatsNotInTimeWindows, usmStatsUnknownUserNames, usmStatsUnknownEngineIDs, usmStatsWrongDigests} {
		if c == counter {
			return u.reports[n].Add(1)
		}
	}
	return 0
}

// packet builds a v3 message answering req at the given security level.
func (u *usm) packet(req *gosnmp.SnmpPacket, t gosnmp.PDUType, level gosnmp.SnmpV3MsgFlags) *gosnmp.SnmpPacket {
	boots, now := u.boots()
	sp := &gosnmp.UsmSecurityParameters{
		AuthoritativeEngineID:    u.engineID,
		AuthoritativeEngineBoots: boots,
		AuthoritativeEngineTime:  now,
		UserName:                 u.user.UserName,
	}
	if level&gosnmp.AuthNoPriv != 0 {
		sp.AuthenticationProtocol = u.user.AuthProtocol
		sp.SecretKey = u.params.SecretKey
	}
	if level == gosnmp.AuthPriv {
		sp.PrivacyProtocol = u.user.PrivProtocol
		sp.PrivacyKey = u.params.PrivacyKey
		// AES-CFB needs a fresh IV per message; a counter is unique enough.
		sp.PrivacyParameters = binary.BigEndian.AppendUint64(nil, u.salt.Add(1))
	}
	if usp, ok := req.SecurityParameters.(*gosnmp.UsmSecurityParameters); ok && t == gosnmp.Report {
		sp.UserName = usp.UserName // a report names whoever asked
	}
	return &gosnmp.SnmpPacket{
		Version:            gosnmp.Version3,
		MsgFlags:           level,
		SecurityModel:      gosnmp.UserSecurityModel,
		SecurityParameters: sp,
		PDUType:            t,
		MsgID:              req.MsgID,
		RequestID:          req.RequestID,
		ContextEngineID:    u.engineID,
		ContextName:        req.ContextName,
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// Package snmpsimd runs Debian's snmpsimd (snmpsim 0.4.5) as a test peer
// that looks like a NetGear GS110TP, so that SNMP code can be tested against
// a real, independent agent implementation over UDP.
//
// The data files live in testdata/snmpsim and come from ./gen. Each file is
// a variant; snmpsimd selects it by v2c community or SNMPv3 context name
// equal to the file's base name (see Agent.Community and Agent.ContextName).
//
// Behaviour of snmpsimd 0.4.5 that tests can rely on (found by experiment,
// see snmpsimd_test.go):
//   - Varbinds of a SET are applied one by one; when one fails the earlier
//     ones stay written and the response carries that varbind's error status
//     and its 1-based error index (commitFailed, 3 for the third).
//   - A SET on a read-only record, or of the wrong type on a writable one,
//     answers noError but echoes the varbind with a noSuchInstance value and
//     changes nothing.
//   - A GET of an OID with no record answers noSuchInstance, never
//     noSuchObject.
//   - GETBULK answers at most 64 varbinds (--max-varbinds) and pads
//     repetitions past the last OID with endOfMibView.
package snmpsimd

//go:generate go run ./gen -o ../../testdata/snmpsim

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/qosagent/qosagent/internal/peer"
)

// Variants of the committed data files.
const (
	// VariantGS110TP is a factory-default GS110TP whose read-write objects
	// keep SETs for the lifetime of the agent.
	VariantGS110TP = "gs110tp"
	// VariantPartial is VariantGS110TP except that the global trust row
	// (agentCosMapIntfTrustMode.0) fails every SET with commitFailed.
	VariantPartial = "gs110tp-partial"
	// VariantPortsDiffer has compliant global rows (EF 3, AF41 2, CS3 1,
	// BE 0, trust DSCP, queue 3 strict) on every interface except three:
	// interface 5 maps EF to queue 1, interface 6 is untrusted, interface
	// 7 schedules queue 3 weighted. A SET on a global row does not fan out
	// here (the data file is static).
	VariantPortsDiffer = "gs110tp-ports-differ"
	// VariantLateRow is VariantGS110TP except that a SET of the global EF
	// row to queue 3 is answered after 2.5 s and not stored (the row keeps
	// reading 2), while the rest of the PDU is applied.
	VariantLateRow = "gs110tp-late-row"
)

// Default SNMPv3 credentials, used when Options leaves them empty. net-snmp
// wants keys of at least 8 characters.
const (
	DefaultV3User      = "qosagent"
	DefaultV3AuthKey   = "qosagent-auth"
	DefaultV3PrivKey   = "qosagent-priv"
	DefaultV3AuthProto = "SHA"
	DefaultV3PrivProto = "AES"
)

// startTimeout bounds how long Start waits for snmpsimd to answer; it takes
// about a second to import pysnmp and index the data files.
const startTimeout = 20 * time.Second

// Options configures Start. The zero value serves the committed data files
// with the default SNMPv3 user.
type Options struct {
	// DataDir holds the data files; empty means the repository's
	// testdata/snmpsim. It is copied, so writes never reach it.
	DataDir string

	// SNMPv3 USM user; empty fields take the Default* values. Protocols
	// use snmpsimd's names: auth MD5, SHA, SHA224, SHA256, SHA384, SHA512;
	// priv DES, 3DES, AES (= AES128), AES192, AES256, and the
	// AES192BLMT/AES256BLMT key-extension variants.
	V3User, V3AuthKey, V3PrivKey string
	V3AuthProto, V3PrivProto     string
}

// Agent is a running snmpsimd.
type Agent struct {
	// Addr is the agent's UDP address, 127.0.0.1:port.
	Addr string
	// Host and Port split Addr, for clients such as gosnmp that take them apart.
	Host string
	Port uint16

	// The effective SNMPv3 credentials (Options with defaults applied).
	V3User, V3AuthKey, V3PrivKey string
	V3AuthProto, V3PrivProto     string

	tb       testing.TB
	variants []string
	cmd      *exec.Cmd
	log      *peer.SyncBuffer
	done     chan struct{} // closed when cmd has exited
	waitErr  error
}

// Start runs snmpsimd on a free loopback UDP port serving the data files in
// opts.DataDir, and stops it at tb.Cleanup. Each call copies the data files
// to a fresh directory, so writecache state starts clean.
//
// It skips the test when snmpsimd is not installed, unless the environment
// variable QOSAGENT_REQUIRE_PEERS=1 is set, in which case it fails.
func Start(tb testing.TB, opts Options) *Agent {
	tb.Helper()
	bin, err := exec.LookPath("snmpsimd")
	if err != nil {
		peer.Missing(tb, "snmpsimd", "apt-get install snmpsim", err)
	}
	opts = withDefaults(opts)
	if opts.DataDir == "" {
		opts.DataDir = DefaultDataDir()
	}

	root, err := os.MkdirTemp("", "snmpsimd-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(root) })
	dataDir := filepath.Join(root, "data")
	cacheDir := filepath.Join(root, "cache")
	variants, aliases, err := copyData(opts.DataDir, dataDir)
	if err != nil {
		tb.Fatalf("snmpsimd: copying data files: %v", err)
	}
	if len(variants) == 0 {
		tb.Fatalf("snmpsimd: no .snmprec files in %s", opts.DataDir)
	}
	if err := os.Mkdir(cacheDir, 0o755); err != nil {
		tb.Fatal(err)
	}

	var privArgs []string
	if os.Geteuid() == 0 {
		// snmpsimd refuses to run as root without somewhere to drop
		// to, and reads the data and writes its index as that user.
		u, g, err := unprivileged()
		if err != nil {
			tb.Fatalf("snmpsimd: running as root and %v", err)
		}
		if err := chownTree(root, u, g); err != nil {
			tb.Fatalf("snmpsimd: %v", err)
		}
		privArgs = []string{"--process-user=" + u.Username, "--process-group=" + g.Name}
	}

	// A port picked by binding :0 may be taken again before snmpsimd binds
	// it; snmpsimd then exits at once, and another port is tried.
	var lastErr error
	for range 3 {
		port, err := peer.FreeUDPPort()
		if err != nil {
			tb.Fatal(err)
		}
		a := &Agent{
			Addr:        net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			Host:        "127.0.0.1",
			Port:        uint16(port),
			V3User:      opts.V3User,
			V3AuthKey:   opts.V3AuthKey,
			V3PrivKey:   opts.V3PrivKey,
			V3AuthProto: opts.V3AuthProto,
			V3PrivProto: opts.V3PrivProto,
			tb:          tb,
			variants:    variants,
			log:         new(peer.SyncBuffer),
			done:        make(chan struct{}),
		}
		args := []string{
			// --v3-engine-id must come before --data-dir: otherwise
			// snmpsimd also serves ~/.snmpsim/data and the system
			// data directories.
			"--v3-engine-id=auto",
			"--data-dir=" + dataDir,
			"--cache-dir=" + cacheDir,
			"--agent-udpv4-endpoint=" + a.Addr,
			"--v3-user=" + opts.V3User,
			"--v3-auth-key=" + opts.V3AuthKey,
			"--v3-auth-proto=" + opts.V3AuthProto,
			"--v3-priv-key=" + opts.V3PrivKey,
			"--v3-priv-proto=" + opts.V3PrivProto,
		}
		args = append(args, privArgs...)
		for _, alias := range aliases {
			// writecache keeps one cache keyed by OID for all data
			// files; an alias per variant keeps variants apart.
			args = append(args, "--variation-module-options=writecache="+alias+":")
		}
		a.cmd = exec.Command(bin, args...)
		// HOME is where snmpsimd looks for extra variation modules and
		// data; point it at our directory so the user's are not used.
		a.cmd.Env = append(os.Environ(), "HOME="+root)
		a.cmd.Dir = root
		a.cmd.Stdout = a.log
		a.cmd.Stderr = a.log
		if err := a.cmd.Start(); err != nil {
			tb.Fatalf("snmpsimd: %v", err)
		}
		go func() {
			a.waitErr = a.cmd.Wait()
			close(a.done)
		}()
		tb.Cleanup(a.stop)

		if lastErr = a.waitReady(); lastErr == nil {
			return a
		}
		a.stop()
		if !strings.Contains(a.log.String(), "Address already in use") {
			break
		}
	}
	tb.Fatalf("snmpsimd: %v", lastErr)
	return nil
}

// Community returns the v2c community that selects the data file of variant.
func (a *Agent) Community(variant string) string {
	a.tb.Helper()
	a.mustHave(variant)
	return variant
}

// ContextName returns the SNMPv3 context name that selects the data file of
// variant. snmpsimd registers names of up to 32 characters as they are, and
// the MD5 hex digest of longer ones.
func (a *Agent) ContextName(variant string) string {
	a.tb.Helper()
	a.mustHave(variant)
	if len(variant) > 32 {
		sum := md5.Sum([]byte(variant))
		return hex.EncodeToString(sum[:])
	}
	return variant
}

// Variants returns the names of the data files the agent serves.
func (a *Agent) Variants() []string { return slices.Clone(a.variants) }

// Log returns what snmpsimd has written so far; it logs every request.
func (a *Agent) Log() string { return a.log.String() }

// V2c returns a gosnmp client (not yet connected) for variant over v2c.
func (a *Agent) V2c(variant string) *gosnmp.GoSNMP {
	a.tb.Helper()
	return &gosnmp.GoSNMP{
		Target:    a.Host,
		Port:      a.Port,
		Version:   gosnmp.Version2c,
		Community: a.Community(variant),
		Timeout:   2 * time.Second,
		Retries:   1,
		MaxOids:   gosnmp.MaxOids,
	}
}

// V3 returns a gosnmp client (not yet connected) for variant over SNMPv3
// authPriv with the agent's user.
func (a *Agent) V3(variant string) *gosnmp.GoSNMP {
	a.tb.Helper()
	auth, ok := authProtos[strings.ToUpper(a.V3AuthProto)]
	if !ok {
		a.tb.Fatalf("snmpsimd: no gosnmp auth protocol for %q", a.V3AuthProto)
	}
	priv, ok := privProtos[strings.ToUpper(a.V3PrivProto)]
	if !ok {
		a.tb.Fatalf("snmpsimd: no gosnmp priv protocol for %q", a.V3PrivProto)
	}
	return &gosnmp.GoSNMP{
		Target:        a.Host,
		Port:          a.Port,
		Version:       gosnmp.Version3,
		SecurityModel: gosnmp.UserSecurityModel,
		MsgFlags:      gosnmp.AuthPriv,
		SecurityParameters: &gosnmp.UsmSecurityParameters{
			UserName:                 a.V3User,
			AuthenticationProtocol:   auth,
			AuthenticationPassphrase: a.V3AuthKey,
			PrivacyProtocol:          priv,
			PrivacyPassphrase:        a.V3PrivKey,
		},
		ContextName: a.ContextName(variant),
		Timeout:     2 * time.Second,
		Retries:     1,
		MaxOids:     gosnmp.MaxOids,
	}
}

var authProtos = map[string]gosnmp.SnmpV3AuthProtocol{
	"MD5":    gosnmp.MD5,
	"SHA":    gosnmp.SHA,
	"SHA224": gosnmp.SHA224,
	"SHA256": gosnmp.SHA256,
	"SHA384": gosnmp.SHA384,
	"SHA512": gosnmp.SHA512,
}

// gosnmp's AES192/AES256 use the Blumenthal key extension; the "C" variants
// use the Reeder (Cisco) one, which is what snmpsimd's plain AES192/AES256 do.
var privProtos = map[string]gosnmp.SnmpV3PrivProtocol{
	"DES":        gosnmp.DES,
	"AES":        gosnmp.AES,
	"AES128":     gosnmp.AES,
	"AES192":     gosnmp.AES192C,
	"AES256":     gosnmp.AES256C,
	"AES192BLMT": gosnmp.AES192,
	"AES256BLMT": gosnmp.AES256,
}

// DefaultDataDir returns the repository's testdata/snmpsim, found from this
// source file so that tests in any package can use it.
func DefaultDataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "snmpsim")
}

func (a *Agent) mustHave(variant string) {
	a.tb.Helper()
	if !slices.Contains(a.variants, variant) {
		a.tb.Fatalf("snmpsimd: no data file for variant %q (have %q)", variant, a.variants)
	}
}

// waitReady polls with a real GET until snmpsimd answers, it exits, or
// startTimeout passes.
func (a *Agent) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	for {
		c := a.V2c(a.variants[0])
		c.Timeout = 250 * time.Millisecond
		c.Retries = 0
		if err := c.Connect(); err == nil {
			_, err = c.Get([]string{"1.3.6.1.2.1.1.2.0"})
			c.Conn.Close()
			if err == nil {
				return nil
			}
		}
		select {
		case <-a.done:
			return fmt.Errorf("exited before answering (%v); output:\n%s", a.waitErr, a.log)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer on %s within %v; output:\n%s", a.Addr, startTimeout, a.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (a *Agent) stop() {
	select {
	case <-a.done:
		return
	default:
	}
	a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(5 * time.Second):
		a.cmd.Process.Kill()
		<-a.done
	}
}

func withDefaults(o Options) Options {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.V3User, DefaultV3User)
	def(&o.V3AuthKey, DefaultV3AuthKey)
	def(&o.V3PrivKey, DefaultV3PrivKey)
	def(&o.V3AuthProto, DefaultV3AuthProto)
	def(&o.V3PrivProto, DefaultV3PrivProto)
	o.V3AuthProto = strings.ToUpper(o.V3AuthProto)
	o.V3PrivProto = strings.ToUpper(o.V3PrivProto)
	return o
}

// writecacheTag matches a record's tag that uses an alias of the writecache
// variation module, such as "66:writecache-gs110tp".
var writecacheTag = regexp.MustCompile(`(?m)^[^|#]*\|[0-9]+x?:(writecache[^|:=,]*)\|`)

// copyData copies the .snmprec files under src to dst, keeping their
// relative paths, and returns the variant names (community names) and the
// writecache aliases they use.
func copyData(src, dst string) (variants, aliases []string, err error) {
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".snmprec" {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			return err
		}
		variants = append(variants, filepath.ToSlash(strings.TrimSuffix(rel, ".snmprec")))
		for _, m := range writecacheTag.FindAllSubmatch(data, -1) {
			aliases = append(aliases, string(m[1]))
		}
		return nil
	})
	slices.Sort(aliases)
	return variants, slices.Compact(aliases), err
}

// unprivileged returns the user and group snmpsimd drops to when started as
// root.
func unprivileged() (*user.User, *user.Group, error) {
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, nil, fmt.Errorf("no user to drop privileges to: %v", err)
	}
	for _, name := range []string{"nogroup", "nobody"} {
		if g, err := user.LookupGroup(name); err == nil {
			return u, g, nil
		}
	}
	return nil, nil, fmt.Errorf("no group nogroup or nobody to drop privileges to")
}

func chownTree(root string, u *user.User, g *user.Group) error {
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return err
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return err
	}
	return filepath.WalkDir(root, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}

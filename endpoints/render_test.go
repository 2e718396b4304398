package endpoints

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/qosagent/qosagent/agent"
)

var update = flag.Bool("update", false, "rewrite the golden files of the render targets")

var goldenExt = map[string]string{
	TargetPowerShell: "ps1", TargetGPO: "pol", TargetReg: "reg", TargetSkype: "ps1", TargetTeams: "ps1", TargetPolycom: "cfg",
}

func presetInput(t *testing.T, name string) Input {
	t.Helper()
	p, data, err := agent.LoadPreset(name)
	if err != nil {
		t.Fatal(err)
	}
	return Input{Policy: p, Source: Source{Name: agent.PresetSource(name), Data: data}}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./endpoints -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the render (go test ./endpoints -update rewrites it):\n got %q\nwant %q", path, got, want)
	}
}

// TestRenderGolden pins every target's output for the lync-2014 preset and
// the Teams preset. A render the linter refuses pins its refusal instead.
func TestRenderGolden(t *testing.T) {
	for _, preset := range []string{"lync-2014", "teams"} {
		in := presetInput(t, preset)
		for _, target := range Targets() {
			t.Run(preset+"/"+target, func(t *testing.T) {
				out, _, err := Render(in, target, RenderOptions{})
				base := filepath.Join("testdata", preset, target+"."+goldenExt[target])
				var lint *LintError
				switch {
				case errors.As(err, &lint):
					if out != nil {
						t.Fatal("a refused render returned an artefact")
					}
					golden(t, base+".refused", []byte(err.Error()+"\n"))
				case err != nil:
					t.Fatal(err)
				default:
					golden(t, base, out)
				}
				if target == TargetGPO && err == nil {
					golden(t, base+".txt", GPOCompanion(in, RenderOptions{}, "Registry.pol"))
				}
			})
		}
	}
	// --no-nla variants.
	in := presetInput(t, "lync-2014")
	for _, target := range []string{TargetReg, TargetGPO, TargetPowerShell} {
		out, _, err := Render(in, target, RenderOptions{NoNLA: true})
		if err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", "lync-2014", target+"-no-nla."+goldenExt[target]), out)
	}
}

// TestTeamsPolycomRefused: Teams' 20-port ranges are shorter than the VVX's
// fixed 24-port blocks, so a Polycom file from the Teams preset is refused.
func TestTeamsPolycomRefused(t *testing.T) {
	_, rep, err := Render(presetInput(t, "teams"), TargetPolycom, RenderOptions{})
	var lint *LintError
	if !errors.As(err, &lint) || rep.Count(SevError) != 2 || !strings.Contains(err.Error(), "50000-50019 has 20 ports; VVX phones use a fixed block of 24") {
		t.Fatalf("err = %v", err)
	}
}

// Every text artefact names the policy and its hash before anything else
// (after the header line its format requires first).
func TestProvenance(t *testing.T) {
	in := presetInput(t, "lync-2014")
	want := "from policy preset lync-2014, sha256 " + in.Source.SHA256()
	for _, target := range Targets() {
		out, _, err := Render(in, target, RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		switch target {
		case TargetGPO:
			text = string(GPOCompanion(in, RenderOptions{}, "Registry.pol"))
		case TargetReg:
			text = decodeUTF16LE(t, out)
		}
		lines := strings.Split(text, "\n")
		first := lines[0]
		if target == TargetReg || target == TargetPolycom {
			first = lines[1] + lines[2] // after the Registry Editor header / the XML declaration
		}
		if !strings.Contains(first, want) {
			t.Errorf("%s: first comment %q lacks %q", target, first, want)
		}
	}
}

// --- An independent Registry.pol decoder, written from Microsoft's
// "Registry Policy File Format" (learn.microsoft.com, Group Policy,
// registry-policy-file-format): a header of the signature 0x67655250 and
// version 1, both little-endian DWORDs, then a body of
// [key;value;type;size;data] where "[", ";" and "]" are 16-bit Unicode
// characters, key and value are NUL-terminated Unicode strings, type and size
// are little-endian DWORDs, and data is size bytes.

type polValue struct {
	Type uint32
	Data string // REG_SZ decoded, NUL dropped
}

func readPol(t *testing.T, b []byte) map[string]map[string]polValue {
	t.Helper()
	if len(b) < 8 || binary.LittleEndian.Uint32(b) != 0x67655250 || binary.LittleEndian.Uint32(b[4:]) != 1 {
		t.Fatalf("bad Registry.pol header % x", b[:min(8, len(b))])
	}
	b = b[8:]
	char := func(want rune) {
		t.Helper()
		if len(b) < 2 || rune(binary.LittleEndian.Uint16(b)) != want {
			t.Fatalf("expected %q at % x", want, b[:min(8, len(b))])
		}
		b = b[2:]
	}
	str := func() string {
		t.Helper()
		var u []uint16
		for {
			if len(b) < 2 {
				t.Fatal("unterminated string")
			}
			c := binary.LittleEndian.Uint16(b)
			b = b[2:]
			if c == 0 {
				return string(utf16.Decode(u))
			}
			u = append(u, c)
		}
	}
	dword := func() uint32 {
		t.Helper()
		if len(b) < 4 {
			t.Fatal("short DWORD")
		}
		v := binary.LittleEndian.Uint32(b)
		b = b[4:]
		return v
	}
	out := map[string]map[string]polValue{}
	for len(b) > 0 {
		char('[')
		key := str()
		char(';')
		value := str()
		char(';')
		typ := dword()
		char(';')
		size := dword()
		char(';')
		if uint32(len(b)) < size {
			t.Fatal("short data")
		}
		data := b[:size]
		b = b[size:]
		char(']')
		if typ != 1 {
			t.Fatalf("%s\\%s: type %d, want REG_SZ (1)", key, value, typ)
		}
		if size%2 != 0 || size < 2 || binary.LittleEndian.Uint16(data[size-2:]) != 0 {
			t.Fatalf("%s\\%s: REG_SZ data % x is not NUL-terminated UTF-16", key, value, data)
		}
		u := make([]uint16, size/2-1)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(data[2*i:])
		}
		if out[key] == nil {
			out[key] = map[string]polValue{}
		}
		if _, dup := out[key][value]; dup {
			t.Fatalf("%s\\%s twice", key, value)
		}
		out[key][value] = polValue{Type: typ, Data: string(utf16.Decode(u))}
	}
	return out
}

// qosValues is what Microsoft documents for one policy-based QoS policy
// (all REG_SZ), written out here independently of the renderer.
func qosValues(app, proto, local, remote, dscp string) map[string]string {
	return map[string]string{
		"Version": "1.0", "Application Name": app, "Protocol": proto,
		"Local Port": local, "Local IP": "*", "Local IP Prefix Length": "*",
		"Remote Port": remote, "Remote IP": "*", "Remote IP Prefix Length": "*",
		"DSCP Value": dscp, "Throttle Rate": "-1",
	}
}

const qosKey = `Software\Policies\Microsoft\Windows\QoS\`

var lyncRegistry = map[string]map[string]string{
	qosKey + "qosagent-audio-lync.exe":     qosValues("lync.exe", "*", "6000-6024", "*", "46"),
	qosKey + "qosagent-video-lync.exe":     qosValues("lync.exe", "*", "6025-6049", "*", "34"),
	qosKey + "qosagent-signaling-lync.exe": qosValues("lync.exe", "TCP", "*", "5061", "24"),
}

var teamsRegistry = map[string]map[string]string{
	qosKey + "qosagent-audio-ms-teams.exe":       qosValues("ms-teams.exe", "*", "50000-50019", "*", "46"),
	qosKey + "qosagent-audio-Teams.exe":          qosValues("Teams.exe", "*", "50000-50019", "*", "46"),
	qosKey + "qosagent-video-ms-teams.exe":       qosValues("ms-teams.exe", "*", "50020-50039", "*", "34"),
	qosKey + "qosagent-video-Teams.exe":          qosValues("Teams.exe", "*", "50020-50039", "*", "34"),
	qosKey + "qosagent-app-sharing-ms-teams.exe": qosValues("ms-teams.exe", "*", "50040-50059", "*", "18"),
	qosKey + "qosagent-app-sharing-Teams.exe":    qosValues("Teams.exe", "*", "50040-50059", "*", "18"),
}

func withNLA(m map[string]map[string]string) map[string]map[string]string {
	out := map[string]map[string]string{`SYSTEM\CurrentControlSet\Services\Tcpip\QoS`: {"Do not use NLA": "1"}}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestGPODecodesValueByValue(t *testing.T) {
	for _, tt := range []struct {
		preset string
		nla    bool
		want   map[string]map[string]string
	}{
		{"lync-2014", false, lyncRegistry},
		{"lync-2014", true, withNLA(lyncRegistry)},
		{"teams", false, teamsRegistry},
	} {
		out, _, err := Render(presetInput(t, tt.preset), TargetGPO, RenderOptions{NoNLA: tt.nla})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]map[string]string{}
		for key, values := range readPol(t, out) {
			got[key] = map[string]string{}
			for name, v := range values {
				got[key][name] = v.Data
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s (no-nla %v): Registry.pol holds\n%v\nwant\n%v", tt.preset, tt.nla, got, tt.want)
		}
	}
}

// --- The .reg file, read back as regedit would: UTF-16LE with a BOM, the
// "Windows Registry Editor Version 5.00" header, [key] sections and
// "name"="value" lines with \\ and \" escapes; ; starts a comment.

func decodeUTF16LE(t *testing.T, b []byte) string {
	t.Helper()
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xFE {
		t.Fatalf("no UTF-16LE byte order mark: % x", b[:min(2, len(b))])
	}
	b = b[2:]
	if len(b)%2 != 0 {
		t.Fatal("odd length UTF-16")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

var regLine = regexp.MustCompile(`^"((?:[^"\\]|\\.)*)"="((?:[^"\\]|\\.)*)"$`)

func readReg(t *testing.T, b []byte) map[string]map[string]string {
	t.Helper()
	text := decodeUTF16LE(t, b)
	if strings.Contains(strings.ReplaceAll(text, "\r\n", ""), "\n") {
		t.Fatal("a line ends in LF without CR")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
	if lines[0] != "Windows Registry Editor Version 5.00" {
		t.Fatalf("header %q", lines[0])
	}
	unescape := strings.NewReplacer(`\\`, `\`, `\"`, `"`)
	out := map[string]map[string]string{}
	key := ""
	for _, l := range lines[1:] {
		switch {
		case l == "" || strings.HasPrefix(l, ";"):
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			key = strings.TrimPrefix(l[1:len(l)-1], `HKEY_LOCAL_MACHINE\`)
			if key == l[1:len(l)-1] {
				t.Fatalf("key %q is not under HKEY_LOCAL_MACHINE", l)
			}
			out[key] = map[string]string{}
		default:
			m := regLine.FindStringSubmatch(l)
			if m == nil || key == "" {
				t.Fatalf("line %q is not a string value in a key", l)
			}
			out[key][unescape.Replace(m[1])] = unescape.Replace(m[2])
		}
	}
	return out
}

func TestRegDecodesValueByValue(t *testing.T) {
	for _, tt := range []struct {
		preset string
		nla    bool
		want   map[string]map[string]string
	}{
		{"lync-2014", false, lyncRegistry},
		{"lync-2014", true, withNLA(lyncRegistry)},
		{"teams", false, teamsRegistry},
	} {
		out, _, err := Render(presetInput(t, tt.preset), TargetReg, RenderOptions{NoNLA: tt.nla})
		if err != nil {
			t.Fatal(err)
		}
		if got := readReg(t, out); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s (no-nla %v): .reg holds\n%v\nwant\n%v", tt.preset, tt.nla, got, tt.want)
		}
	}
}

// TestRegEscapes: quotes and backslashes in an application path survive.
func TestRegEscapes(t *testing.T) {
	in := policy(t, `  applications: ['C:\Program Files\Lync "x"\lync.exe']`+"\n  modalities:\n"+audio)
	out, _, err := Render(in, TargetReg, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := readReg(t, out)
	if v := got[qosKey+"qosagent-audio-lync.exe"]["Application Name"]; v != `C:\Program Files\Lync "x"\lync.exe` {
		t.Fatalf("Application Name = %q in %v", v, got)
	}
}

// psStrings reads the single-quoted string literals of a PowerShell line as
// the language defines them: a quote is ' or one of U+2018..U+201B, and two
// of them in a row stand for one.
func psStrings(line string) []string {
	isQuote := func(r rune) bool { return r == '\'' || (r >= '\u2018' && r <= '\u201b') }
	var out []string
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		if !isQuote(rs[i]) {
			continue
		}
		var s []rune
		for i++; i < len(rs); i++ {
			if isQuote(rs[i]) {
				if i+1 < len(rs) && isQuote(rs[i+1]) {
					s = append(s, rs[i])
					i++
					continue
				}
				break
			}
			s = append(s, rs[i])
		}
		out = append(out, string(s))
	}
	return out
}

// TestPowerShellQuotes: an application path with an apostrophe or a
// typographic quote stays one string argument, and a script with non-ASCII
// text carries a UTF-8 byte order mark for Windows PowerShell 5.1.
func TestPowerShellQuotes(t *testing.T) {
	app := "C:\\Users\\O'Brien\\Büro \u2019x\u2018\\lync.exe"
	in := policy(t, "  applications: ['"+strings.ReplaceAll(app, "'", "''")+"']\n  modalities:\n"+audio)
	out, _, err := Render(in, TargetPowerShell, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte{0xEF, 0xBB, 0xBF}) {
		t.Errorf("no UTF-8 byte order mark: % x", out[:3])
	}
	var found bool
	for _, line := range strings.Split(string(out), "\r\n") {
		if !strings.HasPrefix(line, "New-NetQosPolicy") {
			continue
		}
		found = true
		if got := psStrings(line); len(got) != 2 || got[1] != app {
			t.Errorf("string arguments %q; want the name and %q", got, app)
		}
	}
	if !found {
		t.Fatalf("no New-NetQosPolicy line:\n%s", out)
	}
	// ASCII only: no byte order mark, as the golden files show.
	if out, _, _ := Render(presetInput(t, "lync-2014"), TargetPowerShell, RenderOptions{}); !bytes.HasPrefix(out, []byte("# ")) {
		t.Errorf("ASCII script starts % x", out[:3])
	}
}

// --- Polycom: parsed with encoding/xml.

type polycomFile struct {
	XMLName xml.Name   `xml:"polycomConfig"`
	Any     []xmlBlock `xml:",any"`
}

type xmlBlock struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
}

func readPolycom(t *testing.T, b []byte) map[string]string {
	t.Helper()
	var f polycomFile
	if err := xml.Unmarshal(b, &f); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, b)
	}
	out := map[string]string{}
	for _, blk := range f.Any {
		for _, a := range blk.Attrs {
			out[blk.XMLName.Local+"/"+a.Name.Local] = a.Value
		}
	}
	return out
}

func TestPolycomParsesAsXML(t *testing.T) {
	out, _, err := Render(presetInput(t, "lync-2014"), TargetPolycom, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"qos/qos.ip.rtp.dscp":                              "46",
		"qos/qos.ip.rtp.video.dscp":                        "34",
		"qos/qos.ip.callControl.dscp":                      "24",
		"tcpIpApp/tcpIpApp.port.rtp.mediaPortRangeStart":   "6000",
		"tcpIpApp/tcpIpApp.port.rtp.videoPortRange.enable": "1",
		"tcpIpApp/tcpIpApp.port.rtp.videoPortRangeStart":   "6025",
	}
	if got := readPolycom(t, out); !reflect.DeepEqual(got, want) {
		t.Fatalf("polycom file holds %v\nwant %v", got, want)
	}
	if !strings.HasPrefix(string(out), `<?xml version="1.0" encoding="UTF-8"`) {
		t.Errorf("no UTF-8 XML declaration: %.60s", out)
	}
	// A policy file name with dashes and bytes that are not UTF-8 goes
	// into the comment without breaking the XML.
	in := presetInput(t, "lync-2014")
	in.Source.Name = "lab---policy\xff-.yaml"
	out, _, err = Render(in, TargetPolycom, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := readPolycom(t, out); !reflect.DeepEqual(got, want) {
		t.Fatalf("polycom file holds %v\nwant %v", got, want)
	}
	if !utf8.Valid(out) {
		t.Error("not UTF-8")
	}
	// Audio only: no video or signaling parameters.
	out, _, err = Render(policy(t, mods(audio)), TargetPolycom, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := readPolycom(t, out); len(got) != 2 || got["qos/qos.ip.rtp.dscp"] != "46" {
		t.Fatalf("audio only: %v", got)
	}
}

func TestRenderNoNLAOnlyForWindows(t *testing.T) {
	if _, _, err := Render(presetInput(t, "lync-2014"), TargetSkype, RenderOptions{NoNLA: true}); err == nil || !strings.Contains(err.Error(), "--no-nla applies to") {
		t.Fatalf("err = %v", err)
	}
}

// Skype and Teams lines carry the policy's own ports and marks, nothing per preset.
func TestSkypeTeamsFromPolicy(t *testing.T) {
	in := policy(t, mods(
		"    - { name: audio, class: audio, protocol: both, source_ports: 20000-20039 }\n",
		"    - { name: video, class: video, protocol: both, source_ports: 20040-20079 }\n",
		"    - { name: app-sharing, class: signaling, protocol: tcp, source_ports: 20080-20099 }\n"))
	in.Policy.Classes[0].DSCP = []int{46, 40}
	skype, _, err := Render(in, TargetSkype, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-ClientAudioPort 20000 -ClientAudioPortRange 40 -ClientVideoPort 20040 -ClientVideoPortRange 40 -ClientAppSharingPort 20080 -ClientAppSharingPortRange 20\n", "-VoiceDiffServTag 46\n", "# No file-transfer modality"} {
		if !strings.Contains(string(skype), want) {
			t.Errorf("skype lacks %q:\n%s", want, skype)
		}
	}
	teams, _, err := Render(in, TargetTeams, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Set-CsTeamsMeetingConfiguration -ClientMediaPortRangeEnabled $true -ClientAudioPort 20000 -ClientAudioPortRange 40 -ClientVideoPort 20040 -ClientVideoPortRange 40 -ClientAppSharingPort 20080 -ClientAppSharingPortRange 20\n"; !strings.Contains(string(teams), want) {
		t.Errorf("teams lacks %q:\n%s", want, teams)
	}
	if !strings.Contains(string(teams), "macOS") {
		t.Error("teams lacks the macOS note")
	}
}

// FuzzRender: whatever policy parses, every target either refuses it with a
// lint error or renders it, and what it renders reads back.
func FuzzRender(f *testing.F) {
	for _, name := range []string{"lync-2014", "teams", "rfc4594"} {
		data, _ := agent.Preset(name)
		f.Add(data)
	}
	f.Add([]byte(classes + "endpoints:\n  applications: ['a\\b\"c', \"\"]\n  polycom: true\n  modalities:\n" + audio + sig))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := agent.ParsePolicy("fuzz.yaml", data)
		if err != nil || p.Endpoints == nil {
			return
		}
		in := Input{Policy: p, Source: Source{Name: "fuzz.yaml", Data: data}}
		for _, target := range Targets() {
			out, rep, err := Render(in, target, RenderOptions{})
			var lint *LintError
			if errors.As(err, &lint) {
				if out != nil || rep.Count(SevError) == 0 {
					t.Fatalf("%s: refused with %v but returned %d bytes", target, err, len(out))
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", target, err)
			}
			switch target {
			case TargetGPO:
				readPol(t, out)
			case TargetReg:
				readReg(t, out)
			case TargetPolycom:
				readPolycom(t, out)
			}
		}
		if _, err := Explain(in, nil); err != nil {
			t.Fatal(fmt.Errorf("explain: %w", err))
		}
	})
}

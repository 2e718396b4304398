package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qosagent/qosagent/internal/clisim"
	"github.com/qosagent/qosagent/internal/peer"
	"github.com/qosagent/qosagent/vendors/cli"
)

// debianPython is the interpreter Debian's python3-netmiko is installed for;
// a python3 earlier on PATH (pyenv, a venv) may not have it.
const debianPython = "/usr/bin/python3"

// netmikoJob is what testdata/netmiko/drive.py reads.
type netmikoJob struct {
	DeviceType string   `json:"device_type"`
	Host       string   `json:"host"`
	Port       int      `json:"port"`
	Username   string   `json:"username"`
	Password   string   `json:"password"`
	Secret     string   `json:"secret"`
	Shows      []string `json:"shows"`
	Config     []string `json:"config"`
	SaveCmd    string   `json:"save_cmd,omitempty"`
	// SaveDone is the dialect's save.success pattern: the script does not
	// log out before the switch has printed it.
	SaveDone string `json:"save_done"`
}

type netmikoResult struct {
	Steps []struct {
		Step   string `json:"step"`
		Output string `json:"output"`
		Error  string `json:"error"`
		Trace  string `json:"trace"`
	} `json:"steps"`
}

// TestNetmikoDrivesSimulator drives each simulated dialect with netmiko, a
// client we did not write, through the device driver a network engineer
// would pick: connect, enable, every show command qosagent reads, a QoS
// config line, save, disconnect. If netmiko cannot drive the simulator the
// way it drives the real switch, the simulator is wrong.
func TestNetmikoDrivesSimulator(t *testing.T) {
	if _, err := os.Stat(debianPython); err != nil {
		peer.Missing(t, "Debian's python3", "apt-get install python3-netmiko", err)
	}
	if out, err := exec.Command(debianPython, "-c", "import netmiko").CombinedOutput(); err != nil {
		peer.Missing(t, "netmiko", "apt-get install python3-netmiko", errors.New(strings.TrimSpace(string(out))))
	}
	ds, err := cli.Dialects()
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "netmiko", "drive.py"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		dialect string
		opts    clisim.Options
		// device is the netmiko 2.4.2 driver: cisco_ios and cisco_s300
		// exist; for FASTPATH the closest is ubiquiti_edgeswitch (EdgeSwitch
		// runs Broadcom FASTPATH: "configure", ")#" config prompts, "write
		// memory"), with the confirm keyword that skips the (y/n) question.
		device, saveCmd string
		config          string
		dscp, queue     int
		wantShow        map[string]string // command -> a line its output must hold
	}{
		{name: "cisco-ios", dialect: "cisco-ios", device: "cisco_ios",
			config: "mls qos srr-queue output dscp-map queue 1 threshold 3 24", dscp: 24, queue: 1,
			wantShow: map[string]string{"show mls qos maps dscp-output-q": "Dscp-outputq-threshold map:"}},
		{name: "cisco-ios-stack", dialect: "cisco-ios", opts: clisim.Options{StackPorts: true}, device: "cisco_ios",
			config: "mls qos srr-queue output dscp-map queue 1 threshold 3 34", dscp: 34, queue: 1,
			wantShow: map[string]string{"show mls qos interface": "GigabitEthernet1/0/1"}},
		{name: "cisco-sb", dialect: "cisco-sb", device: "cisco_s300",
			config: "qos map dscp-queue 34 to 4", dscp: 34, queue: 4,
			wantShow: map[string]string{"show qos": "Qos: Basic mode"}},
		{name: "cisco-sb-8-queue", dialect: "cisco-sb", opts: clisim.Options{Queues: 8}, device: "cisco_s300",
			config: "qos map dscp-queue 46 to 8", dscp: 46, queue: 8,
			wantShow: map[string]string{"show qos map dscp-queue": "Dscp-queue map:"}},
		{name: "netgear-fastpath", dialect: "netgear-fastpath", device: "ubiquiti_edgeswitch", saveCmd: "write memory confirm",
			config: "classofservice ip-dscp-mapping 46 3", dscp: 46, queue: 3,
			wantShow: map[string]string{"show classofservice ip-dscp-mapping": "46(ef)"}},
		{name: "netgear-fastpath-7-queue", dialect: "netgear-fastpath", opts: clisim.Options{Queues: 7}, device: "ubiquiti_edgeswitch", saveCmd: "write memory confirm",
			config: "classofservice ip-dscp-mapping 46 6", dscp: 46, queue: 6,
			wantShow: map[string]string{"show interfaces cos-queue": "6          0                0                Weighted"}},
	} {
		// One at a time: netmiko gives a switch about a second to answer
		// its first RETURN with a prompt (find_prompt), and six Python
		// interpreters and SSH handshakes at once on a two-core CI machine
		// under -race starve the simulator past that.
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Hostname = "nm1"
			sw, err := clisim.NewWithOptions(tc.dialect, opts)
			if err != nil {
				t.Fatal(err)
			}
			if q := sw.DSCPQueue(tc.dscp); q == tc.queue {
				t.Fatalf("%q changes nothing: DSCP %d is on queue %d from the factory", tc.config, tc.dscp, q)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			srv, err := clisim.ListenSSH(ctx, "127.0.0.1:0", sw, clisim.SSHConfig{User: "netmiko", Password: "nm-pass-1", EnableSecret: "nm-enable-2"})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			port, _ := strconv.Atoi(srv.Addr()[strings.LastIndexByte(srv.Addr(), ':')+1:])
			d := ds[tc.dialect]
			var shows []string
			for _, r := range d.Read {
				shows = append(shows, r.Command)
			}
			shows = append(shows, "show version", "show running-config", "show startup-config")
			job := netmikoJob{DeviceType: tc.device, Host: "127.0.0.1", Port: port, Username: "netmiko", Password: "nm-pass-1",
				Secret: "nm-enable-2", Shows: shows, Config: []string{tc.config}, SaveCmd: tc.saveCmd, SaveDone: d.Save.Success}
			jobFile := filepath.Join(t.TempDir(), "job.json")
			if err := os.WriteFile(jobFile, []byte(jsonString(job)), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(ctx, debianPython, script, jobFile)
			var stderr peer.SyncBuffer
			cmd.Stderr = &stderr
			out, runErr := cmd.Output()
			var res netmikoResult
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("netmiko: %v; no result (%v)\nstdout: %s\nstderr: %s", runErr, err, out, stderr.String())
			}
			for _, s := range res.Steps {
				if s.Error != "" {
					t.Fatalf("netmiko step %s: %s\n%s", s.Step, s.Error, s.Trace)
				}
			}
			if runErr != nil {
				t.Fatalf("netmiko: %v\nstderr: %s", runErr, stderr.String())
			}
			// The client may have left without reading the output of its
			// last lines ("exit"); the switch's state is final once its
			// session has read everything and ended.
			wctx, wcancel := context.WithTimeout(ctx, time.Minute)
			defer wcancel()
			if err := srv.WaitIdle(wctx); err != nil {
				t.Fatalf("the simulated session did not end after netmiko left: %v", err)
			}
			got := map[string]string{}
			for _, s := range res.Steps {
				got[s.Step] = s.Output
			}
			if got["check_enable_mode"] != "True" {
				t.Errorf("not in enable mode after enable(): %q", got["check_enable_mode"])
			}
			for _, cmd := range shows {
				o, ok := got["show:"+cmd]
				// A filtered show may rightly print nothing (an 8-queue SB
				// has no priority-queue line).
				if !ok || strings.TrimSpace(o) == "" && !strings.Contains(cmd, "|") {
					t.Errorf("%s: no output (%v)", cmd, ok)
				}
				for _, m := range d.ErrorMarkers {
					if strings.Contains(o, m) {
						t.Errorf("%s: error marker %q in output:\n%s", cmd, m, o)
					}
				}
				if w := tc.wantShow[cmd]; w != "" && !strings.Contains(o, w) {
					t.Errorf("%s: output lacks %q:\n%s", cmd, w, o)
				}
			}
			for _, m := range d.ErrorMarkers {
				if strings.Contains(got["config"], m) || strings.Contains(got["save"]+got["save_done"], m) {
					t.Errorf("error marker %q in config or save output:\n%s\n%s%s", m, got["config"], got["save"], got["save_done"])
				}
			}
			if q := sw.DSCPQueue(tc.dscp); q != tc.queue {
				t.Errorf("after send_config_set(%q): DSCPQueue(%d) = %d, want %d\n%s", tc.config, tc.dscp, q, tc.queue, got["config"])
			}
			if !sw.Saved() || sw.SaveCount() != 1 {
				t.Errorf("after save_config: Saved %v, SaveCount %d\n%s", sw.Saved(), sw.SaveCount(), got["save"])
			}
			sw.Reload()
			if q := sw.DSCPQueue(tc.dscp); q != tc.queue {
				t.Errorf("after a reload the saved change is gone: DSCPQueue(%d) = %d", tc.dscp, q)
			}
		})
	}
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

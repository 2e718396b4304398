// Package cli is the adapter for switches with a Cisco-like CLI over SSH.
// Everything that differs between platforms (prompts, paging, error markers,
// confirmation prompts, show commands and their parsers, config lines, queue
// numbering) is data: one YAML file per dialect under dialects/, embedded in
// the binary. Adding a platform is a dialect file plus its test transcripts,
// unless its show output needs a parser that does not exist yet.
package cli

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/qosagent/qosagent/vendors"
)

//go:embed dialects/*.yaml
var dialectFiles embed.FS

// Dialect is one platform's CLI, as data.
type Dialect struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Prompts     struct {
		Exec       string `yaml:"exec"`
		Privileged string `yaml:"privileged"`
		Config     string `yaml:"config"`
	} `yaml:"prompts"`
	Enable             string        `yaml:"enable"`
	EnableSecretPrompt string        `yaml:"enable_secret_prompt"`
	OnOpen             []string      `yaml:"on_open"`
	ConfigEnter        string        `yaml:"config_enter"`
	ConfigExit         string        `yaml:"config_exit"`
	Pager              string        `yaml:"pager"`
	ErrorMarkers       []string      `yaml:"error_markers"`
	RefusePrompts      []string      `yaml:"refuse_prompts"`
	Save               SaveSpec      `yaml:"save"`
	Queues             QueueSpec     `yaml:"queues"`
	Read               []ReadCommand `yaml:"read"`
	// Config says how the running-config and startup-config parsers read.
	Config ConfigSpec `yaml:"config"`
	// TrustWords maps how the device prints a trust mode (in the show
	// output its parsers read) to our trust name; every name must be
	// writable back (write.trust), so that any backup can be restored.
	TrustWords map[string]vendors.Trust `yaml:"trust_words"`
	Write      WriteSpec                `yaml:"write"`
	// Factory is the base model's factory-default state (offline tools).
	Factory FactorySpec `yaml:"factory"`

	factory *vendors.FactoryModel

	prompt, exec, privileged, config, pager, enablePrompt *regexp.Regexp
	refuse                                                []*regexp.Regexp
	saveAnswers                                           []answer
	saveSuccess                                           *regexp.Regexp
}

// SaveSpec says how to copy running to startup config.
type SaveSpec struct {
	Command string `yaml:"command"`
	Confirm []struct {
		Prompt string `yaml:"prompt"`
		Answer string `yaml:"answer"`
	} `yaml:"confirm"`
	Success string `yaml:"success"`
	// Timeout is how long a save may take on this platform, unless the
	// inventory's save_timeout says otherwise; 0: the default (2m).
	Timeout time.Duration `yaml:"timeout"`
}

// QueueSpec says how the device's queues are numbered and ranked; how
// many there are is always read from the device (a parser sets it).
type QueueSpec struct {
	First  int    `yaml:"first"`  // the lowest native queue ID (0 or 1)
	Top    string `yaml:"top"`    // "highest": the highest ID is the top queue; "first": the first ID is (the expedite queue), the rest ascend
	Counts []int  `yaml:"counts"` // the counts the platform can have; another read count is unsupported
	// NoQueues matches the ports a per-port queue show leaves out because
	// they have no egress queues of their own (VLAN interfaces); any other
	// port it leaves out is output cut short.
	NoQueues string `yaml:"no_queues"`

	noQueues *regexp.Regexp
}

// ReadCommand is a show command and the parser for its output.
type ReadCommand struct {
	Command string `yaml:"command"`
	Parser  string `yaml:"parser"`
}

// WriteSpec holds the config-line templates. Placeholders: {queue}, {dscp}
// (a space-separated list), {threshold} (the values' current drop
// threshold), {port}, {mode}, {count}, {weights}.
type WriteSpec struct {
	// QoSEnable turns the platform's global QoS switch on and off; not
	// always one line and its "no" form (cisco-sb: "qos basic" / "no qos").
	QoSEnable struct {
		On  []string `yaml:"on"`
		Off []string `yaml:"off"`
		// Last sends the on lines after every other line: on Catalyst,
		// untrusted ports re-mark DSCP to 0 from the moment QoS is on, so
		// the ports' trust must be set first.
		Last bool `yaml:"last"`
	} `yaml:"qos_enable"`
	// PortEnter and PortExit open and close a port's configuration; the
	// port-scoped templates below hold only the lines in between, and each
	// port is entered once per change.
	PortEnter string `yaml:"port_enter"`
	PortExit  string `yaml:"port_exit"`
	Map       struct {
		Line       string `yaml:"line"`
		MaxPerLine int    `yaml:"max_per_line"`
		// DefaultThreshold is written for a value whose drop threshold
		// was not read (platforms with thresholds in the map line).
		DefaultThreshold int `yaml:"default_threshold"`
	} `yaml:"map"`
	Trust struct {
		Global  []string `yaml:"global"`   // the switch-wide trust lines; none: no global trust
		NoTrust []string `yaml:"no_trust"` // global "untrusted", where it is not a mode
		Port    []string `yaml:"port"`     // per-port trust lines; none: no per-port trust
		// PortNoTrust makes a port untrusted where that is not a mode.
		PortNoTrust []string `yaml:"port_no_trust"`
		// PortFollowsGlobal: the port line has no mode; a trusted port
		// uses the global mode (cisco-sb "qos trust").
		PortFollowsGlobal bool              `yaml:"port_follows_global"`
		Modes             map[string]string `yaml:"modes"` // our trust name -> the CLI's keyword
	} `yaml:"trust"`
	Strict struct {
		Scope string   `yaml:"scope"` // "port" (top queue strict per port), "count" (top N strict), "queue"
		On    []string `yaml:"on"`
		Off   []string `yaml:"off"`
		Line  []string `yaml:"line"`
		// Default is the scheduler when the config has no strict line
		// (count platforms): "all" strict or "none".
		Default string `yaml:"default"`
	} `yaml:"strict"`
	Weights struct {
		Line []string `yaml:"line"`
		Min  int      `yaml:"min"` // the lowest weight the platform takes
	} `yaml:"weights"`
}

type answer struct {
	pattern *regexp.Regexp
	reply   string
}

// Dialects returns the embedded dialects by name.
func Dialects() (map[string]*Dialect, error) {
	out := map[string]*Dialect{}
	err := fs.WalkDir(dialectFiles, "dialects", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := dialectFiles.ReadFile(path)
		if err != nil {
			return err
		}
		dl, err := ParseDialect(path, data)
		if err != nil {
			return err
		}
		if _, dup := out[dl.Name]; dup {
			return fmt.Errorf("%s: dialect %q defined twice", path, dl.Name)
		}
		out[dl.Name] = dl
		return nil
	})
	return out, err
}

// ParseDialect decodes and checks one dialect file.
func ParseDialect(path string, data []byte) (*Dialect, error) {
	var d Dialect
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := d.compile(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &d, nil
}

func (d *Dialect) compile() error {
	var errs []error
	re := func(field, expr string, required bool) *regexp.Regexp {
		if expr == "" {
			if required {
				errs = append(errs, fmt.Errorf("%s is required", field))
			}
			return nil
		}
		r, err := regexp.Compile(expr)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
		return r
	}
	if d.Name == "" {
		errs = append(errs, errors.New("name is required"))
	}
	d.exec = re("prompts.exec", d.Prompts.Exec, true)
	d.privileged = re("prompts.privileged", d.Prompts.Privileged, true)
	d.config = re("prompts.config", d.Prompts.Config, true)
	d.prompt = re("prompts", "(?:"+d.Prompts.Config+")|(?:"+d.Prompts.Privileged+")|(?:"+d.Prompts.Exec+")", true)
	d.pager = re("pager", d.Pager, false)
	d.enablePrompt = re("enable_secret_prompt", d.EnableSecretPrompt, false)
	for i, p := range d.RefusePrompts {
		d.refuse = append(d.refuse, re(fmt.Sprintf("refuse_prompts[%d]", i), p, true))
	}
	for i, c := range d.Save.Confirm {
		d.saveAnswers = append(d.saveAnswers, answer{re(fmt.Sprintf("save.confirm[%d].prompt", i), c.Prompt, true), c.Answer})
	}
	d.saveSuccess = re("save.success", d.Save.Success, false)
	if d.Save.Command == "" || d.ConfigEnter == "" || d.ConfigExit == "" {
		errs = append(errs, errors.New("save.command, config_enter and config_exit are required"))
	}
	d.Queues.noQueues = re("queues.no_queues", d.Queues.NoQueues, false)
	switch d.Queues.Top {
	case "highest", "first":
	default:
		errs = append(errs, fmt.Errorf("queues.top %q: expected highest or first", d.Queues.Top))
	}
	if err := d.Config.compile(); err != nil {
		errs = append(errs, err)
	}
	if f, err := d.Factory.model(); err != nil {
		errs = append(errs, err)
	} else {
		d.factory = f
	}
	for i, rc := range d.Read {
		if _, ok := parsers[rc.Parser]; !ok {
			errs = append(errs, fmt.Errorf("read[%d]: parser %q is unknown; known: %s", i, rc.Parser, strings.Join(parserNames(), ", ")))
		}
	}
	if d.Write.Map.Line == "" || d.Write.Map.MaxPerLine < 1 {
		errs = append(errs, errors.New("write.map.line and write.map.max_per_line are required"))
	}
	tw := d.Write.Trust
	for word, t := range d.TrustWords {
		// The words are read where the dialect sets trust: globally if it
		// can, else per port; there they must be writable back.
		none := tw.PortNoTrust
		if len(tw.Global) > 0 {
			none = tw.NoTrust
		}
		if _, ok := tw.Modes[string(t)]; !ok && (t != vendors.TrustUntrusted || len(none) == 0) {
			errs = append(errs, fmt.Errorf("trust_words: %q reads as %s, which write.trust cannot set back", word, t))
		}
	}
	if len(d.TrustWords) == 0 {
		errs = append(errs, errors.New("trust_words: required (how the device prints each trust mode)"))
	}
	if len(tw.Global) == 0 && len(tw.Port) == 0 {
		errs = append(errs, errors.New("write.trust: global or port lines are required"))
	}
	if (len(tw.Port) > 0 || d.Write.Strict.Scope == "port") && d.Write.PortEnter == "" {
		errs = append(errs, errors.New("write.port_enter is required for port-scoped settings"))
	}
	switch d.Write.Strict.Scope {
	case "count":
		if d.Write.Strict.Default != "all" && d.Write.Strict.Default != "none" {
			errs = append(errs, fmt.Errorf("write.strict.default %q: expected all or none", d.Write.Strict.Default))
		}
	case "port", "queue":
	default:
		errs = append(errs, fmt.Errorf("write.strict.scope %q: expected port, count or queue", d.Write.Strict.Scope))
	}
	return errors.Join(errs...)
}

func parserNames() []string {
	names := make([]string, 0, len(parsers))
	for n := range parsers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

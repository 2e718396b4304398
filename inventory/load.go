package inventory

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/qosagent/qosagent/internal/fsutil"
	"github.com/qosagent/qosagent/internal/yamlwalk"
)

// Options tells Load what the rest of the program knows.
type Options struct {
	Vendors map[string]Transport        // known vendor names -> transport ("netgear-gs110tp" -> TransportSNMP, "cisco-ios" -> TransportSSH, ...)
	Getenv  func(string) (string, bool) // nil = os.LookupEnv (tests inject their own); also gives HOME for ~
	Logger  *slog.Logger                // nil = slog.Default(); used for warnings only
	// Sites and Switches, when set, name the scope of the run with Select's
	// rule: secrets are fetched only for switches in it, so a job for one
	// site does not need the environment or files of every other site.
	// Everything else is still checked for every switch.
	Sites, Switches []string
	// NoSecrets fetches no secret for any switch (offline uses such as
	// endpoints explain): references are still checked for form.
	NoSecrets bool
}

// maxInventorySize bounds the inventory file, so that a wrong file (a disk
// image, a log) is refused before it is parsed into memory. A switch takes
// 60-100 bytes in the usual style (three lines: name, vendor, address), so
// 64 MiB holds 600,000 or more: a fleet far past what one agent audits.
const maxInventorySize = 64 << 20

// Load reads and validates the inventory at path. See Parse.
func Load(path string, opts Options) (*Inventory, error) {
	data, _, err := fsutil.ReadRegular(path, maxInventorySize)
	if tl := (*fsutil.TooLargeError)(nil); errors.As(err, &tl) {
		return nil, &Error{File: path, Msg: fmt.Sprintf("file is larger than the inventory limit of %s (about 600,000 switches); is this the inventory?", fsutil.SizeString(tl.Limit)), Err: err}
	}
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error(), Err: err}
	}
	return Parse(path, data, opts)
}

// Parse validates an inventory given as bytes and returns it with every
// default merged in and every secret resolved. path names the file in
// messages, and relative paths in the inventory are resolved against its
// folder. On failure the error joins one *Error per problem found.
func Parse(path string, data []byte, opts Options) (*Inventory, error) {
	d := newDecoder(path, opts)
	if len(data) > maxInventorySize {
		d.errorf(loc{}, "", "file is larger than the inventory limit of %d MiB (about 600,000 switches); is this the inventory?", maxInventorySize>>20)
		return nil, d.err()
	}
	root, line, err := parseYAML(data)
	if err != nil {
		d.add(loc{line: line}, "", err, "%v", err)
		return nil, d.err()
	}
	raw := d.inventory(root)
	inv := d.build(raw)
	if err := d.err(); err != nil {
		return nil, err
	}
	return inv, nil
}

// decoder holds the state of one Parse.
type decoder struct {
	problems
	vendors map[string]Transport
	getenv  func(string) (string, bool)
	home    func() (string, error)
	log     *slog.Logger
	dir     string       // the inventory's folder, absolute
	inline  []*secretRef // inline secrets, refused unless allow_inline_secrets
	files   map[string]fileResult
	// scope of the run (Options.Sites, Options.Switches), and whether the
	// switch being built is outside it: then secrets are checked, not fetched.
	scopeSites, scopeSwitches []string
	outOfScope                bool
	noSecrets                 bool
}

type fileResult struct {
	value string
	err   error
}

func newDecoder(path string, opts Options) *decoder {
	d := &decoder{
		problems:   problems{file: path},
		vendors:    opts.Vendors,
		getenv:     opts.Getenv,
		scopeSites: opts.Sites, scopeSwitches: opts.Switches, noSecrets: opts.NoSecrets,
		log:   opts.Logger,
		files: make(map[string]fileResult),
	}
	if d.file == "" {
		d.file = "<inventory>"
	}
	if d.getenv == nil {
		d.getenv = os.LookupEnv
		d.home = os.UserHomeDir
	} else {
		// Injected environments stay hermetic: ~ comes from their HOME.
		d.home = func() (string, error) {
			if h, ok := d.getenv("HOME"); ok && h != "" {
				return h, nil
			}
			return "", errors.New("HOME is not set")
		}
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		dir = filepath.Dir(path)
	}
	d.dir = dir
	return d
}

// parseYAML parses exactly one YAML document and returns its root node. On
// a syntax error it returns the line the parser blamed, 0 if none.
func parseYAML(data []byte) (*yaml.Node, int, error) {
	root, line, err := yamlwalk.ParseOne(data)
	if errors.Is(err, yamlwalk.ErrEmpty) {
		return nil, 0, errors.New("the inventory is empty; expected a mapping with a sites: key")
	}
	return root, line, err
}

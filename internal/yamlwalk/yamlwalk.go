// Package yamlwalk holds the small helpers shared by the decoders that walk
// a yaml.v3 node tree (inventory, policy) instead of decoding into structs,
// so that every message can name the line and the key, and suggest the key
// a typo meant.
package yamlwalk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Deref follows aliases so that *anchor behaves like the anchored node. The
// parser refuses an anchor that contains itself; the bound is a guard only.
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// IsNull reports whether n is absent or an explicit null (`key:` or `~`).
func IsNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// Describe names a node's kind for messages; it never includes the value,
// which may be a secret.
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return "a string"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "nothing"
		}
		return "a " + strings.TrimPrefix(n.ShortTag(), "!!")
	}
	return "an unexpected node"
}

// Suggest returns ` (did you mean "x"?)` for a word within two edits of a
// known one, and "" otherwise.
func Suggest(word string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if dist := EditDistance(word, k); dist < bestD {
			best, bestD = k, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// EditDistance is the Levenshtein distance of two short strings.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Clip shortens a value quoted in a message so that a stray multi-kilobyte
// scalar does not flood the terminal.
func Clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	// Cut at the start of a character, so that the message stays UTF-8.
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// OneLine escapes control characters, so that every problem stays one line
// of output whatever names or keys the file holds: tools split on lines.
func OneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ErrEmpty is returned by ParseOne for a file with no document or an empty one.
var ErrEmpty = errors.New("empty YAML document")

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// ParseOne parses exactly one YAML document and returns its root node. On
// a syntax error it returns the line the parser blamed, 0 if none, and a
// message without yaml's own "yaml: line N:" prefix.
func ParseOne(data []byte) (root *yaml.Node, line int, err error) {
	defer func() {
		// The parser reports errors by panicking internally and recovers
		// its own; should anything else escape on hostile input, it is
		// still just an invalid file, not a crash of the program.
		if r := recover(); r != nil {
			root, line, err = nil, 0, fmt.Errorf("YAML syntax: parser failed: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, 0, ErrEmpty
		}
		line, msg := SyntaxPlace(err)
		if hl, hint := syntaxHint(data); hl > 0 && confirmHint(data, hl) {
			return nil, hl, fmt.Errorf("YAML syntax: %s (the parser noticed at line %d: %s)", hint, line, msg)
		}
		return nil, line, fmt.Errorf("YAML syntax: %s", msg)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		line, msg := SyntaxPlace(err)
		return nil, line, fmt.Errorf("YAML syntax: %s", msg)
	default:
		return nil, extra.Line, errors.New("a second YAML document starts here; expected one document")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, 0, ErrEmpty
	}
	return doc.Content[0], 0, nil
}

// SyntaxPlace splits "yaml: line 3: did not find expected key" into its line
// and message so that the error reads like every other one.
func SyntaxPlace(err error) (int, string) {
	if m := syntaxLine.FindStringSubmatch(err.Error()); m != nil {
		if n, cerr := strconv.Atoi(m[1]); cerr == nil {
			return n, m[2]
		}
	}
	return 0, err.Error()
}

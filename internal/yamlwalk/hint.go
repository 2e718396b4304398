package yamlwalk

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// syntaxHint looks for the line that holds a YAML mistake once the parser
// has failed: the parser often notices an indentation slip only lines
// later, at the next key, and blames that line. It finds a tab in the
// indentation, a line indented to no enclosing block, and a quote left
// open, and returns the line (1-based) and what is wrong there, naming the
// key on the line and the block it sits in; 0 when it finds nothing.
func syntaxHint(data []byte) (int, string) {
	type level struct {
		indent int
		key    string
		opens  bool // ends with ":" or is a list dash: the next line may go deeper
	}
	var stack []level
	prev := level{indent: -1, opens: true}
	scalarIndent := -1 // inside a | or > block scalar deeper than this
	for i, raw := range strings.Split(string(data), "\n") {
		n := i + 1
		line := strings.TrimRight(raw, "\r")
		body := strings.TrimLeft(line, " ")
		indent := len(line) - len(body)
		if scalarIndent >= 0 {
			if body == "" || indent > scalarIndent {
				continue
			}
			scalarIndent = -1
		}
		if body == "" || strings.HasPrefix(body, "#") || body == "---" {
			continue
		}
		key := keyOf(strings.TrimPrefix(body, "- "))
		parent := ""
		for j := len(stack) - 1; j >= 0; j-- {
			if stack[j].indent < indent && stack[j].key != "" {
				parent = " under " + stack[j].key
				break
			}
		}
		if strings.HasPrefix(body, "\t") {
			return n, fmt.Sprintf("%s%s: a tab in the indentation; YAML indents with spaces only", key, parent)
		}
		if q := openQuote(body); q != 0 {
			return n, fmt.Sprintf("%s%s: the %c quote opened on this line is not closed", key, parent, q)
		}
		if !(indent > prev.indent && prev.opens) {
			for len(stack) > 0 && stack[len(stack)-1].indent > indent {
				stack = stack[:len(stack)-1]
			}
			if len(stack) == 0 || stack[len(stack)-1].indent != indent {
				near := ""
				if len(stack) > 0 {
					near = fmt.Sprintf(", the block it would belong to is at %d", stack[len(stack)-1].indent)
				}
				return n, fmt.Sprintf("%s%s: indented by %s, which lines up with no block above (the line before is at %d%s)",
					key, parent, spaces(indent), prev.indent, near)
			}
			stack = stack[:len(stack)-1]
		}
		value := strings.TrimSpace(stripComment(body))
		if strings.HasPrefix(body, "- ") || body == "-" {
			stack = append(stack, level{indent: indent, opens: true})
			inner := strings.TrimSpace(strings.TrimPrefix(value, "-"))
			if inner == "" {
				prev = stack[len(stack)-1]
				continue
			}
			indent += 2
			value = inner
		}
		l := level{indent: indent, key: key, opens: strings.HasSuffix(value, ":")}
		if strings.HasSuffix(value, "|") || strings.HasSuffix(value, ">") || strings.HasSuffix(value, "|-") || strings.HasSuffix(value, ">-") {
			scalarIndent = indent
		}
		stack = append(stack, l)
		prev = l
	}
	return 0, ""
}

// confirmHint checks a hint against the parser: with line n blanked out,
// the document must parse. Otherwise the hint guessed wrong (or there is
// more than one mistake) and the parser's own message is the better one.
func confirmHint(data []byte, n int) bool {
	lines := strings.Split(string(data), "\n")
	if n < 1 || n > len(lines) {
		return false
	}
	lines[n-1] = ""
	dec := yaml.NewDecoder(strings.NewReader(strings.Join(lines, "\n")))
	var doc yaml.Node
	err := dec.Decode(&doc)
	return err == nil || errors.Is(err, io.EOF)
}

func spaces(n int) string {
	if n == 1 {
		return "1 space"
	}
	return fmt.Sprintf("%d spaces", n)
}

// keyOf is the key of a "key: value" line, or "this line" when it has none.
func keyOf(body string) string {
	if k, _, ok := strings.Cut(body, ":"); ok && k != "" && !strings.ContainsAny(k, `"'[{`) {
		return strings.TrimSpace(k)
	}
	return "this line"
}

// stripComment drops a trailing " # comment" outside quotes.
func stripComment(s string) string {
	var q rune
	for i, c := range s {
		switch {
		case q != 0 && c == q:
			q = 0
		case q == 0 && (c == '"' || c == '\''):
			q = c
		case q == 0 && c == '#' && i > 0 && s[i-1] == ' ':
			return s[:i]
		}
	}
	return s
}

// openQuote returns the quote a value opens and does not close on its
// line, 0 when it is balanced.
func openQuote(body string) rune {
	_, v, ok := strings.Cut(strings.TrimPrefix(body, "- "), ": ")
	if !ok {
		v = strings.TrimPrefix(body, "- ")
	}
	v = strings.TrimSpace(v)
	if v == "" || (v[0] != '"' && v[0] != '\'') {
		return 0
	}
	q := v[0]
	for i := 1; i < len(v); i++ {
		switch {
		case q == '"' && v[i] == '\\':
			i++
		case v[i] == q:
			if q == '\'' && i+1 < len(v) && v[i+1] == '\'' {
				i++ // '' is a quote inside single quotes
				continue
			}
			return 0
		}
	}
	return rune(q)
}

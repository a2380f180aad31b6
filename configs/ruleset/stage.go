package ruleset

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/argus-edge/argus/configs/strict"
)

// SetStage rewrites a YAML or JSON rule-set document's shadow and version
// fields and leaves every other byte as it was: comments, order, quoting,
// indentation and blank lines. yaml.v3's Node API only locates the two
// values (line and column); the text is then edited in place, because
// encoding the node tree again would re-indent the document, drop blank
// lines and turn JSON into YAML.
//
// A field that is written is replaced; a missing version is added, and so
// is a missing shadow when shadow is true (left out, it means false).
// Added fields go after the version line of a block document, or first in
// a flow (JSON) document. Values written with an anchor, alias, tag or
// quotes are refused rather than rewritten: the document would no longer
// read the same elsewhere. Refusals are a *strict.Error, like every
// problem of a document, with the line when it is known.
func SetStage(doc []byte, shadow bool, version int) ([]byte, error) {
	if version < 1 {
		return nil, problem(0, "version", fmt.Sprintf("%d is not a positive integer", version))
	}
	root, err := rootMapping(doc)
	if err != nil {
		return nil, err
	}
	var edits []edit
	for _, f := range []struct {
		key   string
		value string
		add   bool
	}{
		{"version", strconv.Itoa(version), true},
		{"shadow", strconv.FormatBool(shadow), shadow},
	} {
		e, err := fieldEdit(doc, root, f.key, f.value, f.add)
		if err != nil {
			return nil, err
		}
		if e != nil {
			edits = append(edits, *e)
		}
	}
	return apply(doc, edits), nil
}

// problem is a refusal as a *strict.Error.
func problem(line int, field, msg string) error {
	return &strict.Error{Problems: []strict.Problem{{Line: line, Field: field, Msg: msg}}}
}

// edit replaces doc[from:to] with text.
type edit struct {
	from, to int
	text     string
}

// rootMapping parses doc and returns its root mapping.
func rootMapping(doc []byte) (*yaml.Node, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(doc, &n); err != nil {
		return nil, problem(0, "", err.Error())
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) != 1 || n.Content[0].Kind != yaml.MappingNode || len(n.Content[0].Content) == 0 {
		return nil, problem(0, "", "the document must be a mapping with site, version and cameras")
	}
	return n.Content[0], nil
}

// fieldEdit is the edit that sets key to value in the root mapping: a
// replacement of the written value, an insertion when it is missing and
// add is set, or nil.
func fieldEdit(doc []byte, root *yaml.Node, key, value string, add bool) (*edit, error) {
	var found *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			if found != nil {
				return nil, problem(found.Line, key, "is written twice")
			}
			found = root.Content[i+1]
		}
	}
	if found == nil {
		if !add {
			return nil, nil
		}
		return insertion(doc, root, key, value)
	}
	if found.Kind != yaml.ScalarNode || found.Style != 0 || found.Anchor != "" || found.Value == "" {
		return nil, problem(found.Line, key, "write it as a plain value, like "+value+", without quotes, anchor or alias, so that it can be set on publication")
	}
	from, ok := offset(doc, found.Line, found.Column)
	to := from + len(found.Value)
	if !ok || to > len(doc) || string(doc[from:to]) != found.Value {
		return nil, problem(found.Line, key, "cannot locate the value in the text to set it on publication")
	}
	return &edit{from: from, to: to, text: value}, nil
}

// insertion adds "key: value" to the root mapping: on its own line after
// the version line (or before the first key) in block style, or as the
// first pair of a flow mapping, quoted like its first key.
func insertion(doc []byte, root *yaml.Node, key, value string) (*edit, error) {
	first := root.Content[0]
	if root.Style&yaml.FlowStyle != 0 {
		at, ok := offset(doc, first.Line, first.Column)
		if !ok {
			return nil, problem(first.Line, key, "cannot locate where to add it on publication")
		}
		if first.Style&yaml.DoubleQuotedStyle != 0 {
			key = strconv.Quote(key)
		}
		sep := " "
		if first.Line != root.Line { // one pair per line: keep it so
			sep = "\n" + string(doc[lineStart(doc, at):at])
		}
		return &edit{from: at, to: at, text: key + ": " + value + "," + sep}, nil
	}
	at, ok := offset(doc, first.Line, first.Column)
	if !ok {
		return nil, problem(first.Line, key, "cannot locate where to add it on publication")
	}
	line := string(doc[lineStart(doc, at):at]) + key + ": " + value + "\n"
	var version *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "version" {
			version = root.Content[i+1]
		}
	}
	if version == nil {
		start := lineStart(doc, at)
		return &edit{from: start, to: start, text: line}, nil
	}
	at, ok = offset(doc, version.Line, 1)
	end := bytes.IndexByte(doc[at:], '\n')
	switch {
	case !ok:
		return nil, problem(version.Line, key, "cannot locate where to add it on publication")
	case end < 0: // the last line, without a newline
		return &edit{from: len(doc), to: len(doc), text: "\n" + line[:len(line)-1]}, nil
	}
	return &edit{from: at + end + 1, to: at + end + 1, text: line}, nil
}

// offset turns a yaml.v3 line and column (1-based, the column counting
// characters) into a byte offset in doc.
func offset(doc []byte, line, column int) (int, bool) {
	at := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(doc[at:], '\n')
		if i < 0 {
			return 0, false
		}
		at += i + 1
	}
	for c := 1; c < column; c++ {
		if at >= len(doc) || doc[at] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(doc[at:])
		at += size
	}
	return at, true
}

// lineStart is the offset of the start of the line holding offset at.
func lineStart(doc []byte, at int) int {
	return bytes.LastIndexByte(doc[:at], '\n') + 1
}

// apply makes the edits, which do not overlap, from the last one back so
// that earlier offsets stay valid.
func apply(doc []byte, edits []edit) []byte {
	out := bytes.Clone(doc)
	for len(edits) > 0 {
		last := 0
		for i, e := range edits {
			if e.from >= edits[last].from { // ties: the later edit first, so the earlier ends up in front
				last = i
			}
		}
		e := edits[last]
		out = append(out[:e.from], append([]byte(e.text), out[e.to:]...)...)
		edits = append(edits[:last], edits[last+1:]...)
	}
	return out
}

package strict

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Option adjusts how Decode describes the document it expects.
type Option func(*options)

type options struct {
	root, unit string
}

// Root describes the expected root in the message for a document that is
// not a mapping, e.g. "a mapping with edge, ingest, sites and cameras".
func Root(what string) Option { return func(o *options) { o.root = what } }

// Unit names what one file holds, for the message about a second YAML
// document: "write one <unit> per file".
func Unit(what string) Option { return func(o *options) { o.unit = what } }

// Decode parses data as exactly one YAML (or JSON) document whose root is a
// mapping and decodes it into v, a pointer to a struct, by the structs'
// yaml tags. file only names the source in problems. Supported field types:
// string, int, float64, bool, Duration, structs, pointers, slices, arrays
// and maps with string keys. Null leaves a field as it was (not written).
//
// The returned *Problems holds every decoding problem; validators add
// theirs to it and call Err. When Failed("") is true the document could not
// be read at all and v is untouched.
func Decode(file string, data []byte, v any, opts ...Option) *Problems {
	o := options{root: "a mapping", unit: "document"}
	for _, opt := range opts {
		opt(&o)
	}
	ps := NewProblems(file)
	root := parseDocument(ps, data, o)
	if root == nil {
		ps.bad[""] = true
		return ps
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		ps.fail(0, "", "strict.Decode needs a non-nil pointer, got "+rv.Kind().String())
		return ps
	}
	d := &decoder{ps: ps, budget: 10000 + 20*len(data)}
	d.value(root, rv.Elem(), "")
	return ps
}

// parseDocument parses data as exactly one YAML document whose root is a
// mapping, and returns that mapping, or nil after recording why not.
func parseDocument(ps *Problems, data []byte, o options) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			ps.record(0, "", "empty document")
		} else {
			syntaxProblem(ps, err)
		}
		return nil
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	ps.lines[""] = root.Line
	switch {
	case root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null":
		ps.record(root.Line, "", "empty document")
		return nil
	case root.Kind != yaml.MappingNode:
		ps.record(root.Line, "", "the document must be "+o.root+", found "+kindName(root))
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		ps.record(next.Line, "", "a second YAML document: write one "+o.unit+" per file")
	case !errors.Is(err, io.EOF):
		syntaxProblem(ps, err)
	}
	return root
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxProblem turns a yaml.v3 syntax error into a Problem with its line.
func syntaxProblem(ps *Problems, err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		ps.record(line, "", m[2])
		return
	}
	ps.record(0, "", strings.TrimPrefix(msg, "yaml: "))
}

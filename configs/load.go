package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, parses, completes with defaults and validates the config at
// path. Problems in the content come back as an *Error.
func Load(path string) (*Edge, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a YAML config, applies the defaults to the keys left out
// and validates the result. file only names the source in problems. On any
// problem it returns a nil *Edge and an *Error listing all of them.
func Parse(file string, data []byte) (*Edge, error) {
	ps := &problems{file: file, lines: map[string]int{}}
	root := parseDocument(ps, data)
	if root == nil {
		return nil, ps.err()
	}
	e := &Edge{}
	d := newDecoder(ps, len(data))
	d.value(root, reflect.ValueOf(e).Elem(), "")
	e.defaults(func(path string, _ bool) bool { return !d.set[path] })
	decoded := len(ps.list)
	validate(e, ps)
	ps.list = append(ps.list[:decoded], withoutBad(ps.list[decoded:], d.bad)...)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return e, nil
}

// parseDocument parses data as exactly one YAML document whose root is a
// mapping, and returns that mapping, or nil after recording why not.
func parseDocument(ps *problems, data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			ps.addAt(0, "", "empty document")
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
		ps.addAt(root.Line, "", "empty document")
		return nil
	case root.Kind != yaml.MappingNode:
		ps.addAt(root.Line, "", "the document must be a mapping with edge, ingest, sites and cameras, found "+kindName(root))
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		ps.addAt(next.Line, "", "a second YAML document: write one edge per file")
	case !errors.Is(err, io.EOF):
		syntaxProblem(ps, err)
	}
	return root
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxProblem turns a yaml.v3 syntax error into a Problem with its line.
func syntaxProblem(ps *problems, err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		ps.addAt(line, "", m[2])
		return
	}
	ps.addAt(0, "", strings.TrimPrefix(msg, "yaml: "))
}

// withoutBad drops problems on fields that already failed to decode (a bad
// duration is zero and would also be "must be more than 0").
func withoutBad(list []Problem, bad map[string]bool) []Problem {
	var kept []Problem
	for _, p := range list {
		if !underBad(p.Field, bad) {
			kept = append(kept, p)
		}
	}
	return kept
}

func underBad(field string, bad map[string]bool) bool {
	for ; field != ""; field = parentPath(field) {
		if bad[field] {
			return true
		}
	}
	return false
}

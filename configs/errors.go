package configs

import (
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong in a config, located by file, line and field.
type Problem struct {
	// File is the name the config was loaded under ("" when built in code).
	File string
	// Line is the 1-based line in File, 0 when unknown.
	Line int
	// Field is the path of the field, such as "cameras[3].transport".
	Field string
	// Msg says what is wrong, without ever quoting a secret.
	Msg string
}

// String formats the problem as "file:line: field: msg", leaving out the
// parts that are unknown.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error is every problem found in one config; Parse, Load and Validate
// return it so that a user fixes them all in one pass.
type Error struct {
	// Problems are ordered by line.
	Problems []Problem
}

// Error prints one problem per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects Problems for one file while decoding and validating.
type problems struct {
	file string
	// lines maps a field path to the line it was written on; "" is the root.
	lines map[string]int
	list  []Problem
}

// add records a problem at field, located at the field's line or, when the
// field was not written, at the line of its nearest written parent.
func (ps *problems) add(field, msg string) {
	ps.list = append(ps.list, Problem{File: ps.file, Line: ps.lineOf(field), Field: field, Msg: msg})
}

// addAt records a problem at an explicit line (syntax errors, unknown keys).
func (ps *problems) addAt(line int, field, msg string) {
	ps.list = append(ps.list, Problem{File: ps.file, Line: line, Field: field, Msg: msg})
}

func (ps *problems) lineOf(field string) int {
	for {
		if l, ok := ps.lines[field]; ok {
			return l
		}
		if field == "" {
			return 0
		}
		field = parentPath(field)
	}
}

// err returns nil or an *Error with the problems sorted by line, so the
// report reads top to bottom like the file.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	list := append([]Problem(nil), ps.list...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Line < list[j].Line })
	return &Error{Problems: list}
}

// parentPath returns "cameras[3]" for "cameras[3].main", "cameras" for
// "cameras[3]" and "" for "cameras".
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// childPath joins a parent path and a key.
func childPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// indexPath is the path of the i-th item of a list.
func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

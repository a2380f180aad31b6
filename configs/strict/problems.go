package strict

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong in a document, located by file, line and field.
type Problem struct {
	// File is the name the document was read under ("" when built in code).
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

// Error is every problem found in one document, so that a user fixes them
// all in one pass.
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

// Problems collects the problems of one document while it is decoded and
// validated, and remembers where each field was written.
type Problems struct {
	file string
	// lines maps a field path to the line it was written on; "" is the root.
	lines map[string]int
	// written holds the paths given a non-null value, so that defaults fill
	// only the others and an explicit zero is validated, not replaced.
	written map[string]bool
	// bad holds the paths whose value could not be decoded: validation
	// problems under them would only repeat the same mistake.
	bad  map[string]bool
	list []Problem
}

// NewProblems starts an empty collection for the document named file.
func NewProblems(file string) *Problems {
	return &Problems{file: file, lines: map[string]int{}, written: map[string]bool{}, bad: map[string]bool{}}
}

// File is the name problems are reported under.
func (ps *Problems) File() string { return ps.file }

// Add records a problem at field, located at the field's line or, when the
// field was not written, at the line of its nearest written parent. It is
// dropped when the field, or a parent, already failed to decode.
func (ps *Problems) Add(field, msg string) {
	if ps.Failed(field) {
		return
	}
	ps.record(ps.Line(field), field, msg)
}

// Addf is Add with a format.
func (ps *Problems) Addf(field, format string, args ...any) {
	ps.Add(field, fmt.Sprintf(format, args...))
}

// AddAt records a problem at an explicit line (syntax errors, unknown keys).
func (ps *Problems) AddAt(line int, field, msg string) {
	if ps.Failed(field) {
		return
	}
	ps.record(line, field, msg)
}

// record appends a problem without the decode-failure filter; the decoder
// uses it for the failures themselves.
func (ps *Problems) record(line int, field, msg string) {
	ps.list = append(ps.list, Problem{File: ps.file, Line: line, Field: field, Msg: msg})
}

// fail records a value that could not be decoded and marks its path bad.
func (ps *Problems) fail(line int, field, msg string) {
	ps.bad[field] = true
	ps.record(line, field, msg)
}

// Line is the line field was written on, or that of its nearest written
// parent; 0 when none is known.
func (ps *Problems) Line(field string) int {
	for {
		if l, ok := ps.lines[field]; ok {
			return l
		}
		if field == "" {
			return 0
		}
		field = Parent(field)
	}
}

// Written reports whether field was given a non-null value in the
// document, which tells a default from an explicit zero.
func (ps *Problems) Written(field string) bool { return ps.written[field] }

// Failed reports whether field, or one of its parents, could not be
// decoded. Failed("") is true when the document itself could not be read.
func (ps *Problems) Failed(field string) bool {
	for {
		if ps.bad[field] {
			return true
		}
		if field == "" {
			return false
		}
		field = Parent(field)
	}
}

// Len is the number of problems so far.
func (ps *Problems) Len() int { return len(ps.list) }

// Err returns nil or an *Error with the problems sorted by line, so the
// report reads top to bottom like the file.
func (ps *Problems) Err() error {
	if len(ps.list) == 0 {
		return nil
	}
	list := append([]Problem(nil), ps.list...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Line < list[j].Line })
	return &Error{Problems: list}
}

// Parent returns "cameras[3]" for "cameras[3].main", "cameras" for
// "cameras[3]" and "" for "cameras".
func Parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// Child joins a parent path and a key.
func Child(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// Index is the path of the i-th item of a list.
func Index(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

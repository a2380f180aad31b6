package inventory

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxProblems is the most problems an import reports: a file that is wrong
// on every line says so in the first thousand.
const MaxProblems = 1000

// Problem is one thing wrong with an entry, at its line (1-based; the CSV
// header is line 1) and field (a CSV column, or a YAML path such as
// cameras[3].main).
type Problem struct {
	Line  int    `json:"line"`
	Field string `json:"field"`
	Msg   string `json:"message"`
}

// String formats the problem as "line N: field: message".
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		b.WriteString("line " + strconv.Itoa(p.Line) + ": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error is every problem of one body, in line order; Omitted counts those
// left out past MaxProblems.
type Error struct {
	Problems []Problem
	Omitted  int
}

// Error prints one problem per line.
func (e *Error) Error() string {
	lines := make([]string, 0, len(e.Problems)+1)
	for _, p := range e.Problems {
		lines = append(lines, p.String())
	}
	if e.Omitted > 0 {
		lines = append(lines, fmt.Sprintf("(%d more problems not listed)", e.Omitted))
	}
	return strings.Join(lines, "\n")
}

// collector gathers problems up to MaxProblems.
type collector struct{ err Error }

// add records one problem.
func (c *collector) add(line int, field, msg string) {
	if len(c.err.Problems) >= MaxProblems {
		c.err.Omitted++
		return
	}
	c.err.Problems = append(c.err.Problems, Problem{Line: line, Field: field, Msg: msg})
}

// result is nil or the *Error.
func (c *collector) result() error {
	if len(c.err.Problems) == 0 {
		return nil
	}
	e := c.err
	return &e
}

package inventory

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/strict"
)

// Columns are the columns a CSV import may have, in the order an export
// writes them; the header row names those it has, in any order.
var Columns = []string{"id", "site", "name", "main", "sub", "transport", "username", "username_env",
	"password_env", "lat", "lon", "alt", "pin", "weight", "disabled",
	"heading", "fov", "range_m", "power_area"}

// requiredColumns are the columns a CSV import must have.
var requiredColumns = []string{"id", "site", "main"}

// utf8BOM is what spreadsheets put before a CSV file saved as UTF-8.
var utf8BOM = []byte("\xef\xbb\xbf")

// ParseCSV reads a CSV import: a header row naming the columns, then one
// camera per row. Every problem of every row is reported with its line; a
// row with malformed quoting is one problem, and the rows after it are
// still read.
func ParseCSV(body []byte) ([]Row, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, utf8BOM)))
	r.ReuseRecord = true
	var c collector
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		c.add(1, "", "empty file: the first line names the columns, e.g. "+strings.Join(Columns, ","))
		return nil, c.result()
	}
	if err != nil {
		csvProblem(&c, err)
		return nil, c.result()
	}
	cols := readHeader(&c, slices.Clone(header))
	if cols == nil {
		return nil, c.result()
	}
	r.FieldsPerRecord = len(cols)
	var rows []Row
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			csvProblem(&c, err)
			continue
		}
		line, _ := r.FieldPos(0)
		e, ok := entryOf(&c, line, cols, rec)
		if first, dup := seen[e.ID]; dup && e.ID != "" {
			c.add(line, "id", fmt.Sprintf("%q is already the id of the camera on line %d", e.ID, first))
			ok = false
		} else {
			seen[e.ID] = line
		}
		if ok {
			rows = append(rows, Row{Line: line, Camera: e})
		}
	}
	if err := c.result(); err != nil {
		return nil, err
	}
	return rows, nil
}

// readHeader maps the header's columns; nil after recording why it cannot.
func readHeader(c *collector, header []string) []string {
	bad := false
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		header[i] = h
		switch {
		case !slices.Contains(Columns, h):
			c.add(1, h, "unknown column: the columns are "+strings.Join(Columns, ","))
			bad = true
		case slices.Index(header, h) < i:
			c.add(1, h, "the column is named twice")
			bad = true
		}
	}
	for _, req := range requiredColumns {
		if !slices.Contains(header, req) {
			c.add(1, req, "missing column: the header row must name "+strings.Join(requiredColumns, ", ")+" at least")
			bad = true
		}
	}
	if bad {
		return nil
	}
	return header
}

// csvProblem records a malformed row with its line.
func csvProblem(c *collector, err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		c.add(0, "", "reading the CSV: "+err.Error())
		return
	}
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount):
		c.add(pe.StartLine, "", "the row does not have as many fields as the header")
	case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
		c.add(pe.StartLine, "", fmt.Sprintf("malformed quoting at line %d, column %d: quote a field whole and double the quotes inside it", pe.Line, pe.Column))
	default:
		c.add(pe.StartLine, "", pe.Err.Error())
	}
}

// entryOf reads one row into an entry and checks it, recording its
// problems at line; ok is false when it has any.
func entryOf(c *collector, line int, cols, rec []string) (Entry, bool) {
	var e Entry
	var lat, lon, alt string
	var view [3]string // heading, fov, range_m
	ps := strict.NewProblems("")
	for i, col := range cols {
		v := strings.TrimSpace(rec[i])
		switch col {
		case "id":
			e.ID = v
		case "site":
			e.Site = v
		case "name":
			e.Name = v
		case "main":
			e.Main = v
		case "sub":
			e.Sub = v
		case "transport":
			e.Transport = v
		case "username":
			e.Username = v
		case "username_env":
			e.UsernameEnv = v
		case "password_env":
			e.PasswordEnv = v
		case "lat":
			lat = v
		case "lon":
			lon = v
		case "alt":
			alt = v
		case "pin":
			e.Pin = v
		case "weight":
			e.Weight = number(ps, col, v)
		case "disabled":
			e.Disabled = flag(ps, col, v)
		case "heading":
			view[0] = v
		case "fov":
			view[1] = v
		case "range_m":
			view[2] = v
		case "power_area":
			e.PowerArea = v
		}
	}
	e.Location = location(ps, lat, lon, alt)
	e.View = viewOf(ps, view)
	check(ps, "", e)
	err := ps.Err()
	if err == nil {
		return e, true
	}
	for _, p := range err.(*strict.Error).Problems {
		c.add(line, strings.TrimPrefix(strings.TrimPrefix(p.Field, "location."), "view."), p.Msg)
	}
	return e, false
}

// viewOf reads the heading, fov and range_m columns: none, or all three.
func viewOf(ps *strict.Problems, v [3]string) *View {
	if v == [3]string{} {
		return nil
	}
	names := []string{"heading", "fov", "range_m"}
	var f [3]float64
	for i, s := range v {
		if s == "" {
			ps.Add(names[i], "is required with "+strings.Join(slices.Delete(slices.Clone(names), i, i+1), " and "))
			return nil
		}
		n := number(ps, names[i], s)
		if n == nil {
			return nil
		}
		f[i] = *n
	}
	return &View{Heading: f[0], FOV: f[1], Range: f[2]}
}

// number reads an optional number; nil when empty or not a number (recorded).
func number(ps *strict.Problems, col, v string) *float64 {
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		ps.Add(col, fmt.Sprintf("%q is not a number", v))
		return nil
	}
	return &f
}

// flag reads a yes/no column: true, yes, 1 or false, no, 0, empty.
func flag(ps *strict.Problems, col, v string) bool {
	switch strings.ToLower(v) {
	case "", "false", "no", "0":
		return false
	case "true", "yes", "1":
		return true
	}
	ps.Add(col, fmt.Sprintf("%q is not true or false", v))
	return false
}

// location reads the lat, lon and alt columns: none, or lat and lon (alt optional).
func location(ps *strict.Problems, lat, lon, alt string) *configs.Location {
	if lat == "" && lon == "" {
		if alt != "" {
			ps.Add("alt", "needs lat and lon")
		}
		return nil
	}
	switch {
	case lat == "":
		ps.Add("lat", "is required with lon")
		return nil
	case lon == "":
		ps.Add("lon", "is required with lat")
		return nil
	}
	la, lo, al := number(ps, "lat", lat), number(ps, "lon", lon), number(ps, "alt", alt)
	if la == nil || lo == nil || (alt != "" && al == nil) {
		return nil
	}
	l := &configs.Location{Lat: *la, Lon: *lo}
	if al != nil {
		l.Alt = *al
	}
	return l
}

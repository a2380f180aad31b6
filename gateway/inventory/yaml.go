package inventory

import (
	"fmt"

	"github.com/argus-edge/argus/configs/strict"
)

// Row is one camera of an import and the line it starts on.
type Row struct {
	Line   int
	Camera Entry
}

// document is a YAML import: a cameras list as in the edge config.
type document struct {
	Cameras []Entry `yaml:"cameras"`
}

// ParseYAML reads a YAML (or JSON) import, {"cameras": [...]}, strictly:
// unknown and duplicate keys are problems, as in the edge config.
func ParseYAML(body []byte) ([]Row, error) {
	var doc document
	ps := strict.Decode("", body, &doc, strict.Root("a mapping with a cameras list"), strict.Unit("import"))
	var c collector
	var rows []Row
	if !ps.Failed("") {
		if !ps.Written("cameras") {
			ps.Add("cameras", "is required: list the cameras to register")
		}
		seen := make(map[string]int, len(doc.Cameras))
		for i, e := range doc.Cameras {
			path := strict.Index("cameras", i)
			check(ps, path, e)
			line := ps.Line(path)
			if first, dup := seen[e.ID]; dup && e.ID != "" {
				ps.Add(path+".id", fmt.Sprintf("%q is already the id of the camera on line %d", e.ID, first))
			} else {
				seen[e.ID] = line
			}
			rows = append(rows, Row{Line: line, Camera: e})
		}
	}
	if err := ps.Err(); err != nil {
		for _, p := range err.(*strict.Error).Problems {
			c.add(p.Line, p.Field, p.Msg)
		}
		return nil, c.result()
	}
	return rows, nil
}

// ParseOne reads one camera, a JSON or YAML mapping, strictly: what
// POST /api/cameras and PUT /api/cameras/{id} take. A non-empty id is the
// one the path names: the body may leave it out, not contradict it.
func ParseOne(body []byte, id string) (Entry, error) {
	var e Entry
	ps := strict.Decode("", body, &e, strict.Root("a mapping with the camera's id, site, main…"), strict.Unit("camera"))
	if !ps.Failed("") {
		switch {
		case id == "":
		case e.ID == "":
			e.ID = id
		case e.ID != id:
			ps.Add("id", fmt.Sprintf("%q is not the camera the path names (%q): a camera cannot be renamed", e.ID, id))
		}
		check(ps, "", e)
	}
	if err := ps.Err(); err != nil {
		var c collector
		for _, p := range err.(*strict.Error).Problems {
			c.add(p.Line, p.Field, p.Msg)
		}
		return Entry{}, c.result()
	}
	return e, nil
}

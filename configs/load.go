package configs

import (
	"fmt"
	"os"

	"github.com/argus-edge/argus/configs/strict"
)

// Load reads, parses, completes with defaults and validates the config at
// path. Problems in the content come back as an *Error.
func Load(path string) (*Edge, error) { return LoadAs(path, "") }

// LoadAs is Load with the edge id set to id, when not empty, in place of
// edge.id: a Kubernetes StatefulSet runs one config under each pod's name.
func LoadAs(path, id string) (*Edge, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return ParseAs(path, data, id)
}

// Parse decodes a YAML config, applies the defaults to the keys left out
// and validates the result. file only names the source in problems. On any
// problem it returns a nil *Edge and an *Error listing all of them.
func Parse(file string, data []byte) (*Edge, error) { return ParseAs(file, data, "") }

// ParseAs is Parse with the edge id set to id, when not empty, in place of
// edge.id, before the defaults: the default queue dir, var/<id>/queue,
// follows it. A problem with the id itself is reported on edge.id.
func ParseAs(file string, data []byte, id string) (*Edge, error) {
	e := &Edge{}
	ps := strict.Decode(file, data, e,
		strict.Root("a mapping with edge, ingest, sites and cameras"), strict.Unit("edge"))
	if ps.Failed("") {
		return nil, ps.Err()
	}
	if id != "" {
		e.Edge.ID = id
	}
	e.defaults(func(path string, _ bool) bool { return !ps.Written(path) })
	// Problems under a field that failed to decode are dropped by
	// ps.Add: a bad duration is zero and would also be "not more than 0".
	validate(e, ps)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	e.MAVLink.locate(ps)
	return e, nil
}

package inventory

import (
	"errors"
	"mime"

	"github.com/argus-edge/argus/gateway/store"
)

// ErrMediaType refuses an import body that is neither CSV nor YAML/JSON.
var ErrMediaType = errors.New("an import is text/csv, or application/yaml (or JSON) with a cameras list")

// Parse reads an import by its Content-Type: text/csv, or YAML/JSON
// (application/yaml, application/x-yaml, text/yaml, application/json).
// Problems come back as an *Error.
func Parse(contentType string, body []byte) ([]Row, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, ErrMediaType
	}
	switch mt {
	case "text/csv":
		return ParseCSV(body)
	case "application/yaml", "application/x-yaml", "text/yaml", "application/json":
		return ParseYAML(body)
	}
	return nil, ErrMediaType
}

// Cameras are the rows' cameras as the store files them.
func Cameras(rows []Row) []store.Camera {
	out := make([]store.Camera, len(rows))
	for i, r := range rows {
		out[i] = r.Camera.Camera()
	}
	return out
}

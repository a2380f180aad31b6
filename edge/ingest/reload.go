package ingest

import (
	"errors"

	"github.com/argus-edge/argus/configs"
)

// Reload parses a changed config file and applies it live. An invalid
// config is refused whole: the error names file, line and field, and the
// running cameras are not touched.
func (m *Manager) Reload(file string, data []byte) (*configs.Edge, Changes, error) {
	cfg, err := configs.Parse(file, data)
	if err != nil {
		return nil, Changes{}, err
	}
	return cfg, m.Apply(cfg), nil
}

// Problems lists the problems of a config error, one per line as the
// config package formats them, for structured logging.
func Problems(err error) []string {
	var ce *configs.Error
	if !errors.As(err, &ce) {
		return []string{err.Error()}
	}
	out := make([]string, 0, len(ce.Problems))
	for _, p := range ce.Problems {
		out = append(out, p.String())
	}
	return out
}

// Any tells whether Apply changed anything.
func (c Changes) Any() bool {
	return len(c.Added)+len(c.Removed)+len(c.Restarted)+len(c.Updated) > 0 || c.Ingest
}

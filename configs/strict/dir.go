package strict

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// SiteFileExts are the extensions of the per-site documents LoadSites reads.
var SiteFileExts = []string{".yaml", ".yml", ".json"}

// LoadSites reads every per-site document in dir (<site>.yaml, .yml or
// .json) with parse, which returns the document and its site, keyed by
// site. what names the kind of document in errors ("rules", "airspace").
// Problems of all files come back together, each naming its file, and a
// site loaded from two files is one of them.
func LoadSites[T any](dir, what string, parse func(path string, data []byte) (T, string, error)) (map[string]T, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: load %s: %w", what, dir, err)
	}
	docs := map[string]T{}
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !slices.Contains(SiteFileExts, filepath.Ext(e.Name())) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
			continue
		}
		doc, site, err := parse(path, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := docs[site]; dup {
			errs = append(errs, fmt.Errorf("%s: %s: site %s is already loaded from another file", what, path, site))
			continue
		}
		docs[site] = doc
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return docs, nil
}

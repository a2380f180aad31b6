package kubernetes

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// External lists the Secrets the manifests reference but never define: the
// operators create them (base/external-secrets.yaml).
type External struct {
	Secrets []ExternalSecret `json:"secrets"`
}

// ExternalSecret is one Secret to create: its name, the keys the manifests
// read from it (empty: keys vary, e.g. one per edge) and what it holds.
type ExternalSecret struct {
	Name  string   `json:"name"`
	Keys  []string `json:"keys"`
	Holds string   `json:"holds"`
}

// LoadExternal reads the list strictly.
func LoadExternal(path string) (External, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return External{}, err
	}
	var e External
	if err := yaml.UnmarshalStrict(raw, &e); err != nil {
		return External{}, fmt.Errorf("%s: %w", path, err)
	}
	for i, s := range e.Secrets {
		if s.Name == "" || s.Holds == "" {
			return External{}, fmt.Errorf("%s: secrets[%d]: name and holds are required", path, i)
		}
	}
	return e, nil
}

// secret finds a listed Secret by name.
func (e External) secret(name string) (ExternalSecret, bool) {
	for _, s := range e.Secrets {
		if s.Name == name {
			return s, true
		}
	}
	return ExternalSecret{}, false
}

package kubernetes

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// CheckSources decodes strictly the kustomization in dir, every resource
// file and patch file it names, and those of the kustomizations it builds
// on. Rendering alone would miss some mistakes: a duplicate key in a source
// file is resolved silently by the YAML parser that kustomize uses, and a
// patch of an unknown field adds it to the output where only the strict
// decoding of the output would find it without naming the file.
func CheckSources(dir string) []error {
	seen := map[string]bool{}
	return checkKustomization(dir, seen)
}

// checkKustomization checks one kustomization and recurses into the
// directories it names.
func checkKustomization(dir string, seen map[string]bool) []error {
	if seen[dir] {
		return nil
	}
	seen[dir] = true
	file := filepath.Join(dir, "kustomization.yaml")
	raw, err := os.ReadFile(file)
	if err != nil {
		return []error{err}
	}
	k, err := decodeKustomization(raw, file)
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, r := range k.Resources {
		path := filepath.Join(dir, r)
		info, err := os.Stat(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: resource %s: %w", file, r, err))
			continue
		}
		if info.IsDir() {
			errs = append(errs, checkKustomization(path, seen)...)
			continue
		}
		errs = append(errs, checkFile(path)...)
	}
	for _, p := range k.Patches {
		if p.Path == "" {
			continue
		}
		errs = append(errs, checkFile(filepath.Join(dir, p.Path))...)
	}
	return errs
}

// decodeKustomization decodes kustomization.yaml strictly into kustomize's
// own type: a misspelt key (resource: for resources:) is an error, not a
// silently empty build.
func decodeKustomization(raw []byte, file string) (*types.Kustomization, error) {
	js, err := yaml.YAMLToJSONStrict(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var k types.Kustomization
	strictErrs, err := sigsjson.UnmarshalStrict(js, &k)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(strictErrs) > 0 {
		msgs := make([]string, len(strictErrs))
		for i, e := range strictErrs {
			msgs[i] = e.Error()
		}
		return nil, fmt.Errorf("%s: %s", file, strings.Join(msgs, "; "))
	}
	return &k, nil
}

// checkFile decodes every document of one manifest file strictly.
func checkFile(path string) []error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return []error{err}
	}
	_, errs := DecodeStream(raw, path)
	return errs
}

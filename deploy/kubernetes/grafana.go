package kubernetes

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// dashboard is what the checks read of a Grafana dashboard.
type dashboard struct {
	Title  string  `json:"title"`
	UID    string  `json:"uid"`
	Panels []panel `json:"panels"`
}

// panel is one panel; rows nest panels.
type panel struct {
	ID      int      `json:"id"`
	Title   string   `json:"title"`
	Type    string   `json:"type"`
	Targets []target `json:"targets"`
	Panels  []panel  `json:"panels"`
}

// target is one query of a panel.
type target struct {
	RefID string `json:"refId"`
	Expr  string `json:"expr"`
}

// foreignPrefixes are the metrics that come from elsewhere than Argus's
// code: the Go and process collectors and the NATS exporter.
var foreignPrefixes = []string{"go_", "process_", "gnatsd_", "jetstream_"}

// identifier matches PromQL identifiers; metric names are among them.
var identifier = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)

// CheckDashboard parses a Grafana dashboard and checks that each panel has
// a unique id and queries, that each query names a metric, and that every
// argus_ metric it names is one the code exports (known).
func CheckDashboard(raw []byte, file string, known map[string]bool) []error {
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		return []error{fmt.Errorf("%s: %w", file, err)}
	}
	if d.Title == "" || d.UID == "" {
		return []error{fmt.Errorf("%s: the dashboard needs a title and a uid", file)}
	}
	var errs []error
	ids := map[int]bool{}
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if ids[p.ID] {
				errs = append(errs, fmt.Errorf("%s: panel %q: id %d is used twice", file, p.Title, p.ID))
			}
			ids[p.ID] = true
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			if len(p.Targets) == 0 {
				errs = append(errs, fmt.Errorf("%s: panel %q has no query", file, p.Title))
			}
			for _, t := range p.Targets {
				errs = append(errs, checkExpr(file, p.Title, t, known)...)
			}
		}
	}
	walk(d.Panels)
	if len(ids) == 0 {
		errs = append(errs, fmt.Errorf("%s: no panels", file))
	}
	return errs
}

// checkExpr checks the metric names of one query.
func checkExpr(file, title string, t target, known map[string]bool) []error {
	var errs []error
	metrics := 0
	for _, id := range identifier.FindAllString(t.Expr, -1) {
		switch {
		case strings.HasPrefix(id, "argus_"):
			metrics++
			if !known[id] {
				errs = append(errs, fmt.Errorf("%s: panel %q query %s: metric %s is not exported by the code",
					file, title, t.RefID, id))
			}
		case hasAnyPrefix(id, foreignPrefixes):
			metrics++
		}
	}
	if metrics == 0 {
		errs = append(errs, fmt.Errorf("%s: panel %q query %s names no known metric: %q", file, title, t.RefID, t.Expr))
	}
	return errs
}

// hasAnyPrefix says whether s starts with one of prefixes.
func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// metricName matches a metric name written as a Go string literal.
var metricName = regexp.MustCompile(`"(argus_[a-z0-9_]+)"`)

// ExportedMetrics reads the Go source under root (the main module: tests
// and this module left out) and returns the argus_ metric names written in
// it, as prometheus.NewDesc, NewCounter, NewGauge and the like take them.
func ExportedMetrics(root string) (map[string]bool, error) {
	self, err := filepath.Abs(".")
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			abs, _ := filepath.Abs(path)
			if abs == self || strings.HasPrefix(d.Name(), ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range metricName.FindAllSubmatch(src, -1) {
			names[string(m[1])] = true
		}
		return nil
	})
	return names, err
}

package eval

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Requirement is a threshold a kind's score must meet, as written on the
// command line: "recall>=0.95", "fire.recall>=0.95", "false_per_hour<=1".
type Requirement struct {
	// Kind is the kind it applies to; "" applies to every kind.
	Kind string
	// Metric is recall, false_per_hour, tta_median or tta_p90 (seconds).
	Metric string
	// Op is >= or <=.
	Op    string
	Value float64
}

// metrics are the figures a requirement may name.
var metrics = map[string]func(KindScore) float64{
	"recall":         func(k KindScore) float64 { return k.Recall },
	"false_per_hour": KindScore.FalsePerHour,
	"tta_median":     func(k KindScore) float64 { return ttaSeconds(k, 0.5) },
	"tta_p90":        func(k KindScore) float64 { return ttaSeconds(k, 0.9) },
}

func ttaSeconds(k KindScore, q float64) float64 {
	d := k.TTA(q)
	if d < 0 {
		return math.NaN()
	}
	return d.Seconds()
}

// ParseRequirements parses a comma-separated list of requirements.
func ParseRequirements(s string) ([]Requirement, error) {
	var out []Requirement
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		r, err := parseRequirement(part)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func parseRequirement(s string) (Requirement, error) {
	var r Requirement
	lhs, rhs, ok := strings.Cut(s, ">=")
	r.Op = ">="
	if !ok {
		lhs, rhs, ok = strings.Cut(s, "<=")
		r.Op = "<="
	}
	if !ok {
		return r, fmt.Errorf("requirement %q: want [kind.]metric>=value or <=value, e.g. fire.recall>=0.95", s)
	}
	name := strings.TrimSpace(lhs)
	if kind, metric, dotted := strings.Cut(name, "."); dotted {
		r.Kind, name = kind, metric
	}
	if _, known := metrics[name]; !known {
		return r, fmt.Errorf("requirement %q: unknown metric %q (recall, false_per_hour, tta_median, tta_p90)", s, name)
	}
	r.Metric = name
	v, err := strconv.ParseFloat(strings.TrimSpace(rhs), 64)
	if err != nil || math.IsNaN(v) {
		return r, fmt.Errorf("requirement %q: %q is not a number", s, strings.TrimSpace(rhs))
	}
	r.Value = v
	return r, nil
}

// String writes the requirement back as it is written.
func (r Requirement) String() string {
	name := r.Metric
	if r.Kind != "" {
		name = r.Kind + "." + name
	}
	return fmt.Sprintf("%s%s%g", name, r.Op, r.Value)
}

// Check returns one line per requirement a kind fails. A figure that does
// not exist for a kind (recall without events, a rate without footage
// free of the kind) meets a requirement on every kind, and fails one that
// names the kind: the dev set must then hold what was asked for.
func Check(reqs []Requirement, scores []KindScore) []string {
	var fails []string
	for _, r := range reqs {
		found := false
		for _, k := range scores {
			if r.Kind != "" && r.Kind != k.Kind {
				continue
			}
			found = true
			v := metrics[r.Metric](k)
			switch {
			case math.IsNaN(v) && r.Kind == "":
			case math.IsNaN(v):
				fails = append(fails, fmt.Sprintf("%s: %s has no %s on this footage", r, k.Kind, r.Metric))
			case r.Op == ">=" && v < r.Value, r.Op == "<=" && v > r.Value:
				fails = append(fails, fmt.Sprintf("%s: %s %s is %.3g", r, k.Kind, r.Metric, v))
			}
		}
		if !found && r.Kind != "" {
			fails = append(fails, fmt.Sprintf("%s: no clip judges %s", r, r.Kind))
		}
	}
	return fails
}

package rulesets

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Comparison is what the live and the shadow rule sets alerted over the
// same period, per kind (both lists hold the same kinds, in order, zeros
// included), from the anomaly history (store.Counts).
type Comparison struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// LiveVersion is the current live version (0: none); Live counts the
	// anomalies of every live version in the period: what was alerted.
	LiveVersion int         `json:"live_version"`
	Live        []KindCount `json:"live"`
	// ShadowVersion is the current shadow version or, without one, the
	// newest shadow version in the period; Shadow counts its anomalies
	// only, so that two tried versions are not mixed.
	ShadowVersion int         `json:"shadow_version"`
	Shadow        []KindCount `json:"shadow"`
}

// KindCount is the number of anomalies of one kind.
type KindCount struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// Compare counts the anomalies live and shadow started in [from, to).
// A zero from is the current shadow's submission (so both ran all along),
// a zero to is now.
func (s *Service) Compare(ctx context.Context, site string, from, to time.Time) (Comparison, error) {
	v, err := s.Get(ctx, site)
	if err != nil {
		return Comparison{}, err
	}
	if from.IsZero() && v.Shadow != nil {
		from = v.Shadow.Created
	}
	if to.IsZero() {
		to = s.now()
	}
	counts, err := s.st.Counts(ctx, site, from, to)
	if err != nil {
		return Comparison{}, fmt.Errorf("rules: compare site %s: %w", site, err)
	}
	c := Comparison{From: from, To: to}
	if v.Live != nil {
		c.LiveVersion = v.Live.Version
	}
	if v.Shadow != nil {
		c.ShadowVersion = v.Shadow.Version
	} else {
		for _, n := range counts {
			if n.Shadow {
				c.ShadowVersion = max(c.ShadowVersion, n.RuleVersion)
			}
		}
	}
	live, shadow := map[string]int{}, map[string]int{}
	for _, n := range counts {
		switch {
		case !n.Shadow:
			live[n.Kind] += n.Count
		case n.RuleVersion == c.ShadowVersion:
			shadow[n.Kind] += n.Count
		}
	}
	kinds := slices.Sorted(maps.Keys(live))
	for k := range shadow {
		if _, ok := live[k]; !ok {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	c.Live, c.Shadow = make([]KindCount, len(kinds)), make([]KindCount, len(kinds))
	for i, k := range kinds {
		c.Live[i], c.Shadow[i] = KindCount{k, live[k]}, KindCount{k, shadow[k]}
	}
	return c, nil
}

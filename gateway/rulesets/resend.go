package rulesets

import (
	"context"
	"sync"
	"time"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/drivers/bus"
)

// Resender sends a site's rule sets again when an edge keeps reporting
// older versions than the site's (bus.EdgeStatus.Rules). The broker
// acknowledges a retained publication before new subscribers see it: an
// edge that subscribes in that window gets the previous set and would run
// it until the next change. Edges skip a message identical to the one
// they applied, so a resend reaches only the edge that missed it.
type Resender struct {
	s *Service
	// Grace is how long an edge may run older versions before the sets
	// are sent again: an edge that just connected reports none for a
	// moment, until the retained sets arrive.
	Grace time.Duration
	// Every bounds the resends of one site.
	Every time.Duration
	now   func() time.Time

	mu     sync.Mutex
	behind map[string]time.Time // edge + "/" + site → when first seen behind
	sent   map[string]time.Time // site → last resend
}

// Resender makes the Service's Resender, with a grace of 5 s and at most
// one resend per site every 30 s.
func (s *Service) Resender() *Resender {
	return &Resender{s: s, Grace: 5 * time.Second, Every: 30 * time.Second, now: time.Now,
		behind: map[string]time.Time{}, sent: map[string]time.Time{}}
}

// Observe takes an edge's status and sends again the sets of the sites
// where it has run older versions since at least Grace ago.
func (r *Resender) Observe(ctx context.Context, es bus.EdgeStatus) {
	if es.State != bus.Online {
		return
	}
	for site, runs := range es.Rules {
		v, err := r.s.Get(ctx, site)
		if err != nil {
			r.s.log.Warn().Err(err).Str("site", site).Msg("rule set versions of an edge not checked")
			continue
		}
		if r.due(es.Edge, site, !runs.Refused && behind(runs, v)) {
			r.resend(ctx, es.Edge, site, runs)
		}
	}
}

// due records whether the edge is behind on site and tells whether the
// site's sets are to be sent now.
func (r *Resender) due(edge, site string, isBehind bool) bool {
	key, now := edge+"/"+site, r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	first, seen := r.behind[key]
	switch {
	case !isBehind:
		delete(r.behind, key)
		return false
	case !seen:
		r.behind[key] = now
		return false
	case now.Sub(first) < r.Grace || now.Sub(r.sent[site]) < r.Every:
		return false
	}
	r.sent[site] = now
	return true
}

// behind tells whether an edge running runs lags the site's sets v: an
// older live version, an older shadow, or a shadow the gateway retired.
// A site the gateway has no versions of is the edge's own (files).
func behind(runs bus.RuleVersions, v View) bool {
	if len(v.Versions) == 0 {
		return false
	}
	live, shadow := 0, 0
	if v.Live != nil {
		live = v.Live.Version
	}
	if v.Shadow != nil {
		shadow = v.Shadow.Version
	}
	retired := shadow == 0 && runs.Shadow != 0 && runs.Shadow <= highest(v.Versions)
	return runs.Live < live || runs.Shadow < shadow || retired
}

// resend publishes the site's live set and its shadow (or the cleared
// shadow) again, serialised with the operators' changes.
func (r *Resender) resend(ctx context.Context, edge, site string, runs bus.RuleVersions) {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.Get(ctx, site)
	if err != nil {
		s.log.Warn().Err(err).Str("site", site).Msg("rule sets not sent again")
		return
	}
	err = s.republish(site, v)
	ev := s.log.Info()
	if err != nil {
		ev = s.log.Warn().Err(err)
	}
	ev.Str("site", site).Str("edge", edge).Int("edge_live", runs.Live).Int("edge_shadow", runs.Shadow).
		Msg("rule sets sent again: an edge runs older versions than the site's")
}

// republish publishes the site's live and shadow sets as stored.
func (s *Service) republish(site string, v View) error {
	if v.Live != nil {
		topic, payload, err := s.payload(site, v.Live.Document, false, v.Live.Version)
		if err == nil {
			err = s.publish(topic, payload)
		}
		if err != nil {
			return err
		}
	}
	if v.Shadow == nil {
		return s.publish(ruleset.Topic(site, true), nil)
	}
	topic, payload, err := s.payload(site, v.Shadow.Document, true, v.Shadow.Version)
	if err == nil {
		err = s.publish(topic, payload)
	}
	return err
}

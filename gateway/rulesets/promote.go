package rulesets

import (
	"context"
	"fmt"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/gateway/store"
)

// Promote publishes a stored version retained on bus.RulesTopic(site) as
// the live set (shadow: false), under its own version, which must be
// above the live one (ErrConflict: roll back to it instead); then clears
// the shadow topic. version 0 is the current shadow (ErrConflict when
// there is none).
func (s *Service) Promote(ctx context.Context, site, author string, version int) (store.RuleSet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows, err := s.st.RuleSets(ctx, site)
	if err != nil {
		return store.RuleSet{}, fmt.Errorf("rules: site %s: %w", site, err)
	}
	live, shadow := staged(rows, StageLive), staged(rows, StageShadow)
	var target store.RuleSet
	switch {
	case version == 0 && shadow == nil:
		return store.RuleSet{}, fmt.Errorf("%w: site %s has no shadow rule set to promote", ErrConflict, site)
	case version == 0:
		target = *shadow
	default:
		if target, err = find(rows, site, version); err != nil {
			return store.RuleSet{}, err
		}
	}
	if live != nil && target.Version <= live.Version {
		return store.RuleSet{}, fmt.Errorf("%w: version %d is not above the live version %d of site %s: "+
			"roll back to it instead, which publishes it under a new version", ErrConflict, target.Version, live.Version, site)
	}
	if err := s.goLive(ctx, site, target, live); err != nil {
		return store.RuleSet{}, err
	}
	if err := s.clearShadow(ctx, site, otherThan(shadow, target.Version)); err != nil {
		return store.RuleSet{}, fmt.Errorf("%w (version %d is live; retire the shadow again)", err, target.Version)
	}
	s.log.Info().Str("site", site).Int("version", target.Version).Str("author", author).Msg("rule set promoted to live")
	target.Stage = StageLive
	return target, nil
}

// Rollback republishes a stored version's content as the live set under
// a new version, above every stored one: edges refuse a version that is
// not newer than the one they run. The new version is stored with author;
// the shadow, if any, keeps running.
func (s *Service) Rollback(ctx context.Context, site, author string, version int) (store.RuleSet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows, err := s.st.RuleSets(ctx, site)
	if err != nil {
		return store.RuleSet{}, fmt.Errorf("rules: site %s: %w", site, err)
	}
	old, err := find(rows, site, version)
	if err != nil {
		return store.RuleSet{}, err
	}
	live := staged(rows, StageLive)
	if live != nil && live.Version == version {
		return store.RuleSet{}, fmt.Errorf("%w: version %d is the live rule set of site %s already", ErrConflict, version, site)
	}
	next := highest(rows) + 1
	doc, err := ruleset.SetStage([]byte(old.Document), false, next)
	if err != nil {
		return store.RuleSet{}, err
	}
	r := store.RuleSet{Site: site, Version: next, Document: string(doc), Author: author, Created: s.now().UTC(), Stage: StageLive}
	if err := s.goLive(ctx, site, r, live); err != nil {
		return store.RuleSet{}, err
	}
	s.log.Info().Str("site", site).Int("version", next).Int("content_of", version).Str("author", author).Msg("rule set rolled back")
	return r, nil
}

// goLive publishes r as the live set and records it: r is stored (when
// new) or restaged as live, and the previous live version retired.
func (s *Service) goLive(ctx context.Context, site string, r store.RuleSet, previous *store.RuleSet) error {
	topic, payload, err := s.payload(site, r.Document, false, r.Version)
	if err != nil {
		return err
	}
	if err := s.publish(topic, payload); err != nil {
		return err
	}
	if r.Stage == StageLive { // a rollback's new version
		err = s.st.PutRuleSet(ctx, r)
	} else {
		err = s.st.SetRuleStage(ctx, site, r.Version, StageLive)
	}
	if err != nil {
		return fmt.Errorf("rules: published live version %d of site %s but could not record it (try again): %w", r.Version, site, err)
	}
	if previous != nil {
		return s.stage(ctx, site, previous.Version, StageRetired)
	}
	return nil
}

// otherThan is shadow unless it is version (which just went live).
func otherThan(shadow *store.RuleSet, version int) *store.RuleSet {
	if shadow != nil && shadow.Version == version {
		return nil
	}
	return shadow
}

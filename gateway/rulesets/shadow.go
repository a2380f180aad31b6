package rulesets

import (
	"context"
	"fmt"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/gateway/store"
)

// SubmitShadow validates doc, publishes it retained on
// bus.RulesShadowTopic(site) with shadow: true, and stores it as the
// site's shadow version (the previous shadow is retired: one retained
// message per topic). Its version must be above every stored version of
// the site (ErrConflict), so that every edge takes it.
func (s *Service) SubmitShadow(ctx context.Context, site, author string, doc []byte) (store.RuleSet, error) {
	version, err := s.Validate(site, doc)
	if err != nil {
		return store.RuleSet{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rows, err := s.st.RuleSets(ctx, site)
	if err != nil {
		return store.RuleSet{}, fmt.Errorf("rules: site %s: %w", site, err)
	}
	if top := highest(rows); version <= top {
		return store.RuleSet{}, fmt.Errorf("%w: version %d is not above %d, the highest version of site %s: "+
			"write version: %d or more (edges only take versions that grow)", ErrConflict, version, top, site, top+1)
	}
	topic, payload, err := s.payload(site, string(doc), true, version)
	if err != nil {
		return store.RuleSet{}, err
	}
	if err := s.publish(topic, payload); err != nil {
		return store.RuleSet{}, err
	}
	r := store.RuleSet{Site: site, Version: version, Document: string(doc), Author: author, Created: s.now().UTC(), Stage: StageShadow}
	if err := s.st.PutRuleSet(ctx, r); err != nil {
		return store.RuleSet{}, fmt.Errorf("rules: published shadow version %d of site %s but could not store it (submit it again): %w", version, site, err)
	}
	if old := staged(rows, StageShadow); old != nil {
		if err := s.stage(ctx, site, old.Version, StageRetired); err != nil {
			return store.RuleSet{}, err
		}
	}
	s.log.Info().Str("site", site).Int("version", version).Str("author", author).Str("topic", topic).Msg("shadow rule set published")
	return r, nil
}

// RetireShadow clears the site's shadow topic, which makes edges stop the
// shadow set, and retires the stored shadow version. Without a shadow it
// still clears the topic: idempotent, so a retry after a failure
// converges.
func (s *Service) RetireShadow(ctx context.Context, site, author string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows, err := s.st.RuleSets(ctx, site)
	if err != nil {
		return fmt.Errorf("rules: site %s: %w", site, err)
	}
	if err := s.clearShadow(ctx, site, staged(rows, StageShadow)); err != nil {
		return err
	}
	s.log.Info().Str("site", site).Str("author", author).Msg("shadow rule set retired")
	return nil
}

// clearShadow clears the shadow topic and retires shadow, when not nil.
func (s *Service) clearShadow(ctx context.Context, site string, shadow *store.RuleSet) error {
	if err := s.publish(ruleset.Topic(site, true), nil); err != nil {
		return err
	}
	if shadow == nil {
		return nil
	}
	return s.stage(ctx, site, shadow.Version, StageRetired)
}

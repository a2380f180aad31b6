package rulesets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/gateway/store"
)

// Seed reads <site>.yaml in dir — the files the demo edge loads its rule
// sets from — and, for each site the store has no version of, stores the
// file's version as live, so that the console shows the rules the edges
// run. Invalid files are reported (all of them, joined) and skipped; the
// others are seeded.
//
// Seed publishes nothing. The edges read the same files, so they already
// run that version; a retained copy of it would reach every edge as a
// version not above its own, which the edge refuses and logs as an error
// (and shows as refused in its status) on each start. Publications start
// with the operator's first shadow, promote or rollback, whose versions
// are above the seeded one.
func (s *Service) Seed(ctx context.Context, dir string) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return fmt.Errorf("rules: seed from %s: %w", dir, err)
	}
	var errs []error
	for _, path := range paths {
		if err := s.seedFile(ctx, path); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// seedFile stores one file's set as live unless its site has versions.
func (s *Service) seedFile(ctx context.Context, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("rules: seed: %w", err)
	}
	d, err := ruleset.ParseFile(path, data, s.detectors)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rows, err := s.st.RuleSets(ctx, d.Site)
	if err != nil {
		return fmt.Errorf("rules: seed site %s: %w", d.Site, err)
	}
	if len(rows) > 0 {
		if live := staged(rows, StageLive); live != nil && live.Version < d.Version {
			s.log.Warn().Str("site", d.Site).Str("file", path).Int("file_version", d.Version).Int("live", live.Version).
				Msg("the rules file is newer than the gateway's live version: edges reading the file run the file's")
		}
		return nil
	}
	r := store.RuleSet{Site: d.Site, Version: d.Version, Document: string(data), Author: "file:" + filepath.ToSlash(path),
		Created: s.now().UTC(), Stage: StageLive}
	if err := s.st.PutRuleSet(ctx, r); err != nil {
		return fmt.Errorf("rules: seed site %s: %w", d.Site, err)
	}
	s.log.Info().Str("site", d.Site).Int("version", d.Version).Str("file", path).Msg("rule set seeded as live (not published: the edges read the same file)")
	return nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// stages are the valid RuleSet.Stage values.
var stages = []string{StageShadow, StageLive, StageRetired}

// ruleCols are the columns of a RuleSet, in scanRuleSet's order.
const ruleCols = `site, version, document, author, created, stage`

// PutRuleSet inserts r, retiring the site's other version in r's stage; a
// stored (site, version) is ErrConflict. An empty stage is shadow.
func (s *sqlStore) PutRuleSet(ctx context.Context, r RuleSet) error {
	if r.Site == "" || r.Version <= 0 {
		return invalid("rule set needs a site and a version above 0 (got %q, %d)", r.Site, r.Version)
	}
	if r.Stage == "" {
		r.Stage = StageShadow
	}
	if !slices.Contains(stages, r.Stage) {
		return invalid("rule set stage %q is not one of %v", r.Stage, stages)
	}
	if r.Created.IsZero() {
		r.Created = time.Now()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO rule_sets (`+ruleCols+`) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (site, version) DO NOTHING`),
			r.Site, r.Version, r.Document, r.Author, r.Created.UnixMilli(), r.Stage)
		if err != nil {
			return fmt.Errorf("store: rule set %s v%d: %w", r.Site, r.Version, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: rule set %s version %d", ErrConflict, r.Site, r.Version)
		}
		return s.retireOthers(ctx, tx, r.Site, r.Version, r.Stage)
	})
}

// scanRuleSet reads one row of ruleCols.
func scanRuleSet(r interface{ Scan(...any) error }) (RuleSet, error) {
	var rs RuleSet
	var created int64
	err := r.Scan(&rs.Site, &rs.Version, &rs.Document, &rs.Author, &created, &rs.Stage)
	rs.Created = at(sqlInt(created))
	return rs, err
}

// RuleSets lists a site's versions, newest first.
func (s *sqlStore) RuleSets(ctx context.Context, site string) ([]RuleSet, error) {
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT `+ruleCols+` FROM rule_sets WHERE site = ? ORDER BY version DESC`), site)
	if err != nil {
		return nil, fmt.Errorf("store: rule sets of %s: %w", site, err)
	}
	return collect(rows, scanRuleSet)
}

// RuleSet reads one version.
func (s *sqlStore) RuleSet(ctx context.Context, site string, version int) (RuleSet, error) {
	rs, err := scanRuleSet(s.r.QueryRowContext(ctx, s.d.q(`SELECT `+ruleCols+` FROM rule_sets
		WHERE site = ? AND version = ?`), site, version))
	if err != nil {
		return RuleSet{}, notFound(err, "rule set "+site+" version "+strconv.Itoa(version))
	}
	return rs, nil
}

// SetRuleStage moves one version to stage, retiring the site's other
// version in that stage first (live and shadow are one at a time).
func (s *sqlStore) SetRuleStage(ctx context.Context, site string, version int, stage string) error {
	if !slices.Contains(stages, stage) {
		return invalid("rule set stage %q is not one of %v", stage, stages)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.retireOthers(ctx, tx, site, version, stage); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.d.q(`UPDATE rule_sets SET stage = ? WHERE site = ? AND version = ?`), stage, site, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: rule set %s version %d", ErrNotFound, site, version)
		}
		return nil
	})
}

// retireOthers retires the site's versions other than version that are in
// stage, when stage is live or shadow: there is one of each at most.
func (s *sqlStore) retireOthers(ctx context.Context, tx *sql.Tx, site string, version int, stage string) error {
	if stage == StageRetired {
		return nil
	}
	_, err := tx.ExecContext(ctx, s.d.q(`UPDATE rule_sets SET stage = ? WHERE site = ? AND stage = ? AND version <> ?`),
		StageRetired, site, stage, version)
	return err
}

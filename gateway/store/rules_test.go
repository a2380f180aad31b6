package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/argus-edge/argus/gateway/store"
)

// testRuleSets stores versions and moves them through the stages.
func testRuleSets(t *testing.T, s store.Store) {
	ctx := context.Background()
	for v := 1; v <= 3; v++ {
		if err := s.PutRuleSet(ctx, store.RuleSet{Site: "north", Version: v, Document: "version: " + string(rune('0'+v)), Author: "ann", Created: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutRuleSet(ctx, store.RuleSet{Site: "south", Version: 1, Document: "x", Stage: store.StageLive}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRuleSet(ctx, store.RuleSet{Site: "north", Version: 2, Document: "again", Stage: store.StageLive}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate version: %v, want ErrConflict", err)
	}
	for _, bad := range []store.RuleSet{{Site: "", Version: 1}, {Site: "north", Version: 0}, {Site: "north", Version: 9, Stage: "beta"}} {
		if err := s.PutRuleSet(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", bad, err)
		}
	}
	// Each new shadow version retired the one before.
	if rs, err := s.RuleSet(ctx, "north", 2); err != nil || rs.Document != "version: 2" || rs.Stage != store.StageRetired || !rs.Created.Equal(t0) {
		t.Errorf("v2: %+v %v", rs, err)
	}
	if _, err := s.RuleSet(ctx, "north", 7); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing version: %v", err)
	}
	steps := []struct {
		version int
		stage   string
		want    string // stages of v3, v2, v1 after the step
	}{
		{1, store.StageLive, "shadow retired live"},
		{2, store.StageRetired, "shadow retired live"},
		{3, store.StageShadow, "shadow retired live"},
		{3, store.StageLive, "live retired retired"},
		{2, store.StageShadow, "live shadow retired"},
	}
	for _, st := range steps {
		if err := s.SetRuleStage(ctx, "north", st.version, st.stage); err != nil {
			t.Fatalf("v%d %s: %v", st.version, st.stage, err)
		}
		if got := stagesOf(t, s, "north"); got != st.want {
			t.Errorf("after v%d %s: %s, want %s", st.version, st.stage, got, st.want)
		}
	}
	if rs, _ := s.RuleSet(ctx, "south", 1); rs.Stage != store.StageLive {
		t.Errorf("another site's live set was touched: %+v", rs)
	}
	// A rollback stores an old document as a new live version.
	if err := s.PutRuleSet(ctx, store.RuleSet{Site: "north", Version: 4, Document: "version: 1", Stage: store.StageLive}); err != nil {
		t.Fatal(err)
	}
	if got := stagesOf(t, s, "north"); got != "live retired shadow retired" {
		t.Errorf("after a live v4: %s", got)
	}
	if err := s.SetRuleStage(ctx, "north", 9, store.StageLive); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown version: %v", err)
	}
	if err := s.SetRuleStage(ctx, "north", 4, "beta"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad stage: %v", err)
	}
	if got := stagesOf(t, s, "north"); got != "live retired shadow retired" {
		t.Errorf("refused calls changed stages: %s", got)
	}
}

// stagesOf lists a site's stages, newest version first.
func stagesOf(t *testing.T, s store.Store, site string) string {
	t.Helper()
	sets, err := s.RuleSets(context.Background(), site)
	if err != nil {
		t.Fatal(err)
	}
	out := ""
	for i, rs := range sets {
		if i > 0 {
			out += " "
		}
		out += rs.Stage
	}
	return out
}

package rulesets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/rulesets/rulesetstest"
	"github.com/argus-edge/argus/gateway/store"
)

// Compare sums live versions, counts the current shadow version only and
// lists the same kinds on both sides. The counts are set in the in-memory
// store (simulated anomaly history).
func TestCompare(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	sub, err := f.svc.SubmitShadow(ctx, "riverside", "olga", riverside(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	f.st.SetCounts([]store.Count{
		{Shadow: false, RuleVersion: 1, Kind: "person", Count: 4},
		{Shadow: false, RuleVersion: 0, Kind: "person", Count: 1}, // an older live version in the period
		{Shadow: false, RuleVersion: 1, Kind: "camera_covered", Count: 2},
		{Shadow: true, RuleVersion: 2, Kind: "person", Count: 9},
		{Shadow: true, RuleVersion: 2, Kind: "fire", Count: 1},
		{Shadow: true, RuleVersion: 7, Kind: "fire", Count: 50}, // another trial: not mixed in
	})
	to := time.Now().Add(time.Hour)
	c, err := f.svc.Compare(ctx, "riverside", time.Time{}, to)
	if err != nil {
		t.Fatal(err)
	}
	if c.LiveVersion != 1 || c.ShadowVersion != 2 {
		t.Errorf("versions live %d shadow %d", c.LiveVersion, c.ShadowVersion)
	}
	wantLive := []KindCount{{"camera_covered", 2}, {"fire", 0}, {"person", 5}}
	wantShadow := []KindCount{{"camera_covered", 0}, {"fire", 1}, {"person", 9}}
	if !reflect.DeepEqual(c.Live, wantLive) || !reflect.DeepEqual(c.Shadow, wantShadow) {
		t.Errorf("live %v shadow %v", c.Live, c.Shadow)
	}
	if !f.st.Asked[0].Equal(sub.Created) || !f.st.Asked[1].Equal(to) {
		t.Errorf("asked for %v, want from the shadow's submission %v", f.st.Asked, sub.Created)
	}
	// Without a shadow, the newest shadow version in the period.
	if err := f.svc.RetireShadow(ctx, "riverside", "olga"); err != nil {
		t.Fatal(err)
	}
	c, _ = f.svc.Compare(ctx, "riverside", time.Time{}, to)
	if c.ShadowVersion != 7 || c.Shadow[1] != (KindCount{"fire", 50}) {
		t.Errorf("without a shadow: v%d %v", c.ShadowVersion, c.Shadow)
	}
}

// Seed stores each file's set as live for sites without versions, skips
// sites with versions, and reports invalid files without losing the others.
func TestSeed(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("quay.yaml", "site: quay\nversion: 5\ncameras: {}\n")
	write("dock.yaml", "site: dock\nversion: 1\ncameras: {c: {rules: [{name: r, kind: fir}]}}\n")
	write("pier.yaml", "site: pier\nversion: 9\n")
	write("notes.txt", "not a rule set")
	st := rulesetstest.NewMemStore()
	if err := st.PutRuleSet(context.Background(), store.RuleSet{Site: "pier", Version: 3, Stage: StageLive}); err != nil {
		t.Fatal(err)
	}
	svc := New(st, failing{}, peers.TestLog(t)) // Seed must not publish: any publication fails
	err := svc.Seed(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), `dock.yaml:3: cameras.c.rules[0].kind: "fir" is not a kind`) {
		t.Errorf("Seed error %v", err)
	}
	if v, _ := svc.Get(context.Background(), "quay"); v.Live == nil || v.Live.Version != 5 || v.Live.Author != "file:"+filepath.ToSlash(filepath.Join(dir, "quay.yaml")) {
		t.Errorf("quay: %+v", v.Live)
	}
	if v, _ := svc.Get(context.Background(), "pier"); len(v.Versions) != 1 || v.Live.Version != 3 {
		t.Errorf("pier was seeded over its versions: %+v", v.Versions)
	}
	if v, _ := svc.Get(context.Background(), "dock"); len(v.Versions) != 0 {
		t.Errorf("an invalid file was seeded: %+v", v.Versions)
	}
}

// failing is a broker that refuses every publication (simulated).
type failing struct{}

func (failing) PublishRetained(string, []byte) error {
	return errors.New("simulated: broker unreachable")
}

// A publication the broker refuses stores nothing: the operator retries.
func TestPublishFails(t *testing.T) {
	st := rulesetstest.NewMemStore()
	svc := New(st, failing{}, peers.TestLog(t))
	if err := svc.Seed(context.Background(), rulesDir); err != nil {
		t.Fatal(err)
	}
	_, err := svc.SubmitShadow(context.Background(), "riverside", "olga", riverside(t, 2))
	if err == nil || !strings.Contains(err.Error(), "publish on argus/v1/rules/riverside/shadow: simulated: broker unreachable") {
		t.Errorf("SubmitShadow: %v", err)
	}
	if _, err := svc.Rollback(context.Background(), "riverside", "olga", 1); !errors.Is(err, ErrConflict) {
		t.Errorf("Rollback to the live version: %v", err)
	}
	if v, _ := svc.Get(context.Background(), "riverside"); len(v.Versions) != 1 || v.Shadow != nil {
		t.Errorf("a failed publication was stored: %+v", v.Versions)
	}
}

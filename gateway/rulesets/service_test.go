package rulesets

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/rulesets/rulesetstest"
	"github.com/argus-edge/argus/gateway/store"
)

// The whole workflow on one site, checking after each step what the
// broker retains (as a starting edge receives it) and what is stored.
func TestWorkflow(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	live, shadow := bus.RulesTopic("riverside"), bus.RulesShadowTopic("riverside")
	stages := func(want string) {
		t.Helper()
		v, err := f.svc.Get(ctx, "riverside")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range v.Versions {
			got = append(got, strconv.Itoa(r.Version)+":"+r.Stage)
		}
		if s := strings.Join(got, " "); s != want {
			t.Errorf("stored versions %s, want %s", s, want)
		}
	}

	// Seeded from the file the edge reads, not published.
	stages("1:live")
	if r := rulesetstest.Retained(t, f.url); len(r) != 0 {
		t.Fatalf("seeding published %v", keys(r))
	}

	// A shadow: retained on the shadow topic with shadow: true, the
	// operator's comments kept.
	sub, err := f.svc.SubmitShadow(ctx, "riverside", "olga", riverside(t, 2))
	if err != nil || sub.Version != 2 || sub.Stage != StageShadow || sub.Author != "olga" {
		t.Fatalf("SubmitShadow = %+v, %v", sub, err)
	}
	r := rulesetstest.Retained(t, f.url)
	if d := retainedDoc(t, r, shadow); !d.Shadow || d.Version != 2 || len(d.Cameras["*"].Rules) != 7 {
		t.Errorf("shadow retained: shadow %v v%d", d.Shadow, d.Version)
	}
	if !strings.Contains(r[shadow], "# added in the console") || !strings.Contains(r[shadow], "# Riverside embankment") {
		t.Errorf("comments lost:\n%s", r[shadow])
	}
	if _, ok := r[live]; ok {
		t.Error("a shadow submission published a live set")
	}
	stages("2:shadow 1:live")

	// Promote: live under the same version, shadow cleared.
	if p, err := f.svc.Promote(ctx, "riverside", "olga", 0); err != nil || p.Version != 2 || p.Stage != StageLive {
		t.Fatalf("Promote = %+v, %v", p, err)
	}
	r = rulesetstest.Retained(t, f.url)
	if d := retainedDoc(t, r, live); d.Shadow || d.Version != 2 || len(d.Cameras["*"].Rules) != 7 {
		t.Errorf("live retained: shadow %v v%d", d.Shadow, d.Version)
	}
	if _, ok := r[shadow]; ok {
		t.Error("the shadow topic was not cleared")
	}
	stages("2:live 1:retired")

	// Roll back to 1: its content under version 3.
	rb, err := f.svc.Rollback(ctx, "riverside", "ivan", 1)
	if err != nil || rb.Version != 3 || rb.Stage != StageLive || rb.Author != "ivan" {
		t.Fatalf("Rollback = %+v, %v", rb, err)
	}
	r = rulesetstest.Retained(t, f.url)
	if d := retainedDoc(t, r, live); d.Version != 3 || len(d.Cameras["*"].Rules) != 6 {
		t.Errorf("rolled back: v%d with %d rules", d.Version, len(d.Cameras["*"].Rules))
	}
	if !strings.Contains(rb.Document, "version: 3\n") || !strings.Contains(rb.Document, "# Riverside embankment") {
		t.Errorf("stored rollback document:\n%s", rb.Document)
	}
	stages("3:live 2:retired 1:retired")

	// A shadow retired: the topic cleared, the version kept.
	if _, err := f.svc.SubmitShadow(ctx, "riverside", "olga", riverside(t, 4)); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RetireShadow(ctx, "riverside", "olga"); err != nil {
		t.Fatal(err)
	}
	r = rulesetstest.Retained(t, f.url)
	if _, ok := r[shadow]; ok || retainedDoc(t, r, live).Version != 3 {
		t.Errorf("after retiring: %v", keys(r))
	}
	stages("4:retired 3:live 2:retired 1:retired")
	v, _ := f.svc.Get(ctx, "riverside")
	if v.Shadow != nil || v.Live == nil || v.Live.Version != 3 {
		t.Errorf("view live %+v shadow %+v", v.Live, v.Shadow)
	}
	// A retired version above live may still be promoted.
	if p, err := f.svc.Promote(ctx, "riverside", "olga", 4); err != nil || p.Version != 4 {
		t.Fatalf("Promote(4) = %+v, %v", p, err)
	}
	stages("4:live 3:retired 2:retired 1:retired")
}

// Conflicts are ErrConflict (409) and change nothing.
func TestConflicts(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	if _, err := f.svc.SubmitShadow(ctx, "riverside", "olga", riverside(t, 2)); err != nil {
		t.Fatal(err)
	}
	before := rulesetstest.Retained(t, f.url)
	cases := []struct {
		name string
		call func() error
		text string
	}{
		{"version not above", func() error {
			_, err := f.svc.SubmitShadow(ctx, "riverside", "olga", riverside(t, 2))
			return err
		}, "version 2 is not above 2, the highest version of site riverside: write version: 3 or more"},
		{"another site's document", func() error {
			_, err := f.svc.SubmitShadow(ctx, "hillside", "olga", riverside(t, 5))
			return err
		}, "the document is the rule set of site riverside, not of hillside"},
		{"promote not above live", func() error {
			_, err := f.svc.Promote(ctx, "riverside", "olga", 1)
			return err
		}, "version 1 is not above the live version 1 of site riverside: roll back to it instead"},
		{"no shadow", func() error {
			_, err := f.svc.Promote(ctx, "hillside", "olga", 0)
			return err
		}, "site hillside has no shadow rule set to promote"},
		{"rollback to live", func() error {
			_, err := f.svc.Rollback(ctx, "riverside", "olga", 1)
			return err
		}, "version 1 is the live rule set of site riverside already"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("got %v, want ErrConflict …%s…", err, tc.text)
			}
		})
	}
	if _, err := f.svc.Rollback(ctx, "riverside", "olga", 99); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rollback to a missing version: %v", err)
	}
	if after := rulesetstest.Retained(t, f.url); len(after) != len(before) || after[bus.RulesShadowTopic("riverside")] != before[bus.RulesShadowTopic("riverside")] {
		t.Errorf("a refused call changed what is retained: %v", keys(after))
	}
	if v, _ := f.svc.Get(ctx, "riverside"); len(v.Versions) != 2 || v.Shadow.Version != 2 || v.Live.Version != 1 {
		t.Errorf("a refused call changed the store: %+v", v.Versions)
	}
}

// The problems of an invalid document are the edge's: the same lines,
// fields and messages the edge reports for the same text on the shadow
// topic (the operator wrote shadow: true, so the texts are the same);
// nothing is published or stored.
func TestInvalid(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	valid := strings.Replace(string(riverside(t, 2)), "version: 2\n", "version: 2\nshadow: true\n", 1)
	cases := []struct{ name, doc, field, text string }{
		{"kind typo", strings.Replace(valid, "kind: fire", "kind: fyre", 1), "cameras.*.rules[6].kind", `"fyre" is not a kind`},
		{"detector typo", strings.Replace(valid, "motion: {", "motoin: {", 1), "cameras.*.detectors.motoin", `unknown detector "motoin" (registered: fire, health, motion, objects, smoke)`},
		{"no version", strings.Replace(valid, "version: 2\n", "", 1), "version", "is required"},
		{"unknown key", strings.Replace(valid, "min_score: 0.5, min_duration", "min_scor: 0.5, min_duration", 1), "cameras.*.rules[0].min_scor", "did you mean min_score?"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.SubmitShadow(ctx, "riverside", "olga", []byte(tc.doc))
			var pe *strict.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *strict.Error", err, err)
			}
			_, edgeErr := ruleset.ParseMessage(bus.RulesShadowTopic("riverside"), []byte(tc.doc), ruleset.EdgeDetectors)
			var ee *strict.Error
			if !errors.As(edgeErr, &ee) || len(ee.Problems) != len(pe.Problems) {
				t.Fatalf("the edge says %v\nthe gateway %v", edgeErr, err)
			}
			found := false
			for i, p := range pe.Problems {
				e := ee.Problems[i]
				if p.Field != e.Field || p.Msg != e.Msg || p.Line != e.Line {
					t.Errorf("problem %d: gateway %s, edge %s", i, p, e)
				}
				found = found || p.Field == tc.field && strings.Contains(p.Msg, tc.text)
			}
			if !found {
				t.Errorf("want %s: …%s…, got\n%v", tc.field, tc.text, err)
			}
			if v, err := f.svc.Validate("riverside", []byte(tc.doc)); v != 0 || !errors.As(err, &pe) {
				t.Errorf("Validate = %d, %v", v, err)
			}
		})
	}
	if v, err := f.svc.Validate("riverside", []byte(valid)); v != 2 || err != nil {
		t.Errorf("Validate(valid) = %d, %v", v, err)
	}
	// A version written so that it cannot be set on publication.
	_, err := f.svc.Validate("riverside", []byte(strings.Replace(valid, "version: 2", "version: &v 2", 1)))
	if pe := new(strict.Error); !errors.As(err, &pe) || pe.Problems[0].Field != "version" || pe.Problems[0].Line != 7 {
		t.Errorf("anchored version: %v", err)
	}
	if r := rulesetstest.Retained(t, f.url); len(r) != 0 {
		t.Errorf("invalid documents were published: %v", keys(r))
	}
	if v, _ := f.svc.Get(ctx, "riverside"); len(v.Versions) != 1 {
		t.Errorf("invalid documents were stored: %+v", v.Versions)
	}
}

// A JSON document stays JSON on the bus, with its shadow flag set.
func TestJSONDocument(t *testing.T) {
	f := start(t)
	doc := `{"site": "hillside", "version": 8, "cameras": {"*": {"rules": [{"name": "fire", "kind": "fire"}]}}}`
	if _, err := f.svc.SubmitShadow(context.Background(), "hillside", "olga", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	r := rulesetstest.Retained(t, f.url)
	got := r[bus.RulesShadowTopic("hillside")]
	if !json.Valid([]byte(got)) || !strings.HasPrefix(got, `{"shadow": true, "site": "hillside"`) {
		t.Errorf("retained %s", got)
	}
	retainedDoc(t, r, bus.RulesShadowTopic("hillside"))
}

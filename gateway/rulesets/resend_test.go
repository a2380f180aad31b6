package rulesets

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/rulesets/rulesetstest"
)

// recorder is a Publisher that records the topics published: the
// publications themselves are tested over mosquitto in service_test.go.
type recorder struct{ topics []string }

func (r *recorder) PublishRetained(topic string, _ []byte) error {
	r.topics = append(r.topics, topic)
	return nil
}

// TestResender follows one edge's statuses on a clock the test moves: the
// store is a real SQLite file seeded with the demo's rule sets (riverside
// live at version 1, no shadow).
func TestResender(t *testing.T) {
	pub := &recorder{}
	svc := New(rulesetstest.SQLite(t), pub, peers.TestLog(t))
	if err := svc.Seed(context.Background(), rulesDir); err != nil {
		t.Fatal(err)
	}
	r := svc.Resender()
	t0 := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	both := []string{ruleset.Topic("riverside", false), ruleset.Topic("riverside", true)}
	steps := []struct {
		name  string
		at    time.Duration
		state string
		runs  bus.RuleVersions
		site  string
		want  []string // topics published by this status
	}{
		{"just connected: runs none yet", 0, bus.Online, bus.RuleVersions{}, "riverside", nil},
		{"still within the grace", 2 * time.Second, bus.Online, bus.RuleVersions{}, "riverside", nil},
		{"missed it: live and the cleared shadow again", 6 * time.Second, bus.Online, bus.RuleVersions{}, "riverside", both},
		{"at most once per Every", 10 * time.Second, bus.Online, bus.RuleVersions{}, "riverside", nil},
		{"still behind after Every", 40 * time.Second, bus.Online, bus.RuleVersions{}, "riverside", both},
		{"caught up", 41 * time.Second, bus.Online, bus.RuleVersions{Live: 1}, "riverside", nil},
		{"behind again: a new grace", 80 * time.Second, bus.Online, bus.RuleVersions{}, "riverside", nil},
		{"refused: sending again would not help", 90 * time.Second, bus.Online, bus.RuleVersions{Refused: true}, "riverside", nil},
		{"offline edges are not served", 120 * time.Second, bus.Offline, bus.RuleVersions{}, "riverside", nil},
		{"a newer live version from the edge's own file", 130 * time.Second, bus.Online, bus.RuleVersions{Live: 7}, "riverside", nil},
		{"a site the gateway has no sets of", 200 * time.Second, bus.Online, bus.RuleVersions{}, "nowhere", nil},
		{"", 300 * time.Second, bus.Online, bus.RuleVersions{}, "nowhere", nil},
	}
	for _, s := range steps {
		r.now = func() time.Time { return t0.Add(s.at) }
		pub.topics = nil
		r.Observe(context.Background(), bus.EdgeStatus{Edge: "edge-1", State: s.state,
			Rules: map[string]bus.RuleVersions{s.site: s.runs}})
		slices.Sort(pub.topics)
		if !slices.Equal(pub.topics, s.want) {
			t.Errorf("%s (+%s): published %v, want %v", s.name, s.at, pub.topics, s.want)
		}
	}
}

// TestBehind is the comparison of an edge's versions with the site's.
func TestBehind(t *testing.T) {
	pub := &recorder{}
	svc := New(rulesetstest.SQLite(t), pub, peers.TestLog(t))
	ctx := context.Background()
	if err := svc.Seed(ctx, rulesDir); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SubmitShadow(ctx, "riverside", "op", riverside(t, 2)); err != nil {
		t.Fatal(err)
	}
	v, err := svc.Get(ctx, "riverside")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		runs bus.RuleVersions
		want bool
	}{
		{bus.RuleVersions{Live: 1, Shadow: 2}, false},
		{bus.RuleVersions{Live: 1}, true},             // the shadow missed
		{bus.RuleVersions{Shadow: 2}, true},           // the live set missed
		{bus.RuleVersions{Live: 1, Shadow: 3}, false}, // newer than the site's: its own
	} {
		if got := behind(c.runs, v); got != c.want {
			t.Errorf("edge runs %+v, site live 1 shadow 2: behind = %v, want %v", c.runs, got, c.want)
		}
	}
	if err := svc.RetireShadow(ctx, "riverside", "op"); err != nil {
		t.Fatal(err)
	}
	if v, err = svc.Get(ctx, "riverside"); err != nil {
		t.Fatal(err)
	}
	if !behind(bus.RuleVersions{Live: 1, Shadow: 2}, v) {
		t.Error("an edge still running the retired shadow 2 is not behind")
	}
}

package rulescontract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/edge/detect"
	_ "github.com/argus-edge/argus/edge/detect/fire" // the edge binary's detector plugins
	_ "github.com/argus-edge/argus/edge/detect/health"
	_ "github.com/argus-edge/argus/edge/detect/motion"
	_ "github.com/argus-edge/argus/edge/detect/objects"
	"github.com/argus-edge/argus/edge/rules"
	"github.com/argus-edge/argus/gateway/rulesets"
	"github.com/argus-edge/argus/gateway/rulesets/rulesetstest"
)

// What is real: mosquitto, the gateway's rulesets.Service publishing with
// a paho client, and an edge's rule handling: edge/rules' ParseMessage and
// Runner fed by a paho subscription on the topics edge/main.go subscribes
// to, as edge/watchers.go does (ErrCleared retires the shadow). What is
// simulated: the store (rulesetstest.MemStore, in memory).

const rulesDir = "../../configs/rules"

// The gateway validates with the detector names the edge registers, so
// both give the same "unknown detector" message.
func TestEdgeDetectors(t *testing.T) {
	if got := detect.Names(); !slices.Equal(got, ruleset.EdgeDetectors) {
		t.Errorf("the edge registers %v; configs/ruleset.EdgeDetectors says %v", got, ruleset.EdgeDetectors)
	}
}

// edge is the rule handling of one edge for one site.
type edge struct {
	runner *rules.Runner
	// offers receives the outcome of each rule-set message.
	offers chan error
}

// startEdge loads the site's file, as the edge does at start, and
// subscribes to the rules topics as edge/main.go does.
func startEdge(t *testing.T, url, site string) *edge {
	t.Helper()
	path := filepath.Join(rulesDir, site+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Parse(path, data, detect.Names())
	if err != nil {
		t.Fatal(err)
	}
	e := &edge{runner: rules.NewRunner(site), offers: make(chan error, 16)}
	if _, err := e.runner.Apply(set, time.Now()); err != nil {
		t.Fatal(err)
	}
	c := peers.MQTTClient(t, url, fmt.Sprintf("edge-%s-%d", site, time.Now().UnixNano()))
	handle := func(_ paho.Client, m paho.Message) {
		set, err := rules.ParseMessage(m.Topic(), m.Payload(), detect.Names())
		switch {
		case errors.Is(err, rules.ErrCleared):
			e.runner.DropShadow(time.Now())
			err = nil
		case err == nil:
			_, err = e.runner.Apply(set, time.Now())
		}
		e.offers <- err
	}
	for _, filter := range []string{bus.RulesTopic(site), bus.RulesShadowTopic(site)} { // as the edge does: its sites only
		if tok := c.Subscribe(filter, 1, handle); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("subscribe %s: %v", filter, tok.Error())
		}
	}
	return e
}

// accepted waits for the edge to handle one message and fails if it
// refused it.
func (e *edge) accepted(t *testing.T, step string) {
	t.Helper()
	select {
	case err := <-e.offers:
		if err != nil {
			t.Fatalf("%s: the edge refused it: %v", step, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing reached the edge within 10s", step)
	}
}

// versions is what the edge runs: live and shadow versions, 0 for none.
func (e *edge) versions() (live, shadow int) {
	if s := e.runner.Live(); s != nil {
		live = s.Version
	}
	if s := e.runner.Shadow(); s != nil {
		shadow = s.Version
	}
	return live, shadow
}

// Every publication of the workflow is taken by an edge running, and
// what stays retained is taken by an edge starting afterwards.
func TestEdgeTakesWhatTheGatewayPublishes(t *testing.T) {
	b := peers.Mosquitto(t)
	ctx := context.Background()
	svc := rulesets.New(rulesetstest.SQLite(t),
		rulesets.PahoPublisher(peers.MQTTClient(t, b.URL(), "gateway"), 10*time.Second), peers.TestLog(t))
	if err := svc.Seed(ctx, rulesDir); err != nil {
		t.Fatal(err)
	}
	running := startEdge(t, b.URL(), "riverside")
	data, err := os.ReadFile(filepath.Join(rulesDir, "riverside.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ruleset.SetStage(data, false, 2) // the operator edits the version only
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name               string
		do                 func() error
		messages           int
		wantLive, wantShad int
	}{
		{"submit shadow v2", func() error { _, err := svc.SubmitShadow(ctx, "riverside", "olga", doc); return err }, 1, 1, 2},
		{"promote v2", func() error { _, err := svc.Promote(ctx, "riverside", "olga", 0); return err }, 2, 2, 0},
		{"roll back to v1 as v3", func() error { _, err := svc.Rollback(ctx, "riverside", "olga", 1); return err }, 1, 3, 0},
		{"submit shadow v4", func() error {
			d, _ := ruleset.SetStage(data, false, 4)
			_, err := svc.SubmitShadow(ctx, "riverside", "olga", d)
			return err
		}, 1, 3, 4},
	}
	// Seeding published nothing: had it, the running edge would have
	// refused the seeded v1 (not above its own v1) and the first step
	// would see that refusal.
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for range s.messages {
			running.accepted(t, s.name)
		}
		if live, shad := running.versions(); live != s.wantLive || shad != s.wantShad {
			t.Fatalf("%s: the edge runs live %d shadow %d, want %d and %d", s.name, live, shad, s.wantLive, s.wantShad)
		}
	}
	// An edge starting now loads v1 from its file, then takes the retained
	// live v3 and shadow v4.
	fresh := startEdge(t, b.URL(), "riverside")
	fresh.accepted(t, "retained live")
	fresh.accepted(t, "retained shadow")
	if live, shad := fresh.versions(); live != 3 || shad != 4 {
		t.Errorf("a starting edge runs live %d shadow %d, want 3 and 4", live, shad)
	}
	// Retiring reaches both.
	if err := svc.RetireShadow(ctx, "riverside", "olga"); err != nil {
		t.Fatal(err)
	}
	for _, e := range []*edge{running, fresh} {
		e.accepted(t, "retire")
		if _, shad := e.versions(); shad != 0 {
			t.Errorf("shadow v%d still runs after retiring", shad)
		}
	}
}

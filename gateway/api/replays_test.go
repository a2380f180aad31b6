package api

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/replays"
)

// edgeOrders stands in for the edges on the bus (the round trip over
// mosquitto is gateway/replays' test): it takes every replay command and
// answers OK.
type edgeOrders struct {
	mu   sync.Mutex
	cmds map[string]bus.Command // by edge
}

func (o *edgeOrders) Command(_ context.Context, edge string, cmd bus.Command) (bus.Reply, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cmds[edge] = cmd
	return bus.Reply{OK: true}, nil
}

// Rule replay through the API with the real replays service: an operator
// starts one on a stored version of their site (202, one order per edge
// owning the site's cameras, audited), reads its progress, cancels it;
// what is wrong is refused with why (range, version, cameras, scope,
// role).
func TestReplayAPI(t *testing.T) {
	edges := &edgeOrders{cmds: map[string]bus.Command{}}
	e := newEnv(t, func(o *Options) { o.Replays = replays.New(replays.Options{Edges: edges, Anomalies: o.Store}) })
	op := e.login("river-op")
	now := e.clk.now()
	body := func(edit func(map[string]any)) map[string]any {
		b := map[string]any{"version": 1, "from": now.Add(-time.Hour), "to": now}
		if edit != nil {
			edit(b)
		}
		return b
	}
	resp, b := e.do("POST", "/api/sites/riverside/replays", op, body(nil))
	var v replays.View
	json.Unmarshal(b, &v)
	if resp.StatusCode != 202 || v.ID == "" || !slices.Equal(v.Cameras, []string{"river-bank", "river-gate"}) || v.Version != 1 {
		t.Fatalf("start: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit(); a.Action != "replay.start" || a.Site != "riverside" || a.Object != v.ID || !strings.Contains(a.Detail, "version 1") {
		t.Errorf("audit %+v", a)
	}
	for edge, cam := range map[string]string{"edge-a": "river-gate", "edge-b": "river-bank"} {
		cmd := edges.cmds[edge]
		if cmd.Action != bus.ActionReplayStart || cmd.Replay == nil || !slices.Equal(cmd.Replay.Cameras, []string{cam}) ||
			!strings.Contains(cmd.Replay.Rules, "site: riverside") || !cmd.Replay.From.Equal(now.Add(-time.Hour)) {
			t.Errorf("order to %s: %+v", edge, cmd.Replay)
		}
	}
	cmdr := e.login("river-cmd")
	for _, c := range []struct {
		method, path, token string
		body                any
		want                int
		has                 string
	}{
		{"GET", "/api/replays/" + v.ID, cmdr, nil, 200, `"state":"queued"`},
		{"GET", "/api/sites/riverside/replays", op, nil, 200, v.ID},
		{"GET", "/api/replays/rnothere", op, nil, 404, "no such replay"},
		{"GET", "/api/replays/" + v.ID, e.login("hill-cmd"), nil, 403, "not in your sites"},
		{"POST", "/api/sites/riverside/replays", cmdr, body(nil), 403, ""},
		{"POST", "/api/sites/hillside/replays", op, body(nil), 403, "not in your sites"},
		{"POST", "/api/sites/riverside/replays", op, body(func(b map[string]any) { b["to"] = now.Add(-2 * time.Hour) }), 400, "after from"},
		{"POST", "/api/sites/riverside/replays", op, body(func(b map[string]any) { b["from"] = now.Add(-25 * time.Hour) }), 400, "at most 24h"},
		{"POST", "/api/sites/riverside/replays", op, body(func(b map[string]any) { delete(b, "from") }), 400, "required"},
		{"POST", "/api/sites/riverside/replays", op, body(func(b map[string]any) { b["version"] = 9 }), 404, "no version 9"},
		{"POST", "/api/sites/riverside/replays", op, body(func(b map[string]any) { b["version"] = 0 }), 400, "no shadow version"},
		{"POST", "/api/sites/riverside/replays", op, body(func(b map[string]any) { b["cameras"] = []string{"hill-top"} }), 400, "not a camera of site riverside"},
		{"POST", "/api/sites/riverside/replays", op, body(func(b map[string]any) { b["document"] = "site: riverside\nversion: x\n" }), 422, "problems"},
		{"POST", "/api/sites/riverside/replays", op, "not json", 400, "JSON"},
		{"DELETE", "/api/replays/" + v.ID, op, nil, 200, v.ID},
	} {
		resp, b := e.do(c.method, c.path, c.token, c.body)
		if resp.StatusCode != c.want || !strings.Contains(string(b), c.has) {
			t.Errorf("%s %s %v: %d %.300s, want %d with %q", c.method, c.path, c.body, resp.StatusCode, b, c.want, c.has)
		}
	}
	if cmd := edges.cmds["edge-a"]; cmd.Action != bus.ActionReplayCancel || cmd.Replay.ID != v.ID {
		t.Errorf("cancel sent %+v", cmd)
	}
	// a draft from the editor, on one camera
	resp, b = e.do("POST", "/api/sites/riverside/replays", op, body(func(b map[string]any) {
		b["document"], b["cameras"] = ruleDoc(t, "riverside", 7), []string{"river-gate"}
	}))
	if resp.StatusCode != 202 || !strings.Contains(string(b), `"version":7`) || !strings.Contains(string(b), `"cameras":["river-gate"]`) {
		t.Errorf("draft: %d %s", resp.StatusCode, b)
	}
}

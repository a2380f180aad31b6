package e2e

import (
	"slices"
	"testing"
	"time"
)

// Real gateway (embedded broker, directory, API, console), edge binary and
// Chromium; only the cameras are simulated. An operator of riverside — one
// of the edge's three cameras is there — sees in the Edges view the edge
// online with that one camera, its memory and its queue, and the API says
// the same with only riverside's camera named. The edge is killed
// (SIGKILL: no goodbye; the broker publishes its will, which names no
// camera) and the operator's view marks it offline.
func TestConsoleOperatorSeesTheirEdgeGoOffline(t *testing.T) {
	st := startConsoleStack(t)
	ctx := openConsole(t, st, riverOperator, "#/edges")
	row := `[data-testid="edge-row"][data-edge="` + edgeID + `"]`
	awaitPage(t, ctx, "the edge online with its riverside camera",
		`(() => { const r = `+sel(row)+`; return r && r.dataset.state === 'online' && `+
			`r.querySelector('[data-testid="edge-cameras"]').textContent.trim() === '1' && `+
			`/\d+ MiB · \d+ queued/.test(r.querySelector('[data-testid="edge-resources"]').textContent); })()`, 60*time.Second)

	var edges struct {
		Items []struct {
			Edge, State   string
			Cameras       []string
			CamerasOnline int   `json:"cameras_online"`
			MemoryBytes   int64 `json:"memory_bytes"`
			QueueDepth    *int  `json:"queue_depth"`
		}
	}
	apiGet(t, ctx, st, "/api/edges", &edges)
	if len(edges.Items) != 1 {
		t.Fatalf("the operator of riverside sees %d edges, want the one serving riverside: %+v", len(edges.Items), edges.Items)
	}
	e := edges.Items[0]
	if e.Edge != edgeID || !slices.Equal(e.Cameras, []string{riverCam}) || e.CamerasOnline < 1 || e.MemoryBytes <= 0 || e.QueueDepth == nil {
		t.Errorf("the operator's edge %+v: want %s naming only %s, its cameras online, memory and queue depth", e, edgeID, riverCam)
	}

	st.edge.kill(t)
	awaitPage(t, ctx, "the edge marked offline", sel(row)+`?.dataset.state === 'offline' && `+
		sel(row+` [data-testid="edge-health"]`)+`.textContent === 'offline'`, 60*time.Second)
	apiGet(t, ctx, st, "/api/edges", &edges)
	if len(edges.Items) != 1 || edges.Items[0].State != "offline" || !slices.Equal(edges.Items[0].Cameras, []string{riverCam}) {
		t.Errorf("after the kill the operator's edges are %+v, want %s offline with %s", edges.Items, edgeID, riverCam)
	}
}

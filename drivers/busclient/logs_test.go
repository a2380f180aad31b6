package busclient

import (
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/logs"
	"github.com/argus-edge/argus/drivers/peers"
)

// TestLogLinesNameEachKeyOnce: the edge tags its logger with its id
// (edge/main.go) and hands it to the client. Every line the client writes,
// from connecting to closing, carries the edge id once. Real: mosquitto.
func TestLogLinesNameEachKeyOnce(t *testing.T) {
	broker := peers.Mosquitto(t)
	var lb peers.LogBuffer
	tagged := testLog(t, &lb).With().Str("edge", "edge-1").Logger()
	c := newTestClient(t, broker.URL(), t.TempDir(), func(o *Options) { o.Log = tagged })
	if !lb.Await(`"message":"bus: connected"`, 15*time.Second) {
		t.Fatalf("the client never logged its connection: %s", lb.String())
	}
	c.Close()
	lines := strings.Split(strings.TrimSpace(lb.String()), "\n")
	if len(lines) < 3 {
		t.Fatalf("%d lines, want at least connecting, connected and closed: %s", len(lines), lb.String())
	}
	for _, l := range lines {
		ev, err := logs.Parse([]byte(l))
		if err != nil {
			t.Error(err)
			continue
		}
		if ev["edge"] != "edge-1" {
			t.Errorf("line without the edge id: %s", l)
		}
	}
}

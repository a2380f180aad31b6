package alerts

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/argus-edge/argus/drivers/bus"
)

// golden is the bus contract's example anomaly (drivers/bus/testdata).
func golden(t *testing.T) bus.Anomaly {
	t.Helper()
	b, err := os.ReadFile("../../drivers/bus/testdata/anomaly.json")
	if err != nil {
		t.Fatal(err)
	}
	var a bus.Anomaly
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestParse(t *testing.T) {
	g := golden(t)
	topic := bus.AnomalyTopic(g.Site, g.Camera)
	tests := []struct {
		name   string
		topic  string
		edit   func(a *bus.Anomaly)
		raw    string // sent instead of the edited golden when set
		reason string // "" for accepted
	}{
		{name: "the golden anomaly", topic: topic},
		{name: "no severity is medium", topic: topic, edit: func(a *bus.Anomaly) { a.Severity = "" }},
		{name: "not JSON", topic: topic, raw: "{nope", reason: rejectJSON},
		{name: "a JSON array", topic: topic, raw: "[1,2]", reason: rejectJSON},
		{name: "a status topic", topic: bus.CameraStatusTopic(g.Site, g.Camera), reason: rejectTopic},
		{name: "outside argus", topic: "x/anomalies/a/b", reason: rejectTopic},
		{name: "another camera's topic", topic: bus.AnomalyTopic(g.Site, "other-cam"), reason: rejectMismatch},
		{name: "another site's topic", topic: bus.AnomalyTopic("other-site", g.Camera), reason: rejectMismatch},
		{name: "no id", topic: topic, edit: func(a *bus.Anomaly) { a.ID = "" }, reason: rejectInvalid},
		{name: "id with a newline", topic: topic, edit: func(a *bus.Anomaly) { a.ID = "a\nb" }, reason: rejectInvalid},
		{name: "seq 0", topic: topic, edit: func(a *bus.Anomaly) { a.Seq = 0 }, reason: rejectInvalid},
		{name: "bad edge", topic: topic, edit: func(a *bus.Anomaly) { a.Edge = "Edge 1" }, reason: rejectInvalid},
		{name: "no kind", topic: topic, edit: func(a *bus.Anomaly) { a.Kind = "" }, reason: rejectInvalid},
		{name: "an unknown kind is fine", topic: topic, edit: func(a *bus.Anomaly) { a.Kind = "drone_sighting" }},
		{name: "bad state", topic: topic, edit: func(a *bus.Anomaly) { a.State = "begin" }, reason: rejectInvalid},
		{name: "bad severity", topic: topic, edit: func(a *bus.Anomaly) { a.Severity = "urgent" }, reason: rejectInvalid},
		{name: "score over 1", topic: topic, edit: func(a *bus.Anomaly) { a.Score = 1.5 }, reason: rejectInvalid},
		{name: "box negative", topic: topic, edit: func(a *bus.Anomaly) { a.Box[2] = -0.1 }, reason: rejectInvalid},
		{name: "latitude 91", topic: topic, edit: func(a *bus.Anomaly) { a.Geo.Lat = 91 }, reason: rejectInvalid},
		{name: "snapshot not a JPEG", topic: topic, edit: func(a *bus.Anomaly) { a.Snapshot = []byte("PNG") }, reason: rejectInvalid},
		{name: "negative rule version", topic: topic, edit: func(a *bus.Anomaly) { a.RuleVersion = -1 }, reason: rejectInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := golden(t)
			if tc.edit != nil {
				tc.edit(&a)
			}
			payload := []byte(tc.raw)
			if tc.raw == "" {
				var err error
				if payload, err = json.Marshal(a); err != nil {
					t.Fatal(err)
				}
			}
			got, err := parse(tc.topic, payload)
			switch {
			case tc.reason == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tc.reason != "" && err == nil:
				t.Fatalf("accepted %+v, want a %s rejection", got, tc.reason)
			case tc.reason != "" && reasonOf(err) != tc.reason:
				t.Fatalf("rejected as %s (%v), want %s", reasonOf(err), err, tc.reason)
			case tc.reason == "" && (got.ID != a.ID || got.Severity == ""):
				t.Fatalf("parsed %+v", got)
			}
		})
	}
}

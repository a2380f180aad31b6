package directory

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// retainedList is a RetainedReader over a fixed list of topics and payloads.
type retainedList map[string][]byte

func (l retainedList) Read(_ context.Context, _ string, fn func(topic string, payload []byte)) (int, error) {
	for topic, payload := range l {
		fn(topic, payload)
	}
	return len(l), nil
}

// A broker that does not acknowledge the directory's SUBSCRIBE (NATS does
// so only once it has loaded every retained message the filter matches,
// up to its 30 s API timeout under load) does not keep the directory from
// its retained statuses: it reads them anyway and says so. Simulated: the
// broker (peers.MQTTNoSubAck) and the retained store (a fixed list where
// the gateway reads NATS's stream).
func TestRetainedReadWithoutSubAck(t *testing.T) {
	st := bus.CameraStatus{Site: "riverside", Camera: "cam1", Edge: "edge-a", State: bus.Online}
	payload, _ := json.Marshal(st)
	logs := &peers.LogBuffer{}
	d := New(Options{Broker: peers.MQTTNoSubAck(t), ClientID: "dir-nosuback", Log: peers.TestLog(t).Output(logs),
		Retained: retainedList{bus.CameraStatusTopic("riverside", "cam1"): payload}})
	d.subWait = 100 * time.Millisecond
	runDirectory(t, d)
	if edge, site, ok := d.Lookup("cam1"); !ok || edge != "edge-a" || site != "riverside" {
		t.Fatalf("cam1 after the retained read: %q %q %v, want edge-a at riverside", edge, site, ok)
	}
	if !logs.Await("not acknowledged yet; reading the retained statuses meanwhile", time.Second) {
		t.Fatalf("no warning about the unacknowledged SUBSCRIBE in the log:\n%s", logs)
	}
}

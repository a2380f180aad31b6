package rulesets

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/rulesets/rulesetstest"
	"github.com/argus-edge/argus/gateway/store"
)

// The store is a real SQLite file, the broker a real mosquitto and the
// publisher a real paho client.

// rulesDir holds the demo's rule files, which the demo edge loads.
const rulesDir = "../../configs/rules"

type fixture struct {
	svc *Service
	st  store.Store
	url string
}

// start runs mosquitto and a Service seeded from the demo's rule files.
func start(t *testing.T) *fixture {
	t.Helper()
	b := peers.Mosquitto(t)
	st := rulesetstest.SQLite(t)
	c := peers.MQTTClient(t, b.URL(), "gateway-"+strings.ReplaceAll(t.Name(), "/", "-"))
	svc := New(st, PahoPublisher(c, 10*time.Second), peers.TestLog(t))
	if err := svc.Seed(context.Background(), rulesDir); err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, st: st, url: b.URL()}
}

// riverside is the demo's riverside rule set with its version set and a
// line added, as an operator edits it.
func riverside(t *testing.T, version int) []byte {
	t.Helper()
	data, err := os.ReadFile(rulesDir + "/riverside.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Replace(string(data), "version: 1\n", fmt.Sprintf("version: %d\n", version), 1)
	out += "      - {name: fire, kind: fire, severity: critical}   # added in the console\n"
	if !strings.Contains(out, fmt.Sprintf("version: %d\n", version)) {
		t.Fatal("configs/rules/riverside.yaml no longer says version: 1")
	}
	return []byte(out)
}

// retainedDoc parses what is retained on topic as the edge does, failing
// when nothing is.
func retainedDoc(t *testing.T, retained map[string]string, topic string) *ruleset.Document {
	t.Helper()
	payload, ok := retained[topic]
	if !ok {
		t.Fatalf("nothing retained on %s (retained: %v)", topic, keys(retained))
	}
	d, err := ruleset.ParseMessage(topic, []byte(payload), ruleset.EdgeDetectors)
	if err != nil {
		t.Fatalf("the edge would refuse what is retained on %s: %v", topic, err)
	}
	return d
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

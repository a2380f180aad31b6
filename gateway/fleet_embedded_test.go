package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/fleet"
)

// Real: the gateway's run with its embedded NATS node (make run's mode:
// the fleet runs there too, buckets with one replica), the edge's bus
// user with the edge role's grant, a fleet.Agent logged in as that user
// (its inbox under fleet.InboxPrefix, as the edge's). Simulated: the
// edge's pull (the test writes the camera's status through the agent).
// A camera registered through the API is assigned to the edge, its spec
// readable with the edge's permissions, and its status shows in
// /api/cameras with the edge as owner.
func TestFleetOnTheEmbeddedNode(t *testing.T) {
	const edgePW = "edge-1-bus-password-for-tests"
	t.Setenv("T_EDGE1_BUS", edgePW)
	httpURL, _, log := startGatewayArgs(t, nil,
		"    - {name: edge-1, role: edge, edge: edge-1, sites: [\"*\"], password_env: T_EDGE1_BUS}\n", consoleUsers(t))
	var ready struct{ NATS string }
	for _, line := range strings.Split(log.String(), "\n") {
		if strings.Contains(line, `"gateway ready"`) {
			json.Unmarshal([]byte(line), &ready)
		}
	}
	if ready.NATS == "" {
		t.Fatalf("no nats address in the ready line:\n%s", log)
	}
	root := loginAs(t, httpURL, "root")
	cam := map[string]any{"id": "emb-1", "site": "riverside", "name": "Embedded", "main": "rtsp://10.1.1.1/main"}
	if st := call(t, "POST", httpURL+"/api/cameras", root, cam, nil); st != http.StatusCreated && st != http.StatusOK {
		t.Fatalf("register: %d", st)
	}

	nc, err := nats.Connect("nats://"+strings.Replace(ready.NATS, "0.0.0.0", "127.0.0.1", 1), nats.UserInfo("edge-1", edgePW),
		nats.CustomInboxPrefix(fleet.InboxPrefix("edge-1")), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	works := make(chan fleet.Work, 16)
	agent, err := fleet.NewAgent(js, fleet.AgentConfig{Edge: "edge-1", Capacity: 10, Version: "test"}, func(w fleet.Work) { works <- w })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- agent.Run(ctx) }()
	defer func() { cancel(); <-done }()

	deadline := time.After(30 * time.Second)
	var got fleet.Work
	for len(got.Cameras) == 0 {
		select {
		case got = <-works:
		case <-deadline:
			t.Fatalf("edge-1 got no camera in 30 s:\n%s", log)
		}
	}
	if got.Cameras[0].ID != "emb-1" || got.Cameras[0].Main != "rtsp://10.1.1.1/main" {
		t.Fatalf("work: %+v", got)
	}
	eventually(t, 10*time.Second, "the agent applied the work", func() (bool, string) {
		return agent.Owner().Epoch >= got.Epoch, fmt.Sprint(agent.Owner())
	})
	if err := agent.PutStatus(ctx, bus.CameraStatus{Site: "riverside", Camera: "emb-1", State: bus.Online, Mode: bus.ModeIdle, Time: bus.Now()}); err != nil {
		t.Fatalf("status with the edge's permissions: %v", err)
	}
	eventually(t, 10*time.Second, "emb-1 online, owned by edge-1", func() (bool, string) {
		var c cameraRow
		call(t, "GET", httpURL+"/api/cameras/emb-1", root, nil, &c)
		return c.State == bus.Online && c.OwnerEdge == "edge-1", fmt.Sprintf("%+v", c)
	})
}

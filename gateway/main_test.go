package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/broker"
	"github.com/argus-edge/argus/gateway/config"
)

// Real: the gateway's run (as main calls it) on free loopback ports, an
// HTTP client and paho clients (a bus user gets in, an anonymous one not). Simulated: SIGINT, as the cancelled
// context that signal.NotifyContext would cancel.
func TestGatewayServesHealthzAndMQTTAndStopsCleanly(t *testing.T) {
	mqttPort, httpPort := peers.FreePort(t), peers.FreePort(t)
	config := writeConfig(t, "users:\n  - {name: chief, role: commander, sites: [\"*\"], password_hash: \"$2a$10$KS29Z7w9LeN8JtU.a4YEMufWT2lcvMH4bX4dZS71NLQj1rdDGCdvq\"}\n"+
		"bus:\n  users:\n    - {name: probe, role: gateway, password_env: T_BUS_PROBE}\n")
	t.Setenv("T_BUS_PROBE", busSecret)
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-mqtt", fmt.Sprintf("127.0.0.1:%d", mqttPort),
			"-http", fmt.Sprintf("127.0.0.1:%d", httpPort), "-webrtc-udp", "127.0.0.1:0", "-config", config, "-log-format", "json",
			"-nats", "127.0.0.1:0", "-bus-store", t.TempDir()}, pw)
		pw.Close()
	}()
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		signalled := false
		for sc.Scan() {
			var ev struct{ Message string }
			if !signalled && json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Message == "gateway ready" {
				ready <- true
				signalled = true
			}
		}
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("gateway exited: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("gateway not ready after 10s")
	}

	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", httpPort))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Fatalf("healthz: %d %q", resp.StatusCode, body)
	}

	mqttURL := fmt.Sprintf("tcp://127.0.0.1:%d", mqttPort)
	c := paho.NewClient(paho.NewClientOptions().AddBroker(mqttURL).SetClientID("probe").SetUsername("probe").SetPassword(busSecret))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("mqtt connect: %v", tok.Error())
	}
	c.Disconnect(100)
	anon := paho.NewClient(paho.NewClientOptions().AddBroker(mqttURL).SetClientID("anonymous").SetProtocolVersion(4))
	if tok := anon.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() == nil {
		anon.Disconnect(100)
		t.Fatalf("an anonymous MQTT client connected (%v)", tok.Error())
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after the signal, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("gateway did not stop within 10s of the signal")
	}
}

// Simulated: another process holds the MQTT port, or the NATS client
// port. run fails at once, naming it, instead of serving without a broker
// (or NATS exiting the process).
func TestGatewayRefusesABusyPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, tc := range []struct{ name, mqtt, nats string }{
		{"mqtt", l.Addr().String(), "127.0.0.1:0"},
		{"nats", "127.0.0.1:0", l.Addr().String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), []string{"-mqtt", tc.mqtt, "-nats", tc.nats, "-http", "127.0.0.1:0",
				"-webrtc-udp", "127.0.0.1:0", "-bus-store", t.TempDir()}, io.Discard)
			if err == nil || !strings.Contains(err.Error(), l.Addr().String()) || !strings.Contains(err.Error(), tc.name) {
				t.Fatalf("got %v, want a %s listen error naming %s", err, tc.name, l.Addr())
			}
		})
	}
}

// The config refuses the name of the broker's built-in login.
func TestReservedBusUser(t *testing.T) {
	if config.ReservedBusUser != broker.InternalUser {
		t.Fatalf("access reserves %q, the broker's own login is %q", config.ReservedBusUser, broker.InternalUser)
	}
}

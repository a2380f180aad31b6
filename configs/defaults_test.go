package configs

import (
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	e, err := Parse("t.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	want := Ingest{
		Reconnect:     Backoff{Min: Duration(500 * time.Millisecond), Max: Duration(30 * time.Second), Jitter: 0.2},
		ReadTimeout:   Duration(10 * time.Second),
		StallTimeout:  Duration(5 * time.Second),
		ConsumerQueue: 128,
		GOPCacheMB:    8,
	}
	if e.Ingest != want {
		t.Errorf("ingest %+v, want %+v", e.Ingest, want)
	}
	if e.Edge.HTTP != ":9100" {
		t.Errorf("http %q", e.Edge.HTTP)
	}
	if e.MQTT.QueueMax != 100000 || e.MQTT.QueueMaxMB != 256 || e.MQTT.Inflight != 128 {
		t.Errorf("mqtt queue bounds %d messages, %d MiB, window %d", e.MQTT.QueueMax, e.MQTT.QueueMaxMB, e.MQTT.Inflight)
	}
	if e.Cameras[0].Transport != "tcp" {
		t.Errorf("transport %q", e.Cameras[0].Transport)
	}

	var built Edge
	built.Cameras = []Camera{{}, {Transport: "udp"}}
	built.ApplyDefaults()
	if built.Ingest != want || built.Edge.HTTP != ":9100" || built.Cameras[0].Transport != "tcp" || built.Cameras[1].Transport != "udp" {
		t.Errorf("ApplyDefaults gave %+v", built)
	}
}

func TestDurationYAML(t *testing.T) {
	d := Duration(1500 * time.Millisecond)
	if v, err := d.MarshalYAML(); err != nil || v != "1.5s" {
		t.Errorf("MarshalYAML = %v, %v", v, err)
	}
	if d.String() != "1.5s" || d.D() != 1500*time.Millisecond {
		t.Errorf("String %q, D %v", d.String(), d.D())
	}
}

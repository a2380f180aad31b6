package main

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/edge/record"
)

// TestRecordPolicies maps the cameras' record settings to the recorder's
// policies: events by default (a fleet's or a drone's camera has none
// set), the substream's hub stream for substream, nothing for disabled or
// off cameras.
func TestRecordPolicies(t *testing.T) {
	cfg := &configs.Edge{Cameras: []configs.Camera{
		{ID: "a"},
		{ID: "b", Record: configs.CameraRecord{Mode: configs.RecordContinuous, Hours: 2}},
		{ID: "c", Sub: "rtsp://h/sub", Record: configs.CameraRecord{Mode: configs.RecordSubstream, Hours: 48}},
		{ID: "d", Disabled: true},
		{ID: "e", Record: configs.CameraRecord{Mode: configs.RecordOff}},
	}}
	got := recordPolicies(cfg)
	want := map[string]record.Policy{
		"a": {Mode: record.ModeEvents},
		"b": {Mode: record.ModeContinuous, Keep: 2 * time.Hour},
		"c": {Mode: record.ModeContinuous, Keep: 48 * time.Hour, Stream: "c/sub"},
		"e": {Mode: record.ModeOff},
	}
	if len(got) != len(want) {
		t.Fatalf("policies %+v, want %+v", got, want)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("camera %s: %+v, want %+v", id, got[id], w)
		}
	}
}

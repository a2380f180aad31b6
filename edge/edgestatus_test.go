package main

import (
	"slices"
	"testing"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/ingest"
)

// The edge's status lists the cameras it pulls (not the disabled ones,
// which it does not), counts those online and carries CPU, memory and the
// queue's depth.
func TestEdgeStatusFromCameras(t *testing.T) {
	cams := []ingest.Status{
		{ID: "river-1", Site: "riverside", State: bus.Online},
		{ID: "river-2", Site: "riverside", State: bus.Connecting},
		{ID: "hill-1", Site: "hillside", State: bus.Offline},
		{ID: "hill-2", Site: "hillside", State: bus.Disabled},
		{ID: "hill-3", Site: "hillside", State: bus.Online},
	}
	st := edgeStatus(cams, 0.37, 12)
	if want := []string{"river-1", "river-2", "hill-1", "hill-3"}; !slices.Equal(st.Cameras, want) {
		t.Errorf("cameras %v, want %v", st.Cameras, want)
	}
	if st.CamerasOnline != 2 || st.Load != 0.37 || st.QueueDepth != 12 || st.MemoryBytes <= 0 {
		t.Errorf("status %+v: want 2 online, load 0.37, queue 12 and this process's memory", st)
	}
	if none := edgeStatus(nil, 0, 0); none.Cameras == nil || len(none.Cameras) != 0 {
		t.Errorf("no cameras: %#v, want an empty list (JSON [], not null)", none.Cameras)
	}
}

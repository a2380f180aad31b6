package bus

import (
	"errors"
	"testing"
)

func TestTopicsRoundTrip(t *testing.T) {
	cases := map[string]Topic{
		"argus/v1/anomalies/hillside/hillside-fire":      {Kind: KindAnomaly, Site: "hillside", Camera: "hillside-fire"},
		"argus/v1/status/edges/edge-1":                   {Kind: KindEdgeStatus, Edge: "edge-1"},
		"argus/v1/status/cameras/hillside/hillside-fire": {Kind: KindCameraStatus, Site: "hillside", Camera: "hillside-fire"},
		"argus/v1/rules/hillside":                        {Kind: KindRules, Site: "hillside"},
		"argus/v1/rules/hillside/shadow":                 {Kind: KindRulesShadow, Site: "hillside"},
		"argus/v1/commands/edge-1":                       {Kind: KindCommand, Edge: "edge-1"},
		"argus/v1/replies/edge-1":                        {Kind: KindReply, Edge: "edge-1"},
		"argus/v1/drones/d_7/telemetry":                  {Kind: KindDroneTelemetry, Drone: "d_7"},
		"argus/v1/drones/d_7/patrols":                    {Kind: KindDronePatrols, Drone: "d_7"},
	}
	for name, want := range cases {
		got, err := ParseTopic(name)
		if err != nil || got != want {
			t.Errorf("%s: got %+v, %v", name, got, err)
			continue
		}
		if got.Name() != name {
			t.Errorf("%s: Name() = %s", name, got.Name())
		}
	}
}

func TestParseTopicRefuses(t *testing.T) {
	for _, name := range []string{
		"", "argus/v1", "argus/v2/rules/a", "argus/v1/rules", "argus/v1/rules/", "argus/v1/rules/A",
		"argus/v1/rules/a/b", "argus/v1/rules/a/shadow/x", "argus/v1/anomalies/site", "argus/v1/anomalies//cam", "argus/v1/anomalies/s/+",
		"argus/v1/anomalies/s/#", "argus/v1/drones/d/battery", "argus/v1/status/sites/x", "/argus/v1/rules/a",
		"argus/v1/rules/" + string(make([]byte, 65)),
	} {
		if tp, err := ParseTopic(name); err == nil || !errors.Is(err, ErrTopic) {
			t.Errorf("%q: got %+v, %v", name, tp, err)
		}
	}
}

// FuzzParseTopic: the parser never panics, and whatever it accepts names
// the topic it was given, with valid ids.
func FuzzParseTopic(f *testing.F) {
	for _, s := range []string{"argus/v1/anomalies/a/b", "argus/v1/status/cameras/s/c", "argus/v1/drones/x/telemetry",
		"argus/v1/rules/", "argus/v1//", "argus/v1/commands/e\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		tp, err := ParseTopic(name)
		if err != nil {
			return
		}
		if tp.Name() != name {
			t.Fatalf("%q parsed as %+v, which names %q", name, tp, tp.Name())
		}
		for _, id := range []string{tp.Site, tp.Camera, tp.Edge, tp.Drone} {
			if id != "" && ValidID(id) != nil {
				t.Fatalf("%q: invalid id %q accepted", name, id)
			}
		}
	})
}

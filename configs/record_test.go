package configs

import (
	"testing"
	"time"
)

// TestParseRecordProblems names the file's line and the field of every
// recording setting that is wrong, and why.
func TestParseRecordProblems(t *testing.T) {
	cases := []struct {
		name  string
		yaml  string
		line  int
		field string
		msg   string
	}{
		{"mode", cam("record: {mode: always}"), 9, "cameras[0].record.mode", `"always" is not one of off, events, continuous`},
		{"hours negative", cam("record:", "  mode: continuous", "  hours: -1"), 11, "cameras[0].record.hours", "-1 is not between 0 and 8784"},
		{"hours NaN", cam("record: {mode: continuous, hours: .nan}"), 9, "cameras[0].record.hours", "NaN is not between"},
		{"hours without continuous", cam("record:", "  mode: events", "  hours: 24"), 11, "cameras[0].record.hours", "is for modes continuous and substream"},
		{"substream without sub", cam("record: {mode: substream}"), 9, "cameras[0].record.mode", "substream needs the camera's sub"},
		{"quota negative", top("record:", "  quota_gb: -5"), 10, "record.quota_gb", "-5 is not a size in GB"},
		{"quota infinite", top("record:", "  quota_gb: .inf"), 10, "record.quota_gb", "+Inf is not a size in GB"},
		{"pre_roll too long", top("record:", "  pre_roll: 2m"), 10, "record.pre_roll", "2m0s is not in (0, 60s]"},
		{"pre_roll negative", top("record:", "  pre_roll: -1s"), 10, "record.pre_roll", "is not in (0, 60s]"},
		{"post_roll too long", top("record:", "  post_roll: 1h"), 10, "record.post_roll", "is not in (0, 5m]"},
		{"clip_days negative", top("record:", "  clip_days: -1"), 10, "record.clip_days", "-1 is not in (0, 3650]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml))
			wantProblem(t, err, tc.line, tc.field, tc.msg)
		})
	}
}

// TestRecordDefaults: a camera keeps event clips unless told otherwise,
// in the edge's var folder, with 10 s either side.
func TestRecordDefaults(t *testing.T) {
	e, err := Parse("t.yaml", []byte(cam("record: {mode: continuous, hours: 12}")+"  - {id: c2, site: s1, main: 'rtsp://h/y'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := e.Record
	if r.Dir != "var/edge-1/recordings" || r.PreRoll.D() != 10*time.Second || r.PostRoll.D() != 10*time.Second ||
		r.ClipDays != 30 || r.QuotaGB != 0 {
		t.Errorf("record defaults %+v", r)
	}
	if c := e.Cameras[0].Record; c.Mode != RecordContinuous || c.Hours != 12 {
		t.Errorf("camera c1 record %+v, want continuous 12 h", c)
	}
	if c := e.Cameras[1].Record; c.Mode != RecordEvents {
		t.Errorf("camera c2 record %+v, want events by default", c)
	}
}

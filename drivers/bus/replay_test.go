package bus

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestCompareReplay(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	an := func(id, cam, kind string, from, to int) ReplayAnomaly {
		return ReplayAnomaly{ID: id, Camera: cam, Kind: kind, Start: At(t0.Add(time.Duration(from) * time.Second)),
			End: At(t0.Add(time.Duration(to) * time.Second))}
	}
	cases := []struct {
		name            string
		candidate, live []ReplayAnomaly
		want            []string // side:candidate id/live id
	}{
		{"same", []ReplayAnomaly{an("c1", "a", "fire", 10, 20)}, []ReplayAnomaly{an("l1", "a", "fire", 11, 19)}, []string{"both:c1/l1"}},
		{"missed", nil, []ReplayAnomaly{an("l1", "a", "fire", 10, 20)}, []string{"only_live:/l1"}},
		{"added", []ReplayAnomaly{an("c1", "a", "fire", 10, 20)}, nil, []string{"only_candidate:c1/"}},
		{"other camera", []ReplayAnomaly{an("c1", "b", "fire", 10, 20)}, []ReplayAnomaly{an("l1", "a", "fire", 10, 20)},
			[]string{"only_live:/l1", "only_candidate:c1/"}},
		{"other kind", []ReplayAnomaly{an("c1", "a", "smoke", 10, 20)}, []ReplayAnomaly{an("l1", "a", "fire", 10, 20)},
			[]string{"only_candidate:c1/", "only_live:/l1"}},
		{"no overlap", []ReplayAnomaly{an("c1", "a", "fire", 30, 40)}, []ReplayAnomaly{an("l1", "a", "fire", 10, 20)},
			[]string{"only_live:/l1", "only_candidate:c1/"}},
		{"one each", []ReplayAnomaly{an("c1", "a", "fire", 10, 40)}, []ReplayAnomaly{an("l1", "a", "fire", 10, 20), an("l2", "a", "fire", 25, 35)},
			[]string{"both:c1/l1", "only_live:/l2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, r := range CompareReplay(c.candidate, c.live) {
				s := r.Side + ":"
				if r.Candidate != nil {
					s += r.Candidate.ID
				}
				s += "/"
				if r.Live != nil {
					s += r.Live.ID
				}
				got = append(got, s)
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestReplayOrderValidate(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	ok := ReplayOrder{ID: "r1", Site: "hillside", Cameras: []string{"cam1"}, Rules: "{}", From: At(t0), To: At(t0.Add(time.Hour))}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func(*ReplayOrder)
		want string
	}{
		{"bad id", func(o *ReplayOrder) { o.ID = "R/1" }, "id:"},
		{"no camera", func(o *ReplayOrder) { o.Cameras = nil }, "cameras: none"},
		{"bad camera", func(o *ReplayOrder) { o.Cameras = []string{"../x"} }, "cameras[0]"},
		{"no rules", func(o *ReplayOrder) { o.Rules = "" }, "rules: empty"},
		{"backwards", func(o *ReplayOrder) { o.To = At(t0.Add(-time.Second)) }, "not after"},
		{"too long", func(o *ReplayOrder) { o.To = At(t0.Add(25 * time.Hour)) }, "at most 24h"},
		{"no range", func(o *ReplayOrder) { o.From = Time{} }, "required"},
	}
	for _, c := range cases {
		o := ok
		c.edit(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// FuzzReplayReport: any bytes on a replay topic decode to a report or an
// error, never a panic, and a decoded report encodes again.
func FuzzReplayReport(f *testing.F) {
	f.Add([]byte(`{"id":"r1","edge":"e1","state":"running","fraction":0.5,"media_s":30,"total_s":60,"rate":42}`))
	f.Add([]byte(`{"id":"r1","state":"done","anomalies":[{"id":"cam1.fire.1","camera":"cam1","kind":"fire","start":"2026-12-06T12:00:00Z","end":"2026-12-06T12:00:10Z"}]}`))
	f.Add([]byte(`{"anomalies":[{"start":"garbage"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r ReplayReport
		if json.Unmarshal(data, &r) != nil {
			return
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		_ = CompareReplay(r.Anomalies, r.Anomalies)
	})
}

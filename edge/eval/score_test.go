package eval

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"testing"
	"time"

	"github.com/argus-edge/argus/configs/strict"
)

const s = time.Second

func ev(kind string, from, to time.Duration) Event {
	return Event{Kind: kind, From: strict.Duration(from), To: strict.Duration(to)}
}

func al(kind string, at, end time.Duration) Alert { return Alert{Kind: kind, At: at, End: end} }

// TestScore checks the arithmetic of one kind's score on hand-made
// outcomes: what catches an event, what is false, what is counted twice.
func TestScore(t *testing.T) {
	w := Window{Early: 1 * s, Late: 5 * s}
	cases := []struct {
		name                              string
		outs                              []Outcome
		events, caught, falses, dup, cont int
		negative                          time.Duration // camera time without the kind
		tta                               []time.Duration
	}{
		{name: "caught inside", outs: []Outcome{{Duration: 60 * s, Kinds: []string{"fire"},
			Truth: []Event{ev("fire", 10*s, 20*s)}, Alerts: []Alert{al("fire", 13*s, 25*s)}}},
			events: 1, caught: 1, negative: 60*s - 16*s, tta: []time.Duration{3 * s}},
		{name: "late within tolerance", outs: []Outcome{{Duration: 60 * s, Kinds: []string{"fire"},
			Truth: []Event{ev("fire", 10*s, 20*s)}, Alerts: []Alert{al("fire", 25*s, 30*s)}}},
			events: 1, caught: 1, negative: 44 * s, tta: []time.Duration{15 * s}},
		{name: "too late is a miss and a false alert", outs: []Outcome{{Duration: 60 * s, Kinds: []string{"fire"},
			Truth: []Event{ev("fire", 10*s, 20*s)}, Alerts: []Alert{al("fire", 25*s+time.Millisecond, 30*s)}}},
			events: 1, falses: 1, negative: 44 * s},
		{name: "early within slack counts from zero", outs: []Outcome{{Duration: 60 * s, Kinds: []string{"fire"},
			Truth: []Event{ev("fire", 10*s, 20*s)}, Alerts: []Alert{al("fire", 9*s+500*time.Millisecond, 30*s)}}},
			events: 1, caught: 1, negative: 44 * s, tta: []time.Duration{0}},
		{name: "other kinds do not count", outs: []Outcome{{Duration: 60 * s, Kinds: []string{"fire"},
			Truth: []Event{ev("fire", 10*s, 20*s), ev("smoke", 0, 0)}, Alerts: []Alert{al("smoke", 12*s, 30*s)}}},
			events: 1, negative: 44 * s},
		{name: "two starts in one event", outs: []Outcome{{Duration: 60 * s, Kinds: []string{"person"},
			Truth: []Event{ev("person", 10*s, 30*s)}, Alerts: []Alert{al("person", 11*s, 15*s), al("person", 20*s, 30*s)}}},
			events: 1, caught: 1, dup: 1, negative: 60*s - 26*s, tta: []time.Duration{1 * s}},
		{name: "overlapping annotations are one event", outs: []Outcome{{Duration: 60 * s, Kinds: []string{"person"},
			Truth: []Event{ev("person", 10*s, 20*s), ev("person", 15*s, 30*s)}, Alerts: []Alert{al("person", 12*s, 30*s)}}},
			events: 1, caught: 1, negative: 34 * s, tta: []time.Duration{2 * s}},
		{name: "entry while the last anomaly goes on", outs: []Outcome{{Duration: 60 * s, Kinds: []string{"person"},
			Truth: []Event{ev("person", 5*s, 20*s), ev("person", 23*s, 40*s)}, Alerts: []Alert{al("person", 6*s, 45*s)}}},
			events: 2, caught: 2, cont: 1, negative: 60*s - (45*s - 4*s), tta: []time.Duration{1 * s, 0}},
		{name: "entry after the last anomaly ended is missed", outs: []Outcome{{Duration: 60 * s, Kinds: []string{"person"},
			Truth: []Event{ev("person", 5*s, 10*s), ev("person", 30*s, 40*s)}, Alerts: []Alert{al("person", 6*s, 15*s)}}},
			events: 2, caught: 1, negative: 60*s - 11*s - 16*s, tta: []time.Duration{1 * s}},
		{name: "open interval runs to the clip's end", outs: []Outcome{{Duration: 30 * s, Kinds: []string{"fire"},
			Truth: []Event{ev("fire", 10*s, 0)}, Alerts: []Alert{al("fire", 3*s, 5*s)}}},
			events: 1, falses: 1, negative: 9 * s},
		{name: "interval past the clip's end is dropped", outs: []Outcome{{Duration: 30 * s, Kinds: []string{"fire"},
			Truth: []Event{ev("fire", 40*s, 50*s)}}},
			negative: 30 * s},
		{name: "no events, only hours", outs: []Outcome{
			{Duration: 30 * time.Minute, Kinds: []string{"smoke"}, Alerts: []Alert{al("smoke", time.Minute, 2*time.Minute)}},
			{Duration: 90 * time.Minute, Kinds: []string{"smoke"}}},
			falses: 1, negative: 2 * time.Hour},
		{name: "a clip that does not judge the kind adds nothing", outs: []Outcome{
			{Duration: time.Hour, Kinds: []string{"smoke"}},
			{Duration: time.Hour, Kinds: []string{"person"}, Alerts: []Alert{al("smoke", time.Minute, 2*time.Minute)}}},
			negative: time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			scores := Score(c.outs, w)
			kind := c.outs[0].Kinds[0]
			var k KindScore
			for _, sc := range scores {
				if sc.Kind == kind {
					k = sc
				}
			}
			if k.Events != c.events || k.Caught != c.caught || k.FalseAlerts != c.falses || k.Duplicates != c.dup || k.Continued != c.cont {
				t.Fatalf("events %d caught %d false %d duplicates %d continued %d, want %d %d %d %d %d",
					k.Events, k.Caught, k.FalseAlerts, k.Duplicates, k.Continued, c.events, c.caught, c.falses, c.dup, c.cont)
			}
			if got, want := k.NegativeHours, c.negative.Hours(); math.Abs(got-want) > 1e-9 {
				t.Fatalf("hours without %s: %v, want %v", kind, time.Duration(got*float64(time.Hour)), c.negative)
			}
			if len(k.TimeToAlert) != len(c.tta) {
				t.Fatalf("times to alert %v, want %v", k.TimeToAlert, c.tta)
			}
			for i := range c.tta {
				if k.TimeToAlert[i] != c.tta[i] {
					t.Fatalf("times to alert %v, want %v", k.TimeToAlert, c.tta)
				}
			}
			if len(k.Missed) != c.events-c.caught || len(k.Falses) != c.falses {
				t.Fatalf("%d missed and %d false listed, want %d and %d", len(k.Missed), len(k.Falses), c.events-c.caught, c.falses)
			}
			if c.events == 0 && !math.IsNaN(k.Recall) {
				t.Fatalf("recall %v without events, want NaN", k.Recall)
			}
			if c.events > 0 && k.Recall != float64(c.caught)/float64(c.events) {
				t.Fatalf("recall %v, want %d/%d", k.Recall, c.caught, c.events)
			}
			if want := float64(c.falses) / c.negative.Hours(); k.FalsePerHour() != want {
				t.Fatalf("false per hour %v, want %v", k.FalsePerHour(), want)
			}
		})
	}
}

// TestTTAQuantiles checks the nearest-rank quantiles of the time to alert.
func TestTTAQuantiles(t *testing.T) {
	k := KindScore{TimeToAlert: []time.Duration{9 * s, 1 * s, 3 * s, 2 * s, 10 * s, 4 * s, 5 * s, 6 * s, 7 * s, 8 * s}}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5 * s}, {0.9, 9 * s}, {1, 10 * s}, {0, 1 * s}} {
		if got := k.TTA(c.q); got != c.want {
			t.Errorf("TTA(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := (KindScore{}).TTA(0.5); got != -1 {
		t.Errorf("TTA of nothing caught = %v, want -1", got)
	}
}

// TestBoxed checks the red box drawn on a false alert's snapshot: where
// the box is, red; elsewhere, the picture as it was.
func TestBoxed(t *testing.T) {
	grey := image.NewGray(image.Rect(0, 0, 100, 50))
	for i := range grey.Pix {
		grey.Pix[i] = 128
	}
	var in bytes.Buffer
	if err := jpeg.Encode(&in, grey, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(bytes.NewReader(boxed(in.Bytes(), [4]float64{0.2, 0.2, 0.5, 0.6})))
	if err != nil {
		t.Fatal(err)
	}
	red := func(x, y int) bool {
		r, g, b, _ := out.At(x, y).RGBA()
		return r>>8 > 200 && g>>8 < 80 && b>>8 < 80
	}
	if !red(21, 30) || !red(45, 11) || !red(68, 30) || !red(45, 38) {
		t.Fatal("no red edge where the box is (x 20-70, y 10-40)")
	}
	if red(45, 25) || red(5, 5) || red(90, 45) {
		t.Fatal("red inside the box or outside it")
	}
	if junk := []byte("not a jpeg"); !bytes.Equal(boxed(junk, [4]float64{0, 0, 1, 1}), junk) {
		t.Fatal("a snapshot that does not decode was changed")
	}
}

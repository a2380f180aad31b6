package eval

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/argus-edge/argus/configs/strict"
)

// Alert is one anomaly start of a clip, at its frame's time from the
// clip's start.
type Alert struct {
	// Kind, ID, Rule and Score are the anomaly's.
	Kind, ID, Rule string
	Score          float64
	// Box is where, [x, y, w, h] in 0..1 of the picture.
	Box [4]float64
	// At is the start's frame time from the clip's start; End its end's,
	// or the clip's length when it was still going on.
	At, End time.Duration
	// Snapshot is the start's JPEG file in the report folder ("" when
	// none).
	Snapshot string
}

// Outcome is what one clip showed and what the edge raised on it.
type Outcome struct {
	// Clip names the clip.
	Clip string
	// Duration is how long the clip played.
	Duration time.Duration
	// Kinds are the kinds judged on the clip.
	Kinds []string
	// Truth are the intervals in which kinds are present.
	Truth []Event
	// Alerts are the anomaly starts, in time order.
	Alerts []Alert
}

// Window is how far from an interval an alert still catches it.
type Window struct {
	// Early is before the interval's start, Late after its end.
	Early, Late time.Duration
}

// Miss is an interval no alert caught.
type Miss struct {
	Clip  string
	Event Event
	// Frame is a picture of the interval's middle in the report folder.
	Frame string
}

// False is an alert outside every interval of its kind.
type False struct {
	Clip  string
	Alert Alert
}

// KindScore is the score of one kind over every clip that judges it.
type KindScore struct {
	Kind string
	// Events counts the intervals of the kind; Caught those caught.
	Events, Caught int
	// Recall is Caught/Events (NaN without events).
	Recall float64
	// TimeToAlert holds, per caught event, the first catching start's
	// delay after the interval's start (0 for a start a little before).
	TimeToAlert []time.Duration
	// Continued counts the caught events that began while an anomaly of
	// the kind raised for an earlier event was still going on (the rules
	// keep one anomaly per camera and rule: a second person walking in
	// before the first one's anomaly ended is not a new start).
	Continued int
	// Duplicates counts catching starts after the first of an event: one
	// event raised as several anomalies.
	Duplicates int
	// NegativeHours is the camera time without the kind (outside every
	// window of its intervals) on the clips that judge it.
	NegativeHours float64
	// FalseAlerts counts the starts outside every window of the kind.
	FalseAlerts int
	// Missed and Falses are the events missed and the false alerts.
	Missed []Miss
	Falses []False
}

// FalsePerHour is FalseAlerts per camera-hour without the kind (NaN with
// no such time).
func (k KindScore) FalsePerHour() float64 {
	if k.NegativeHours <= 0 {
		return math.NaN()
	}
	return float64(k.FalseAlerts) / k.NegativeHours
}

// TTA returns the q-quantile (0..1) of the time to alert, by the nearest
// rank, or -1 when nothing was caught.
func (k KindScore) TTA(q float64) time.Duration {
	if len(k.TimeToAlert) == 0 {
		return -1
	}
	d := slices.Clone(k.TimeToAlert)
	slices.Sort(d)
	i := int(math.Ceil(q*float64(len(d)))) - 1
	return d[min(max(i, 0), len(d)-1)]
}

// Score scores every kind judged on some clip, sorted by kind.
func Score(outs []Outcome, w Window) []KindScore {
	byKind := map[string]*KindScore{}
	for _, o := range outs {
		for _, kind := range o.Kinds {
			ks, ok := byKind[kind]
			if !ok {
				ks = &KindScore{Kind: kind}
				byKind[kind] = ks
			}
			scoreClip(ks, o, kind, w)
		}
	}
	out := make([]KindScore, 0, len(byKind))
	for _, ks := range byKind {
		ks.Recall = math.NaN()
		if ks.Events > 0 {
			ks.Recall = float64(ks.Caught) / float64(ks.Events)
		}
		out = append(out, *ks)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// span is an interval of clip time.
type span struct{ from, to time.Duration }

// scoreClip adds one clip's figures for kind to ks.
func scoreClip(ks *KindScore, o Outcome, kind string, w Window) {
	events := intervals(o, kind)
	windows := make([]span, len(events))
	for i, e := range events {
		windows[i] = span{max(e.from-w.Early, 0), min(e.to+w.Late, o.Duration)}
	}
	first := make([]time.Duration, len(events))
	for i := range first {
		first[i] = -1
	}
	for _, a := range o.Alerts {
		if a.Kind != kind {
			continue
		}
		hit := false
		for i, win := range windows {
			if a.At < win.from || a.At > win.to {
				continue
			}
			hit = true
			if first[i] < 0 {
				first[i] = a.At
			} else {
				ks.Duplicates++
			}
			break // an alert catches one event: the earliest it can
		}
		if !hit {
			ks.FalseAlerts++
			ks.Falses = append(ks.Falses, False{Clip: o.Clip, Alert: a})
		}
	}
	for i, e := range events {
		ks.Events++
		if first[i] < 0 && ongoing(o.Alerts, kind, windows[i].from, e.from) {
			ks.Caught++
			ks.Continued++
			ks.TimeToAlert = append(ks.TimeToAlert, 0)
			continue
		}
		if first[i] < 0 {
			ks.Missed = append(ks.Missed, Miss{Clip: o.Clip, Event: Event{Kind: kind, From: dur(e.from), To: dur(e.to), Note: e.note}})
			continue
		}
		ks.Caught++
		ks.TimeToAlert = append(ks.TimeToAlert, max(first[i]-e.from, 0))
	}
	ks.NegativeHours += (o.Duration - covered(windows)).Hours()
}

// ongoing tells whether an anomaly of kind that started before from was
// still going on at t.
func ongoing(alerts []Alert, kind string, from, t time.Duration) bool {
	for _, a := range alerts {
		if a.Kind == kind && a.At < from && a.End >= t {
			return true
		}
	}
	return false
}

// interval is a merged truth interval with its notes.
type interval struct {
	from, to time.Duration
	note     string
}

// intervals returns the clip's intervals of kind, clipped to the clip and
// merged where they overlap or touch: the rules raise one anomaly for a
// kind that stays present, so two overlapping annotations are one event.
func intervals(o Outcome, kind string) []interval {
	var out []interval
	truth := slices.Clone(o.Truth)
	sort.SliceStable(truth, func(i, j int) bool { return truth[i].From < truth[j].From })
	for _, e := range truth {
		if e.Kind != kind {
			continue
		}
		from, to := e.From.D(), e.To.D()
		if to == 0 || to > o.Duration {
			to = o.Duration
		}
		if from >= to {
			continue // past the clip's end
		}
		if n := len(out); n > 0 && from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, to)
			if e.Note != "" {
				out[n-1].note = join(out[n-1].note, e.Note)
			}
			continue
		}
		out = append(out, interval{from, to, e.Note})
	}
	return out
}

func dur(d time.Duration) strict.Duration { return strict.Duration(d) }

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// covered is the total length of the union of spans.
func covered(spans []span) time.Duration {
	s := slices.Clone(spans)
	sort.Slice(s, func(i, j int) bool { return s[i].from < s[j].from })
	var total, end time.Duration
	end = -1
	for _, x := range s {
		if x.from > end {
			total += x.to - x.from
			end = x.to
			continue
		}
		if x.to > end {
			total += x.to - end
			end = x.to
		}
	}
	return total
}

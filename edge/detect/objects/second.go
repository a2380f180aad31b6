package objects

import (
	"image"
	"math"
	"time"

	"github.com/argus-edge/argus/edge/detect"
)

// The second look at moving vehicles the model scores low.
//
// A COCO model has seen few vehicles from unusual angles (from straight
// above, a drone's or a mast camera's view): it scores them 0.25–0.5 where
// it scores a car seen from the side 0.8. One such score is weak evidence;
// the same vehicle called a vehicle frame after frame while it moves across
// the picture is strong evidence. So a vehicle candidate scoring between
// lowScore and the detector's min_score, overlapping a motion region, is
// followed from frame to frame; once it has been seen secondHits times,
// has moved like a vehicle (its centre by half its shorter side at least)
// and its evidence is enough, it is reported with the track's score.
//
// The score of a track combines its last secondHits hits as weakened
// independent evidence: 1 − Π(1−sᵢ)^½. The square root stands for frames
// of one clip not being independent looks: three hits at 0.4 give 0.54,
// five at 0.35 give 0.66, five at 0.25 stay at 0.51; a track never scores
// above secondCap. This holds for any camera: it relies only on the
// model's own scores, on motion and on time, never on a scene's layout.
// People are not followed this way: the model sees them well from every
// angle, and the second look would only add false alerts.
const (
	lowScore   = 0.25             // the lowest score a track takes
	secondHits = 5                // the last hits a track's score is made from
	minHits    = 3                // hits before a track is reported
	secondCap  = 0.85             // the highest score of a track
	trackGap   = 2 * time.Second  // a track unseen this long is forgotten
	perSecond  = 2.0              // how far a vehicle may move per second, in box diagonals
	minMove    = 0.5              // how far it must have moved, in its shorter side
	maxTracks  = 16               // tracks kept per camera, the most recently seen
	minGap     = time.Millisecond // the shortest gap between frames reckoned with
)

// vtrack is one low-scoring moving vehicle followed across frames.
type vtrack struct {
	first, rect image.Rectangle // where it was first and last seen, frame px
	last        time.Time
	scores      []float32 // the last secondHits scores
	hits        int
}

// follower keeps one camera's tracks.
type follower struct {
	tracks []*vtrack
}

// look takes a frame's vehicle candidates scoring lowScore..min (those on
// moving regions only) and returns those whose track is now confirmed,
// with the track's score; those at or above min are the caller's.
func (fl *follower) look(t time.Time, weak []candidate, regions []image.Rectangle, min float32) []candidate {
	fl.forget(t)
	var out []candidate
	for _, c := range weak {
		if !overlapsAny(c.rect, regions) {
			continue
		}
		tr := fl.match(t, c.rect)
		if tr == nil {
			tr = &vtrack{first: c.rect}
			fl.tracks = append(fl.tracks, tr)
		}
		tr.rect, tr.last = c.rect, t
		tr.hits++
		tr.scores = append(tr.scores, c.score)
		if len(tr.scores) > secondHits {
			tr.scores = tr.scores[1:]
		}
		if s := tr.score(); s >= min && tr.hits >= minHits && tr.moved() {
			out = append(out, candidate{class: c.class, score: s, rect: c.rect})
		}
	}
	if len(fl.tracks) > maxTracks {
		fl.tracks = fl.tracks[len(fl.tracks)-maxTracks:]
	}
	return out
}

// forget drops the tracks unseen for trackGap.
func (fl *follower) forget(t time.Time) {
	kept := fl.tracks[:0]
	for _, tr := range fl.tracks {
		if t.Sub(tr.last) < trackGap {
			kept = append(kept, tr)
		}
	}
	fl.tracks = kept
}

// match returns the nearest track r may continue: its centre within
// perSecond box diagonals per second since the track was last seen (half
// a diagonal at least), not seen yet on this frame.
func (fl *follower) match(t time.Time, r image.Rectangle) *vtrack {
	var best *vtrack
	bestD := math.Inf(1)
	for _, tr := range fl.tracks {
		if !tr.last.Before(t) {
			continue
		}
		gap := max(t.Sub(tr.last), minGap).Seconds()
		d := dist(centre(r), centre(tr.rect))
		if d <= diag(tr.rect)*(0.5+perSecond*gap) && d < bestD {
			best, bestD = tr, d
		}
	}
	return best
}

// score is the track's evidence (see the comment above), at most secondCap.
func (tr *vtrack) score() float32 {
	logMiss := 0.0
	for _, s := range tr.scores {
		logMiss += math.Log(1 - float64(min(s, 0.99)))
	}
	return float32(min(1-math.Exp(0.5*logMiss), secondCap))
}

// moved tells whether the track's centre moved by minMove of its shorter
// side since it was first seen: a parked car or a still thing the model
// hesitates on is never confirmed this way.
func (tr *vtrack) moved() bool {
	side := float64(min(tr.rect.Dx(), tr.rect.Dy()))
	return dist(centre(tr.first), centre(tr.rect)) >= minMove*side
}

func overlapsAny(r image.Rectangle, regions []image.Rectangle) bool {
	for _, m := range regions {
		if r.Overlaps(m) {
			return true
		}
	}
	return false
}

func centre(r image.Rectangle) [2]float64 {
	return [2]float64{float64(r.Min.X+r.Max.X) / 2, float64(r.Min.Y+r.Max.Y) / 2}
}

func dist(a, b [2]float64) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

func diag(r image.Rectangle) float64 { return math.Hypot(float64(r.Dx()), float64(r.Dy())) }

// isVehicle tells whether class is a vehicle label of labels.
func isVehicle(class int, labels []string) bool {
	return class >= 0 && class < len(labels) && kindOf(labels[class]) == detect.Vehicle
}

// rectIoU is the intersection over union of a and b.
func rectIoU(a, b image.Rectangle) float64 {
	i := a.Intersect(b)
	ia := float64(i.Dx() * i.Dy())
	u := float64(a.Dx()*a.Dy()+b.Dx()*b.Dy()) - ia
	if u <= 0 {
		return 0
	}
	return ia / u
}

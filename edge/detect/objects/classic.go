package objects

import (
	"fmt"
	"image"
	"math"
	"os"
	"sync"

	"gocv.io/x/gocv"
)

// HaarFullBody is Debian's opencv-data full-body cascade.
var HaarFullBody = "/usr/share/opencv4/haarcascades/haarcascade_fullbody.xml"

// ClassicScore is the score given to classic detections: neither
// detector gives a calibrated confidence, so MinScore does not apply.
const ClassicScore = 0.5

// classic is the fallback when no model is installed: HOG people on motion
// regions (about 0.9 s per 768-px frame, so only on small crops) and the
// Haar full-body cascade on whole frames (about 130 ms). Shared by every
// camera; OpenCV's detectors take turns under mu.
type classic struct {
	mu   sync.Mutex
	hog  gocv.HOGDescriptor
	svm  gocv.Mat
	haar gocv.CascadeClassifier
	// hasHaar is false when opencv-data is not installed: whole frames
	// then go through HOG, downscaled.
	hasHaar bool
	refs    int // guarded by classicMu
}

var (
	classicMu     sync.Mutex
	sharedClassic *classic
)

// acquireClassic returns the shared classic detectors.
func acquireClassic() (*classic, error) {
	classicMu.Lock()
	defer classicMu.Unlock()
	if sharedClassic != nil {
		sharedClassic.refs++
		return sharedClassic, nil
	}
	c := &classic{hog: gocv.NewHOGDescriptor(), svm: gocv.HOGDefaultPeopleDetector(),
		haar: gocv.NewCascadeClassifier(), refs: 1}
	if c.svm.Empty() {
		c.close()
		return nil, fmt.Errorf("classic detectors: OpenCV gave no HOG people detector")
	}
	c.hog.SetSVMDetector(c.svm)
	// CascadeClassifier.Load of a missing file only returns false, but
	// check first all the same: a present file that is not a cascade is
	// reported by OpenCV as an error it raises.
	if _, err := os.Stat(HaarFullBody); err == nil {
		c.hasHaar = c.haar.Load(HaarFullBody)
	}
	sharedClassic = c
	return c, nil
}

func (c *classic) release() {
	classicMu.Lock()
	defer classicMu.Unlock()
	c.refs--
	if c.refs == 0 {
		c.close()
		sharedClassic = nil
	}
}

func (c *classic) close() {
	c.hog.Close()
	c.svm.Close()
	c.haar.Close()
}

// Sizes for the classic detectors.
const (
	// hogMinHeight: HOG's window is 64x128 with a person about 96 px
	// tall inside, so smaller crops are scaled up to this height.
	hogMinHeight = 160
	// hogMaxPixels bounds a crop's cost (HOG costs ~2 µs a pixel here).
	hogMaxPixels = 400 * 400
	// haarWidth is the widest whole frame given to the cascade.
	haarWidth = 768
)

// detect finds people in the crop r of gray (8-bit luma), with HOG when r
// is a motion region and the Haar cascade when it is the whole frame.
func (c *classic) detect(gray gocv.Mat, r image.Rectangle, whole bool) ([]candidate, error) {
	if r.Dx() < 8 || r.Dy() < 8 || !r.In(image.Rect(0, 0, gray.Cols(), gray.Rows())) {
		return nil, fmt.Errorf("crop %v outside the %dx%d frame", r, gray.Cols(), gray.Rows())
	}
	roi := gray.Region(r)
	defer roi.Close()
	useHaar := whole && c.hasHaar
	// Scale: up so a walker fills HOG's window, down to bound the cost.
	s := 1.0
	if useHaar {
		s = min64(1, float64(haarWidth)/float64(r.Dx()))
	} else {
		if r.Dy() < hogMinHeight {
			s = float64(hogMinHeight) / float64(r.Dy())
		}
		if px := float64(r.Dx()*r.Dy()) * s * s; px > hogMaxPixels {
			s *= math.Sqrt(hogMaxPixels / px)
		}
	}
	img := roi
	if s != 1 {
		scaled := gocv.NewMat()
		defer scaled.Close()
		gocv.Resize(roi, &scaled, image.Pt(max(1, int(float64(r.Dx())*s)), max(1, int(float64(r.Dy())*s))), 0, 0, gocv.InterpolationLinear)
		img = scaled
	}
	if img.Cols() < 64 || img.Rows() < 128 {
		return nil, nil // smaller than HOG's window and the cascade's use
	}
	c.mu.Lock()
	var found []image.Rectangle
	if useHaar {
		found = c.haar.DetectMultiScaleWithParams(img, 1.1, 3, 0, image.Pt(24, 48), image.Pt(0, 0))
	} else {
		found = c.hog.DetectMultiScale(img)
	}
	c.mu.Unlock()
	p := placement{origin: r.Min, scaleX: s, scaleY: s, bound: r}
	var out []candidate
	for _, f := range found {
		q := p.rect(float64(f.Min.X), float64(f.Min.Y), float64(f.Max.X), float64(f.Max.Y))
		if !q.Empty() {
			out = append(out, candidate{class: 0, score: ClassicScore, rect: q})
		}
	}
	return out, nil
}

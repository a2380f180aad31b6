package objects

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"sync"

	"github.com/rs/zerolog/log"
	"gocv.io/x/gocv"

	"github.com/argus-edge/argus/models"
)

// network is one loaded model shared by every camera that uses it. OpenCV's
// Net is not safe for concurrent use: forwards take turns under mu.
type network struct {
	model models.Model
	keep  func(class int) bool

	mu   sync.Mutex
	net  gocv.Net
	refs int // guarded by netsMu
}

// Backend is where the networks run: OpenCV's DNN module with its default
// backend on the CPU (gocv's ReadNetFromONNX sets neither).
const Backend = "opencv-dnn/cpu"

var (
	netsMu sync.Mutex
	nets   = map[string]*network{} // by model sha256
)

// acquire returns the shared network of m, loading it on first use. m must
// have been vetted (models.Open does) so that loading cannot abort us.
func acquire(m models.Model) (*network, error) {
	netsMu.Lock()
	defer netsMu.Unlock()
	if n, ok := nets[m.SHA256]; ok {
		n.refs++
		return n, nil
	}
	net := gocv.ReadNetFromONNX(m.Path)
	if net.Empty() {
		net.Close()
		return nil, fmt.Errorf("model %s: OpenCV read no network from %s", m.Name, m.Path)
	}
	n := &network{model: m, net: net, refs: 1, keep: wanted(m.Labels)}
	nets[m.SHA256] = n
	// One event per load, so an operator can tell from the log which
	// weights judge the cameras and where they came from.
	log.Info().Str("model", m.Name).Str("path", m.Path).Str("sha256", m.SHA256).Str("licence", m.Licence).
		Str("input", fmt.Sprintf("%dx%d", m.Input.Width, m.Input.Height)).Str("backend", Backend).
		Msg("model loaded")
	return n, nil
}

// release drops a reference; the last one frees the network.
func (n *network) release() {
	netsMu.Lock()
	defer netsMu.Unlock()
	n.refs--
	if n.refs == 0 {
		delete(nets, n.model.SHA256)
		n.net.Close()
	}
}

// detect runs the model on the crop r of img (8-bit BGR) and returns
// candidates of wanted classes scoring at least min, in frame pixels.
func (n *network) detect(img gocv.Mat, r image.Rectangle, min float32) ([]candidate, error) {
	c := n.model.Card
	if r.Dx() < 2 || r.Dy() < 2 || !r.In(image.Rect(0, 0, img.Cols(), img.Rows())) {
		return nil, fmt.Errorf("crop %v outside the %dx%d frame", r, img.Cols(), img.Rows())
	}
	roi := img.Region(r)
	defer roi.Close()
	in := image.Pt(c.Input.Width, c.Input.Height)
	p := placement{origin: r.Min, bound: r}
	src := roi
	if c.Pre.Resize == models.Letterbox {
		// Keep the aspect ratio: resize so the longer side fits, pad
		// bottom and right with the card's grey.
		s := min64(float64(in.X)/float64(r.Dx()), float64(in.Y)/float64(r.Dy()))
		nw, nh := clampInt(int(float64(r.Dx())*s+0.5), 1, in.X), clampInt(int(float64(r.Dy())*s+0.5), 1, in.Y)
		resized, padded := gocv.NewMat(), gocv.NewMat()
		defer resized.Close()
		defer padded.Close()
		gocv.Resize(roi, &resized, image.Pt(nw, nh), 0, 0, gocv.InterpolationLinear)
		pad := uint8(c.Pre.Pad)
		gocv.CopyMakeBorder(resized, &padded, 0, in.Y-nh, 0, in.X-nw, gocv.BorderConstant, color.RGBA{pad, pad, pad, 0})
		src = padded
		p.scaleX, p.scaleY = float64(nw)/float64(r.Dx()), float64(nh)/float64(r.Dy())
	} else {
		p.scaleX, p.scaleY = float64(in.X)/float64(r.Dx()), float64(in.Y)/float64(r.Dy())
	}
	mean := gocv.NewScalar(c.Pre.Mean[0], c.Pre.Mean[1], c.Pre.Mean[2], 0)
	blob := gocv.BlobFromImage(src, c.Pre.Scale, in, mean, c.Pre.Order == "rgb", false)
	defer blob.Close()
	if blob.Empty() {
		return nil, errors.New("empty input blob")
	}

	n.mu.Lock()
	defer n.mu.Unlock()
	n.net.SetInput(blob, "")
	out := n.net.Forward("")
	defer out.Close()
	if out.Empty() || out.Type() != gocv.MatTypeCV32F {
		return nil, fmt.Errorf("model %s: empty or non-float output", c.Name)
	}
	d, err := out.DataPtrFloat32()
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", c.Name, err)
	}
	switch c.Post.Kind {
	case models.YOLOX:
		return decodeYOLOX(d, out.Size(), c, len(n.model.Labels), min, p, n.keep)
	case models.FastestDet:
		return decodeFastestDet(d, out.Size(), c, len(n.model.Labels), min, p, n.keep)
	}
	return nil, fmt.Errorf("model %s: no decoder for %q", c.Name, c.Post.Kind)
}

func min64(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func clampInt(v, lo, hi int) int {
	return max(lo, min(hi, v))
}

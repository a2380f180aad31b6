package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// recipe draws one scene kind: the ffmpeg input arguments, a filter graph
// that yields frames of the spec's size and rate, and the ground truth.
type recipe func(s SceneSpec) (inputs []string, graph string, truth []Event, err error)

// recipes maps every kind to how it is drawn. Synthetic scenes are lavfi
// graphs whose costly per-pixel parts (geq) run at a quarter of the size.
var recipes = map[Kind]recipe{
	Empty:  emptyScene,
	People: peopleScene,
	Fire:   fireScene,
	Smoke:  smokeScene,
	Black:  blackScene,
	Bench:  benchScene,
	Loiter: loiterScene,
}

// sensorNoise is light temporal noise, so that a static scene still
// changes a little from frame to frame like a real sensor.
const sensorNoise = "noise=alls=5:allf=t"

// street draws a static textured background: sky, ground, buildings.
func street(s SceneSpec, sky, ground string) string {
	return fmt.Sprintf("color=c=%s:s=%dx%d:r=%d,"+
		"drawbox=x=0:y=ih*0.7:w=iw:h=ih*0.3:color=%s:t=fill,"+
		"drawbox=x=iw*0.08:y=ih*0.3:w=iw*0.22:h=ih*0.4:color=0x6a6058:t=fill,"+
		"drawbox=x=iw*0.12:y=ih*0.36:w=iw*0.04:h=ih*0.06:color=0x2a3140:t=fill,"+
		"drawbox=x=iw*0.2:y=ih*0.36:w=iw*0.04:h=ih*0.06:color=0x2a3140:t=fill,"+
		"drawbox=x=iw*0.62:y=ih*0.45:w=iw*0.28:h=ih*0.25:color=0x7b7f84:t=fill,"+
		"drawbox=x=0:y=ih*0.82:w=iw:h=ih*0.015:color=0xb8b8a0:t=fill",
		sky, s.Width, s.Height, s.FPS, ground)
}

func emptyScene(s SceneSpec) ([]string, string, []Event, error) {
	return nil, street(s, "0x55606a", "0x3b3f3a") + "," + sensorNoise, nil, nil
}

func benchScene(s SceneSpec) ([]string, string, []Event, error) {
	// testsrc2 moves everywhere; strong noise keeps the encoder busy at the
	// configured bitrate like a crowded square would.
	g := fmt.Sprintf("testsrc2=s=%dx%d:r=%d,noise=alls=12:allf=t+u", s.Width, s.Height, s.FPS)
	return nil, g, nil, nil
}

func blackScene(s SceneSpec) ([]string, string, []Event, error) {
	n := frameCount(s)
	half := n / 2
	g := street(s, "0x55606a", "0x3b3f3a") +
		fmt.Sprintf(",drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='gte(n,%d)',", half) + sensorNoise
	truth := []Event{{Label: "black", From: frameTime(s, half), To: s.Duration}}
	return nil, g, truth, nil
}

func fireScene(s SceneSpec) ([]string, string, []Event, error) {
	start, grow := onset(s)
	// A flame shape on a transparent quarter-size canvas: centred at
	// x=0.62, base at y=0.85, growing from 10% to 35% of the height; its
	// width and height flicker with sines of time and position.
	const cx, base = 0.62, 0.85
	g := fmt.Sprintf("(min((N-%d)/%d,1))", start, grow)
	dy := fmt.Sprintf("(%g*H-Y)", base)
	hgt := fmt.Sprintf("(H*(0.1+0.25*%s)*(0.8+0.2*sin(9*N/%d+0.3*X)))", g, s.FPS)
	halfw := fmt.Sprintf("(W*0.05*(1+%s)*(1-%s/%s)*(0.75+0.25*sin(17*N/%d+0.5*Y)))", g, dy, hgt, s.FPS)
	alpha := fmt.Sprintf("if(gte(N,%d)*gte(%s,0)*lt(abs(X-%g*W),%s),230,0)", start, dy, cx, halfw)
	green := fmt.Sprintf("clip(230-300*%s/H,40,230)", dy)
	flame := fmt.Sprintf("color=c=black@0:s=%s:r=%d,format=rgba,geq=r='255':g='%s':b='20':a='%s',gblur=sigma=1.5,scale=%d:%d",
		canvas(s), s.FPS, green, alpha, s.Width, s.Height)
	bg := street(s, "0x2a2e33", "0x23261f")
	graph := bg + "[bg];" + flame + "[fx];[bg][fx]overlay=format=auto," + sensorNoise
	truth := []Event{{Label: "fire", Box: [4]float64{0.52, 0.50, 0.20, 0.35}, From: frameTime(s, start), To: s.Duration}}
	return nil, graph, truth, nil
}

func smokeScene(s SceneSpec) ([]string, string, []Event, error) {
	start, grow := onset(s)
	// A grey plume on a transparent quarter-size canvas: rising from
	// y=0.72 up to 65% of the height, widening as it rises, swaying, then
	// heavily blurred.
	const cx, base = 0.35, 0.72
	dy := fmt.Sprintf("(%g*H-Y)", base)
	top := fmt.Sprintf("(H*0.65*min((N-%d)/%d,1))", start, grow)
	sway := fmt.Sprintf("(0.15*%s*sin(0.05*Y-0.7*N/%d))", dy, s.FPS)
	halfw := fmt.Sprintf("(W*(0.02+0.2*%s/H)*(0.85+0.15*sin(0.15*Y-2*N/%d)))", dy, s.FPS)
	alpha := fmt.Sprintf("if(gte(N,%d)*gte(%s,0)*lt(%s,%s)*lt(abs(X-%g*W-%s),%s),190*(1-0.6*%s/H),0)",
		start, dy, dy, top, cx, sway, halfw, dy)
	plume := fmt.Sprintf("color=c=black@0:s=%s:r=%d,format=rgba,geq=r='168':g='170':b='172':a='%s',gblur=sigma=5,scale=%d:%d",
		canvas(s), s.FPS, alpha, s.Width, s.Height)
	bg := street(s, "0x6f8196", "0x3f4a38")
	graph := bg + "[bg];" + plume + "[fx];[bg][fx]overlay=format=auto," + sensorNoise
	truth := []Event{{Label: "smoke", Box: [4]float64{0.14, 0.07, 0.42, 0.65}, From: frameTime(s, start), To: s.Duration}}
	return nil, graph, truth, nil
}

func peopleScene(s SceneSpec) ([]string, string, []Event, error) {
	src, err := VTestPath()
	if err != nil {
		return nil, "", nil, err
	}
	// vtest.avi lasts 79.5 s at 10 fps: loop the input for longer scenes.
	inputs := []string{"-stream_loop", "-1", "-i", src}
	graph := fmt.Sprintf("[0:v]scale=%d:%d,fps=%d,format=yuv420p", s.Width, s.Height, s.FPS)
	// A finer, per-box annotation comes later; people walk all the time.
	truth := []Event{{Label: "person", From: 0, To: s.Duration}}
	return inputs, graph, truth, nil
}

// The loiter scene's pedestrian: a crop of vtest.avi at 20 s (a man in a
// dark jacket and jeans, on the road at the right, 56x120 pixels).
const (
	loiterAt   = "20"
	loiterCrop = "crop=56:120:604:256"
)

func loiterScene(s SceneSpec) ([]string, string, []Event, error) {
	src, err := VTestPath()
	if err != nil {
		return nil, "", nil, err
	}
	// In from the left until 1/9 of the loop, still at x=0.4 until 2/3,
	// off to the right by 7/9, then an empty street. The road is the
	// crop's own grey so that the cut-out hardly shows.
	in, still, out := s.Duration/9, s.Duration*2/3, s.Duration*7/9
	const x0, hgt, feet = 0.4, 0.42, 0.9
	sec := func(d time.Duration) string { return fmt.Sprintf("%g", d.Seconds()) }
	x := fmt.Sprintf("if(lt(t,%[1]s),-w+(%[4]g*W+w)*t/%[1]s,if(lt(t,%[2]s),%[4]g*W,%[4]g*W+(W-%[4]g*W)*(t-%[2]s)/(%[3]s-%[2]s)))",
		sec(in), sec(still), sec(out), x0)
	man := fmt.Sprintf("[0:v]trim=end_frame=1,%s,scale=-2:%d,loop=loop=-1:size=1,setpts=N/(%d*TB)",
		loiterCrop, int(hgt*float64(s.Height))&^1, s.FPS)
	graph := street(s, "0x55606a", "0x9a9c9a") + "[bg];" + man + "[man];" +
		fmt.Sprintf("[bg][man]overlay=x='%s':y=%g*H-h:eof_action=repeat,%s", x, feet, sensorNoise)
	w := hgt * 56 / 120 * float64(s.Height) / float64(s.Width)
	truth := []Event{
		{Label: "person", Box: [4]float64{0, feet - hgt, 1, hgt}, From: 0, To: out},
		{Label: "still", Box: [4]float64{x0, feet - hgt, w, hgt}, From: in, To: still},
	}
	return []string{"-ss", loiterAt, "-i", src}, graph, truth, nil
}

// onset returns the frame where fire or smoke appears (3 s in, sooner in
// short loops) and the number of frames it takes to reach full size.
func onset(s SceneSpec) (start, grow int) {
	n := frameCount(s)
	start = min(3*s.FPS, n/5)
	grow = max(min(10*s.FPS, (n-start)/2), 1)
	return start, grow
}

// canvas is the quarter size, kept even, of the overlay canvas.
func canvas(s SceneSpec) string {
	return fmt.Sprintf("%dx%d", max(s.Width/4, 16)&^1, max(s.Height/4, 16)&^1)
}

func frameCount(s SceneSpec) int {
	return int(s.Duration * time.Duration(s.FPS) / time.Second)
}

func frameTime(s SceneSpec, n int) time.Duration {
	return time.Duration(n) * time.Second / time.Duration(s.FPS)
}

// vtestPlaces are where VTestPath looks, after $ARGUS_VTEST.
var vtestPlaces = []string{"/usr/share/doc/opencv-doc/examples/data/vtest.avi"}

// VTestPath finds OpenCV's vtest.avi: $ARGUS_VTEST, Debian's opencv-doc,
// then .cache/vtest.avi in the repository holding the working directory.
func VTestPath() (string, error) {
	places := []string{}
	if p := os.Getenv("ARGUS_VTEST"); p != "" {
		places = append(places, p)
	}
	places = append(places, vtestPlaces...)
	if root := repoRoot(); root != "" {
		places = append(places, filepath.Join(root, ".cache", "vtest.avi"))
	} else {
		places = append(places, "<repo>/.cache/vtest.avi")
	}
	for _, p := range places {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: set ARGUS_VTEST or put it at one of %q "+
		"(apt-get download opencv-doc && dpkg-deb --fsys-tarfile opencv-doc_*.deb | "+
		"tar -x ./usr/share/doc/opencv-doc/examples/data/vtest.avi)", ErrNoVTest, places)
}

// ErrNoVTest tells that a people scene cannot be built for want of vtest.avi.
var ErrNoVTest = errors.New("vtest.avi not found")

// repoRoot returns the nearest directory at or above the working directory
// that holds a go.mod, or "".
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

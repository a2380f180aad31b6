package eval

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Table is the Markdown table of the scores, one row per kind.
func Table(scores []KindScore) string {
	var b strings.Builder
	b.WriteString("| kind | events | caught | recall | time to alert median | p90 | false alerts | hours without | false/hour | continued | duplicates |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, k := range scores {
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %d | %.3f | %s | %d | %d |\n", k.Kind, k.Events, k.Caught,
			num(k.Recall, 2), secs(k.TTA(0.5)), secs(k.TTA(0.9)), k.FalseAlerts, k.NegativeHours, num(k.FalsePerHour(), 1), k.Continued, k.Duplicates)
	}
	return b.String()
}

func num(f float64, prec int) string {
	if math.IsNaN(f) {
		return "–"
	}
	return fmt.Sprintf("%.*f", prec, f)
}

func secs(d time.Duration) string {
	if d < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// Report is what a report says besides the scores.
type Report struct {
	// Command is the command line that made it.
	Command string
	// Truth is the truth file's path.
	Truth string
	// Speed is the play speed (0: as fast as the analysis takes them).
	Speed float64
	// Window is the tolerance of a catch.
	Window Window
}

// WriteReport writes dir/report.md: the table, the clips, and every
// false alert with its snapshot (dir/snapshots) and every missed event
// with a picture of its middle taken from the clip with ffmpeg.
func WriteReport(ctx context.Context, dir string, r Report, played []Played, scores []KindScore) error {
	snaps := filepath.Join(dir, "snapshots")
	if err := os.MkdirAll(snaps, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Detection evaluation\n\n`%s`\n\nTruth: `%s`. ", r.Command, r.Truth)
	if r.Speed > 0 {
		fmt.Fprintf(&b, "Played at %g× real time (frames the analysis could not keep up with were dropped, as live). ", r.Speed)
	} else {
		b.WriteString("Played as fast as the analysis took the frames (none dropped), frame times as in the clips. ")
	}
	fmt.Fprintf(&b, "An event is caught by an anomaly of its kind that starts from %s before it to %s after it; "+
		"a start outside every such window is a false alert.\n\n", r.Window.Early, r.Window.Late)
	b.WriteString(Table(scores))
	b.WriteString("\n## Clips\n\n| clip | camera | rules | stream | length | frames | analysed | dropped | alerts | played in |\n|---|---|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, p := range played {
		fmt.Fprintf(&b, "| %s | %s | %s | %dx%d %d fps | %.1f s | %d | %d | %d | %s | %.1f s |\n", p.Clip, p.Camera, p.Rules,
			p.Width, p.Height, p.FPS, p.Duration.Seconds(), p.Frames, p.Analysed, p.Dropped, alertList(p.Alerts), p.Wall.Seconds())
	}
	byID := snapshots(played)
	for _, k := range scores {
		if len(k.Falses) == 0 && len(k.Missed) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n", k.Kind)
		for _, f := range k.Falses {
			name := fileName(f.Clip + "-" + f.Alert.ID + ".jpg")
			fmt.Fprintf(&b, "\n**False alert** on %s at %.1f s (rule %s, score %.2f, box %.2f,%.2f %.2fx%.2f in red)\n\n", f.Clip,
				f.Alert.At.Seconds(), f.Alert.Rule, f.Alert.Score, f.Alert.Box[0], f.Alert.Box[1], f.Alert.Box[2], f.Alert.Box[3])
			if jpg := byID[f.Clip+"\x00"+f.Alert.ID]; len(jpg) > 0 {
				if err := os.WriteFile(filepath.Join(snaps, name), boxed(jpg, f.Alert.Box), 0o644); err != nil {
					return fmt.Errorf("report: %w", err)
				}
				fmt.Fprintf(&b, "![false %s on %s](snapshots/%s)\n", k.Kind, f.Clip, name)
			} else {
				b.WriteString("(no snapshot)\n")
			}
		}
		for _, m := range k.Missed {
			mid := (m.Event.From.D() + m.Event.To.D()) / 2
			name := fileName(fmt.Sprintf("missed-%s-%s-%.1f.jpg", m.Clip, k.Kind, mid.Seconds()))
			fmt.Fprintf(&b, "\n**Missed** %s on %s from %.1f s to %.1f s", k.Kind, m.Clip, m.Event.From.D().Seconds(), m.Event.To.D().Seconds())
			if m.Event.Note != "" {
				fmt.Fprintf(&b, " (%s)", m.Event.Note)
			}
			b.WriteString("\n\n")
			if err := grab(ctx, pathOf(played, m.Clip), mid, filepath.Join(snaps, name)); err != nil {
				fmt.Fprintf(&b, "(no picture: %v)\n", err)
			} else {
				fmt.Fprintf(&b, "![missed %s on %s](snapshots/%s)\n", k.Kind, m.Clip, name)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "report.md"), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

func alertList(as []Alert) string {
	if len(as) == 0 {
		return "–"
	}
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = fmt.Sprintf("%s@%.1f", a.Kind, a.At.Seconds())
	}
	return strings.Join(parts, " ")
}

// snapshots are the start snapshots by clip and anomaly id.
func snapshots(played []Played) map[string][]byte {
	out := map[string][]byte{}
	for _, p := range played {
		for _, a := range p.Anomalies {
			if len(a.Snapshot) > 0 {
				out[p.Clip+"\x00"+a.ID] = a.Snapshot
			}
		}
	}
	return out
}

func pathOf(played []Played, clip string) string {
	for _, p := range played {
		if p.Clip == clip {
			return p.Path
		}
	}
	return ""
}

// grab writes the clip's picture at t as a JPEG at most 640 wide.
func grab(ctx context.Context, clip string, t time.Duration, out string) error {
	cmd := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-ss", fmt.Sprintf("%.3f", t.Seconds()), "-i", clip, "-frames:v", "1", "-vf", "scale='min(640,iw)':-2", "-q:v", "4", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ffmpeg: %w: %s", err, strings.TrimSpace(string(msg)))
	}
	return nil
}

// fileName keeps a report file name to letters, digits and -_. .
func fileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// boxed draws the anomaly's box in red on its snapshot, so the report
// shows where the detector saw the kind; the snapshot as it came when it
// does not decode.
func boxed(jpg []byte, box [4]float64) []byte {
	src, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		return jpg
	}
	r := src.Bounds()
	img := image.NewRGBA(r)
	draw.Draw(img, r, src, r.Min, draw.Src)
	x0, y0 := r.Min.X+int(box[0]*float64(r.Dx())), r.Min.Y+int(box[1]*float64(r.Dy()))
	x1, y1 := x0+int(box[2]*float64(r.Dx())), y0+int(box[3]*float64(r.Dy()))
	red := image.NewUniform(color.RGBA{R: 255, A: 255})
	const t = 3 // line width
	for _, e := range []image.Rectangle{
		image.Rect(x0, y0, x1, y0+t), image.Rect(x0, y1-t, x1, y1), image.Rect(x0, y0, x0+t, y1), image.Rect(x1-t, y0, x1, y1),
	} {
		draw.Draw(img, e.Intersect(r), red, image.Point{}, draw.Src)
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: 85}); err != nil {
		return jpg
	}
	return out.Bytes()
}

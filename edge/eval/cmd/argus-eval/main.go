// Command argus-eval judges the edge's detection on a folder of recorded
// clips: it plays each clip through the edge's own analysis (decoder,
// detectors, rules; edge/eval) as a camera, at -speed times real time or
// as fast as the CPU allows, and prints per kind the event recall, the
// time to alert and the false alerts per camera-hour, with a Markdown
// report (the snapshot of every false and missed alert) in -out. With
// -require it exits 1 when a threshold is not met, for CI. The truth file's
// format is in docs (readme-m-eval.md) and edge/eval/devset/truth.yaml.
//
//	argus-eval -dir edge/eval/devset -require 'recall>=0.95,false_per_hour<=1'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/logs"
	"github.com/argus-edge/argus/drivers/sim"
	_ "github.com/argus-edge/argus/edge/detect/fire" // detector plugins register by name, as in the edge
	_ "github.com/argus-edge/argus/edge/detect/health"
	_ "github.com/argus-edge/argus/edge/detect/motion"
	_ "github.com/argus-edge/argus/edge/detect/objects"
	"github.com/argus-edge/argus/edge/eval"
	"github.com/argus-edge/argus/models"
)

func main() {
	// As the edge binary: a child started to vet a model vets it and exits.
	models.VetChild()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "argus-eval:", err)
	}
	os.Exit(code)
}

// run runs the command with args and returns its exit code: 0, 1 when a
// requirement is not met, 2 on an error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("argus-eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "edge/eval/devset", "folder of clips")
	truthPath := fs.String("truth", "", "truth file (default DIR/truth.yaml)")
	speed := fs.Float64("speed", 0, "play at this multiple of real time, dropping what the analysis cannot keep up with and sharing detect.cores (default every core) as live; 0: as fast as the analysis takes the frames")
	parallel := fs.Int("parallel", 1, "clips played at once, each its own camera")
	modelDir := fs.String("models", "", "model folder (default: the edge's)")
	config := fs.String("config", "", "edge config whose detect section (idle_fps, active_fps, quiet, model_dir) applies")
	out := fs.String("out", "var/eval", "report folder (report.md, snapshots/)")
	require := fs.String("require", "", "thresholds, comma-separated: [kind.]metric>=v or <=v; metrics recall, false_per_hour, tta_median, tta_p90 (s)")
	fps := fs.Int("fps", 0, "re-encode clips at this frame rate (0: the clip's own, at most 30)")
	maxWidth := fs.Int("max-width", 0, "scale wider clips down to this width (0: keep)")
	level := fs.String("log-level", "warn", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return 2, err
	}
	log, err := logs.New(stderr, "auto", *level)
	if err != nil {
		return 2, err
	}
	reqs, err := eval.ParseRequirements(*require)
	if err != nil {
		return 2, err
	}
	if *truthPath == "" {
		*truthPath = filepath.Join(*dir, "truth.yaml")
	}
	truth, err := eval.LoadTruth(*truthPath)
	if err != nil {
		return 2, err
	}
	o := eval.Options{Dir: *dir, Truth: truth, Speed: *speed, Parallel: *parallel, ModelDir: *modelDir,
		Clip: sim.ClipSpec{FPS: *fps, MaxWidth: *maxWidth}, Log: log}
	if *config != "" {
		cfg, err := configs.Load(*config)
		if err != nil {
			return 2, err
		}
		o.IdleFPS, o.ActiveFPS, o.Quiet = cfg.Detect.IdleFPS, cfg.Detect.ActiveFPS, cfg.Detect.Quiet.D()
		o.Cores = cfg.Detect.Cores
		if o.ModelDir == "" {
			o.ModelDir = cfg.Detect.ModelDir
		}
	}
	began := time.Now()
	played, runErr := eval.Run(ctx, o)
	if len(played) == 0 {
		return 2, errors.Join(errors.New("no clip played"), runErr)
	}
	w := eval.Window{Early: truth.Early.D(), Late: truth.Tolerance.D()}
	scores := eval.Score(outcomes(played), w)
	var hours float64
	for _, p := range played {
		hours += p.Duration.Hours()
		fmt.Fprintf(stdout, "%-40s %6.1f s  %5d frames  %4d dropped  alerts: %s\n", p.Clip, p.Duration.Seconds(), p.Frames, p.Dropped, alerts(p))
	}
	fmt.Fprintf(stdout, "\n%d clips, %.2f camera-hours, played in %s\n\n", len(played), hours, time.Since(began).Round(time.Second))
	fmt.Fprint(stdout, eval.Table(scores))
	rep := eval.Report{Command: "argus-eval " + strings.Join(args, " "), Truth: *truthPath, Speed: *speed, Window: w}
	if err := eval.WriteReport(ctx, *out, rep, played, scores); err != nil {
		return 2, err
	}
	fmt.Fprintf(stdout, "\nreport: %s\n", filepath.Join(*out, "report.md"))
	if runErr != nil {
		return 2, fmt.Errorf("figures without the clips that could not be played: %w", runErr)
	}
	if fails := eval.Check(reqs, scores); len(fails) > 0 {
		fmt.Fprintln(stdout, "\nrequirements not met:")
		for _, f := range fails {
			fmt.Fprintln(stdout, "  "+f)
		}
		return 1, nil
	}
	return 0, nil
}

func outcomes(played []eval.Played) []eval.Outcome {
	out := make([]eval.Outcome, len(played))
	for i, p := range played {
		out[i] = p.Outcome
	}
	return out
}

func alerts(p eval.Played) string {
	if len(p.Alerts) == 0 {
		return "none"
	}
	var parts []string
	for _, a := range p.Alerts {
		parts = append(parts, fmt.Sprintf("%s@%.1fs", a.Kind, a.At.Seconds()))
	}
	return strings.Join(parts, " ")
}

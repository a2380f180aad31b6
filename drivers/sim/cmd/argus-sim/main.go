// Command argus-sim serves simulated RTSP cameras: the demo fleet
// (configs/sim-demo.yaml) and, for benchmarks, N clones of one scene; and
// the fleet's simulated MAVLink drones, each on its link with its camera
// feed on RTSP.
//
//	go run ./drivers/sim/cmd/argus-sim -fleet configs/sim-demo.yaml
//	go run ./drivers/sim/cmd/argus-sim -fleet "" -clone 200 -clone-scene bench
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/logs"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/drivers/sim/drone"
)

func main() {
	listen := flag.String("listen", ":8554", "RTSP listen address")
	udp := flag.String("udp", ":8000", "RTP/UDP listen address, RTCP on the next port (empty: TCP only)")
	fleet := flag.String("fleet", "configs/sim-demo.yaml", "fleet file (empty for none)")
	clones := flag.Int("clone", 0, "serve N more cameras <clone-scene>/0..N-1 sharing one scene")
	cloneScene := flag.String("clone-scene", "bench", "scene of the clones")
	cloneSize := flag.String("clone-size", "", "picture size of the clones, WxH (default: the scene's)")
	cloneFPS := flag.Int("clone-fps", 0, "frame rate of the clones (default 15)")
	cache := flag.String("cache", "", "scene cache directory (default $ARGUS_CACHE or ~/.cache/argus/scenes)")
	logFormat := flag.String("log-format", "auto", "log format: json, console, auto (console on a terminal)")
	flag.Parse()

	log, err := logs.New(os.Stderr, *logFormat, "info")
	if err != nil {
		fmt.Fprintln(os.Stderr, "argus-sim:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	clone := sim.SceneSpec{Kind: sim.Kind(*cloneScene), FPS: *cloneFPS}
	if *cloneSize != "" {
		if _, err := fmt.Sscanf(*cloneSize, "%dx%d", &clone.Width, &clone.Height); err != nil || clone.Width < 16 || clone.Height < 16 || clone.Width%2 != 0 || clone.Height%2 != 0 {
			log.Error().Str("clone_size", *cloneSize).Msg("-clone-size: want WxH, even numbers of at least 16")
			os.Exit(2)
		}
	}
	if *cloneFPS < 0 || *cloneFPS > 60 {
		log.Error().Int("clone_fps", *cloneFPS).Msg("-clone-fps: want 1 to 60")
		os.Exit(2)
	}
	if err := run(ctx, log, *listen, *udp, *fleet, *clones, clone, *cache); err != nil {
		log.Error().Err(err).Msg("argus-sim failed")
		os.Exit(1)
	}
}

func run(ctx context.Context, log zerolog.Logger, listen, udp, fleet string, clones int, cloneScene sim.SceneSpec, cache string) error {
	f, err := loadFleet(fleet)
	if err != nil {
		return err
	}
	cams, err := cameras(log, f, clones, cloneScene)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	var drones sync.WaitGroup
	defer func() { cancel(); drones.Wait() }()
	if f != nil {
		cams = append(cams, f.DroneCameras()...)
		opts, err := drone.FromFleet(f)
		if err != nil {
			return err
		}
		if err := startDrones(ctx, &drones, log, opts); err != nil {
			return err
		}
	}
	if len(cams) == 0 {
		return errors.New("no cameras and no drones: give -fleet or -clone")
	}
	srv := sim.New(sim.Options{Listen: listen, UDP: udp, CacheDir: cache, Log: log})
	defer srv.Close()
	for _, c := range cams {
		if err := srv.Add(c); err != nil {
			return err
		}
	}
	began := time.Now()
	if err := srv.Start(); err != nil {
		return err
	}
	if err := srv.WaitReady(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while preparing
		}
		return err
	}
	log.Info().Int("cameras", len(cams)).Str("addr", srv.Addr()).Str("took", time.Since(began).Round(time.Millisecond).String()).Msg("ready")
	<-ctx.Done()
	log.Info().Msg("stopping")
	return nil
}

// loadFleet reads the fleet file; none for an empty name.
func loadFleet(name string) (*sim.Fleet, error) {
	if name == "" {
		return nil, nil
	}
	return sim.LoadFleet(name)
}

// cameras resolves the fleet's cameras and adds the clones. A camera
// refused for want of its password is logged and left out; the others
// still serve.
func cameras(log zerolog.Logger, f *sim.Fleet, clones int, cloneScene sim.SceneSpec) ([]sim.Camera, error) {
	var cams []sim.Camera
	if f != nil {
		var refused []error
		cams, refused = f.Resolve(os.LookupEnv)
		for _, err := range refused {
			log.Error().Err(err).Msg("camera not started")
		}
	}
	if clones < 0 {
		return nil, fmt.Errorf("-clone %d: want 0 or more", clones)
	}
	for i := range clones {
		cams = append(cams, sim.Camera{Path: string(cloneScene.Kind) + "/" + strconv.Itoa(i), Scene: cloneScene})
	}
	return cams, nil
}

// startDrones runs each simulated drone until ctx ends. A drone that
// cannot open its link is logged; the cameras and the other drones serve
// on.
func startDrones(ctx context.Context, wg *sync.WaitGroup, log zerolog.Logger, opts []drone.Options) error {
	for _, o := range opts {
		o.Log = log
		d, err := drone.New(o)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Run(ctx); err != nil {
				log.Error().Err(err).Int("sysid", o.SystemID).Msg("drone stopped")
			}
		}()
	}
	return nil
}

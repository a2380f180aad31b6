// Command ingest measures pulling N simulated 1080p 4 Mbps cameras side by
// side: the real edge process (no rules, so its analysis stays idle; no
// viewer, no recording unless -record events) and mediamtx pulling the same simulator streams
// (paths with an RTSP source, not on demand), one after the other, each
// process's CPU (utime+stime from /proc) over the window and its RSS per
// camera above its fixed RSS with no camera. The simulator runs as its own
// process and is not counted. After the Argus run it saves a Go CPU profile
// of the edge (and a perf report when perf is installed) under -out and
// prints their top functions. It prints figures and asserts nothing. Run it
// through `make bench` (which builds mediamtx first: `make mediamtx`).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/argus-edge/argus/deploy/bench"
)

// settings of one bench run.
type settings struct {
	n         int
	bin       string
	mediamtx  string // path of the mediamtx binary; "" skips it
	window    time.Duration
	transport string
	rounds    int
	record    string        // the cameras' record mode
	out       string        // folder of the profiles; "" takes none
	profile   time.Duration // length of the Go CPU profile and of perf's record
	simAddr   string
}

func main() {
	var s settings
	flag.IntVar(&s.n, "cameras", 50, "simulated cameras to pull")
	flag.StringVar(&s.bin, "bin", "bin", "folder holding edge and argus-sim (and mediamtx, from make mediamtx)")
	flag.StringVar(&s.mediamtx, "mediamtx", "", "mediamtx binary to compare with (default <bin>/mediamtx); \"none\" skips the comparison")
	flag.DurationVar(&s.window, "window", 30*time.Second, "measuring window, after every stream is up and settled")
	flag.StringVar(&s.transport, "transport", "tcp", "RTSP transport of both pullers: tcp or udp")
	flag.IntVar(&s.rounds, "rounds", 1, "Argus then mediamtx, this many times (alternating)")
	flag.StringVar(&s.record, "record", "off", "the edge cameras' record mode: off (a pull like mediamtx's) or events (the default of a config, with its in-memory pre-roll)")
	flag.StringVar(&s.out, "out", "var", "folder for the edge's CPU profile and perf report; empty: no profile")
	flag.DurationVar(&s.profile, "profile", 20*time.Second, "length of the edge's CPU profile (and of perf's record)")
	flag.Parse()
	s.simAddr = "127.0.0.1:18554"
	switch s.mediamtx {
	case "":
		s.mediamtx = filepath.Join(s.bin, "mediamtx")
	case "none":
		s.mediamtx = ""
	}
	if err := run(s); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(s settings) error {
	if s.mediamtx != "" {
		if _, err := os.Stat(s.mediamtx); err != nil {
			return fmt.Errorf("mediamtx: %w (build it with `make mediamtx`, or pass -mediamtx none)", err)
		}
	}
	bench.TokenEnv()
	fmt.Printf("ingest bench: %d cameras, scene bench (1920x1080 H.264 ~4 Mbps, GOP 2 s), transport %s, window %s, edge record mode %s\n", s.n, s.transport, s.window, s.record)
	sim := exec.Command(filepath.Join(s.bin, "argus-sim"), "-listen", s.simAddr, "-fleet", "", "-clone", strconv.Itoa(s.n), "-clone-scene", "bench")
	if err := bench.StartAndAwait(sim, `"ready"`, 10*time.Minute); err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	defer bench.Stop(sim)
	var results []result
	for round := 1; round <= s.rounds; round++ {
		r, err := runArgus(s, sim.Process.Pid, round == 1)
		if err != nil {
			return fmt.Errorf("argus: %w", err)
		}
		results = append(results, r)
		if s.mediamtx == "" {
			continue
		}
		r, err = runMediamtx(s, sim.Process.Pid)
		if err != nil {
			return fmt.Errorf("mediamtx: %w", err)
		}
		results = append(results, r)
	}
	printTable(s, results)
	return nil
}

package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/argus-edge/argus/deploy/bench"
)

// result is what one process measured pulling the cameras.
type result struct {
	who      string
	n        int
	core     float64 // cores used over the window (1 = one core busy)
	rssKiB   int64   // at the window's end
	baseKiB  int64   // with no camera
	simCore  float64 // the simulator's, over the same window
	load     string  // the host's load averages at the window's end
	extraCol string  // what the puller itself measured, when it can
	kbps     float64 // per camera, as the puller measured it; 0 if unknown
}

// settle is how long the pulls run before the window opens: connections
// made, the first GOPs cached, the collector at its working heap.
const settle = 5 * time.Second

// window measures pid's CPU and the simulator's over s.window, pid's RSS
// as the mean of a sample a second (a collected heap's RSS moves with the
// collector's cycle), and the bits per second per camera that the puller
// counted received over the window (received returns its running total
// of bytes, -1 when it cannot tell).
func window(s settings, pid, simPid int, received func() float64) (r result) {
	time.Sleep(settle) // a benchmark pause, not a synchronisation
	b0 := received()
	p0, s0, t0 := bench.CPUTicks(pid), bench.CPUTicks(simPid), time.Now()
	var sum, n int64
	for end := t0.Add(s.window); time.Now().Before(end); {
		time.Sleep(min(time.Second, time.Until(end))) // sampling, not synchronising
		sum += bench.RSSKiB(pid)
		n++
	}
	p1, s1, t1 := bench.CPUTicks(pid), bench.CPUTicks(simPid), time.Now()
	b1 := received()
	secs := t1.Sub(t0).Seconds()
	r.core, r.simCore = float64(p1-p0)/100/secs, float64(s1-s0)/100/secs // ticks are 1/100 s
	r.rssKiB = sum / max(n, 1)
	if b0 >= 0 && b1 >= 0 {
		r.kbps = (b1 - b0) * 8 / 1000 / secs / float64(s.n)
	}
	r.load = loadavg()
	return r
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

func (r result) perStream() float64 { return r.core * 100 / float64(r.n) }

// perStream4M is perStream scaled to the 4 Mbit/s the simulator should
// send: a loaded simulator falls behind, and each puller is charged for
// what it received.
func (r result) perStream4M() float64 {
	if r.kbps <= 0 {
		return 0
	}
	return r.perStream() * 4000 / r.kbps
}

func (r result) perCameraMiB() float64 { return float64(r.rssKiB-r.baseKiB) / 1024 / float64(r.n) }

func printTable(s settings, rs []result) {
	fmt.Printf("\n%d cameras, %s, CPU of each process from /proc over %s (the machine is shared: per-process CPU time, not wall-clock rates)\n\n", s.n, s.transport, s.window)
	fmt.Println("| puller | CPU in all (% of a core) | CPU per stream | same per 4 Mbit/s received | RSS in all (mean of the window) | RSS with no camera | RSS per camera | simulator CPU (not counted) | load avg | pulled |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
	for _, r := range rs {
		fmt.Printf("| %s | %.1f%% | **%.3f%%** | %.3f%% | %.1f MiB | %.1f MiB | **%.2f MiB** | %.0f%% | %s | %s |\n",
			r.who, r.core*100, r.perStream(), r.perStream4M(), float64(r.rssKiB)/1024, float64(r.baseKiB)/1024, r.perCameraMiB(), r.simCore*100, r.load, r.extraCol)
	}
	var a, m []result
	for _, r := range rs {
		if r.who == "argus edge" {
			a = append(a, r)
		} else {
			m = append(m, r)
		}
	}
	if len(a) > 0 && len(m) > 0 {
		ac, am := mean(a, result.perStream), mean(a, result.perCameraMiB)
		mc, mm := mean(m, result.perStream), mean(m, result.perCameraMiB)
		fmt.Printf("\nArgus ÷ mediamtx: CPU per stream %.2f, per 4 Mbit/s received %.2f (target ≤ 0.5); RSS per camera %.2f (target ≤ 1.5, and ≤ 1.5 MiB)\n",
			ac/mc, mean(a, result.perStream4M)/mean(m, result.perStream4M), am/mm)
	}
}

func mean(rs []result, f func(result) float64) float64 {
	t := 0.0
	for _, r := range rs {
		t += f(r)
	}
	return t / float64(len(rs))
}

// cameraURL is the simulator's URL of clone i.
func cameraURL(s settings, i int) string { return fmt.Sprintf("rtsp://%s/bench/%d", s.simAddr, i) }

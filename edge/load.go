package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat: USER_HZ, 100
// on every Linux the edge runs on.
const userHZ = 100

// cpuTime is the CPU time the process has used, user and system, from
// /proc/self/stat.
func cpuTime() (time.Duration, error) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, err
	}
	return parseStat(b)
}

// parseStat reads utime and stime (fields 14 and 15) from a stat line.
// The command name (field 2) is in parentheses and may hold spaces, so
// fields are counted from the last ')'.
func parseStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("proc stat: no command name")
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, fmt.Errorf("proc stat: %d fields after the command", len(f))
	}
	var ticks uint64
	for _, s := range f[11:13] {
		n, err := strconv.ParseUint(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// loadMeter turns CPU time into load, 1.0 = one core busy, over the time
// between two readings.
type loadMeter struct {
	cpu  time.Duration
	wall time.Time
}

// sample returns the load since the previous sample (0 on the first).
func (l *loadMeter) sample(now time.Time) float64 {
	cpu, err := cpuTime()
	if err != nil {
		return 0
	}
	var load float64
	if !l.wall.IsZero() && now.After(l.wall) {
		load = float64(cpu-l.cpu) / float64(now.Sub(l.wall))
	}
	l.cpu, l.wall = cpu, now
	return load
}

// loadGauge holds the latest load, read by the status loop and written by
// the measuring loop.
type loadGauge struct{ bits atomic.Uint64 }

func (g *loadGauge) set(l float64) { g.bits.Store(math.Float64bits(l)) }
func (g *loadGauge) get() float64  { return math.Float64frombits(g.bits.Load()) }

// rssBytes is the process's resident memory, from /proc/self/statm
// (its second field, in pages).
func rssBytes() (int64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	return parseStatm(b, os.Getpagesize())
}

// parseStatm reads the resident pages (field 2) of a statm line.
func parseStatm(b []byte, page int) (int64, error) {
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, fmt.Errorf("proc statm: %d fields, want at least 2", len(f))
	}
	n, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("proc statm: resident %q: not a page count", f[1])
	}
	return n * int64(page), nil
}

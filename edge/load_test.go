package main

import (
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// A command name with spaces and a parenthesis, as a process may have.
	line := []byte("4242 (edge (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 130 0 0 20 0 12 0 100 0 0\n")
	d, err := parseStat(line)
	if err != nil || d != 3800*time.Millisecond {
		t.Fatalf("parseStat = %s, %v; want 3.8s (380 ticks)", d, err)
	}
	for _, bad := range []string{"", "4242 edge S 1", "1 (a) S 1 2 3 4 5 6 7 8 9 x 1"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q) = no error", bad)
		}
	}
}

// The process's own CPU time grows while it spins.
func TestCPUTimeGrows(t *testing.T) {
	before, err := cpuTime()
	if err != nil {
		t.Fatal(err)
	}
	for after := before; after <= before; after, _ = cpuTime() {
		for i := 0; i < 1e6; i++ {
			_ = i * i
		}
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("1 (edge) S 1 1 1 0 -1 0 0 0 0 0 5 7 0 0 20 0 1 0 1 0 0"))
	f.Add([]byte("1 (a b) R"))
	f.Fuzz(func(_ *testing.T, b []byte) { parseStat(b) })
}

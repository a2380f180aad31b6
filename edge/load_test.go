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

func TestParseStatm(t *testing.T) {
	n, err := parseStatm([]byte("51234 7890 1200 300 0 4000 0\n"), 4096)
	if err != nil || n != 7890*4096 {
		t.Fatalf("parseStatm = %d, %v; want %d", n, err, 7890*4096)
	}
	for _, bad := range []string{"", "51234", "51234 x 1", "1 -5 1"} {
		if _, err := parseStatm([]byte(bad), 4096); err == nil {
			t.Errorf("parseStatm(%q) = no error", bad)
		}
	}
}

// The process's resident memory, read from /proc, is more than nothing.
func TestRSSBytes(t *testing.T) {
	if n, err := rssBytes(); err != nil || n <= 0 {
		t.Fatalf("rssBytes = %d, %v", n, err)
	}
}

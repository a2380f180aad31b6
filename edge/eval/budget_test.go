package eval

import (
	"runtime"
	"testing"
)

// TestBudget: clips played as a camera delivers them get an edge's
// analysis budget (every core unless told), so that the scheduler sheds
// as live; played as fast as the analysis takes them, none.
func TestBudget(t *testing.T) {
	cpus := float64(runtime.NumCPU())
	cases := []struct {
		name  string
		o     Options
		cores float64
	}{
		{"as fast as the analysis: no budget", Options{Speed: 0, Cores: 1.5}, 0},
		{"real time, default: every core", Options{Speed: 1}, cpus},
		{"real time, detect.cores 1.5", Options{Speed: 1, Cores: 1.5}, 1.5},
		{"real time, negative: none", Options{Speed: 2, Cores: -1}, 0},
	}
	for _, c := range cases {
		if got := budget(c.o); got != c.cores {
			t.Errorf("%s: %v cores, want %v", c.name, got, c.cores)
		}
	}
}

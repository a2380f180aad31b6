package analyze

import (
	"fmt"
	"runtime"
	"time"
)

// Contended tells whether the edge's analysis needs its CPU now, and why:
// work below every live tier and below the shadow sets (a rule replay)
// runs only while it is false. It is true while live or shadow work is
// being shed, while a camera's analysis lags by half of max_lag or more
// (the CPU is short even if nothing is shed yet), or while the budget
// (detect.cores, else the machine's cores) less what live and shadow
// analysis ask for leaves under need cores.
func (m *Manager) Contended(need float64) (bool, string) {
	if m.burst.shedding() {
		return true, "live analysis is shedding frames"
	}
	if m.shadowBurst.shedding() {
		return true, "shadow rule sets are shedding work"
	}
	m.mu.Lock()
	var worst time.Duration
	for _, w := range m.workers {
		worst = max(worst, w.lag())
	}
	m.mu.Unlock()
	if m.o.MaxLag > 0 && worst >= m.o.MaxLag/2 {
		return true, fmt.Sprintf("a live camera's analysis lags by %s", worst.Round(time.Millisecond))
	}
	budget := m.sched.cores
	if budget <= 0 {
		budget = float64(runtime.NumCPU())
	}
	if spare := budget - m.sched.demand() - m.sched.shadowDemand(); spare < need {
		return true, fmt.Sprintf("%.2f of %.2f cores left after live analysis", max(spare, 0), budget)
	}
	return false, ""
}

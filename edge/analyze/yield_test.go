package analyze

import (
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/edge/hub"
)

// Contended, the gate of work below the live and shadow tiers (rule
// replay): an idle edge with cores to spare is not contended; one whose
// budget leaves under what is needed is, saying how much is left; a
// camera lagging by half of max_lag makes it contended, saying so; a
// burst of shedding, live or shadow, too.
func TestContended(t *testing.T) {
	m := New(Options{Hub: hub.New(hub.Options{}), Cores: 2, MaxLag: time.Second})
	defer m.Close()
	if busy, why := m.Contended(0.5); busy {
		t.Errorf("idle edge with 2 cores: contended (%s)", why)
	}
	if busy, why := m.Contended(3); !busy || !strings.Contains(why, "2.00 of 2.00 cores left") {
		t.Errorf("needing 3 of 2 cores: %v %q", busy, why)
	}
	m.Apply([]Camera{{ID: "cam1", Site: "s", Stream: "cam1"}})
	m.mu.Lock()
	m.workers["cam1"].load.lag.Store(int64(600 * time.Millisecond))
	m.mu.Unlock()
	if busy, why := m.Contended(0.5); !busy || !strings.Contains(why, "lags by 600ms") {
		t.Errorf("a camera 600 ms behind: %v %q", busy, why)
	}
	m.mu.Lock()
	m.workers["cam1"].load.lag.Store(0)
	m.mu.Unlock()
	m.shadowBurst.mu.Lock()
	m.shadowBurst.on = true
	m.shadowBurst.mu.Unlock()
	if busy, why := m.Contended(0.5); !busy || !strings.Contains(why, "shadow") {
		t.Errorf("shadow shedding: %v %q", busy, why)
	}
	m.burst.mu.Lock()
	m.burst.on = true
	m.burst.mu.Unlock()
	if busy, why := m.Contended(0.5); !busy || !strings.Contains(why, "live analysis is shedding") {
		t.Errorf("live shedding: %v %q", busy, why)
	}
}

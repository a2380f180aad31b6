package busclient

import (
	"sync"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// TestBrokerOutageLosesNothing: the outage. Real: mosquitto (with
// persistence, stopped gracefully and restarted on the same port), the
// edge client and a paho subscriber. Simulated: the command center is that
// subscriber, holding a persistent session (clean session false) — the
// broker keeps its subscription and queued messages across the restart,
// which is how a production gateway must subscribe. An edge publishes
// anomalies for four cameras every 10 ms while the broker is up, away for
// 60 s (3 s with -short) and back; every anomaly then arrives exactly once
// per seq after dropping redeliveries, in order overall and per camera.
func TestBrokerOutageLosesNothing(t *testing.T) {
	outage := 60 * time.Second
	if testing.Short() {
		outage = 3 * time.Second
	}
	broker := peers.Mosquitto(t, peers.MosquittoPersistent())
	sub := newSubscriber(t, broker.URL(), "command-center", bus.AllAnomalies, true)
	c := newTestClient(t, broker.URL(), t.TempDir())
	waitConnected(t, c)

	cams := []string{"cam-a", "cam-b", "cam-c", "cam-d"}
	p := startPublisher(t, c, cams, 10*time.Millisecond)
	sub.waitUntil(t, 20*time.Second, "50 anomalies before the outage", func(m []message) bool { return len(m) >= 50 })

	broker.Stop()
	t.Logf("mosquitto stopped for %s; publishing goes on", outage)
	<-time.After(outage) // the length of the outage being simulated, not a wait for an event
	backlog := c.Stats().Depth
	restarted := time.Now()
	broker.Start()
	mark := p.count()
	sub.waitUntil(t, 2*time.Minute, "anomalies published after the restart", func([]message) bool {
		return sub.unique() > mark+50
	})
	ids := p.stop()
	msgs := sub.waitUntil(t, time.Minute, "every anomaly", func([]message) bool { return sub.unique() >= len(ids) })
	drained := time.Since(restarted)

	unique, dups := dedup(t, anomalies(t, msgs))
	checkComplete(t, unique, ids)
	s := c.Stats()
	if s.Dropped != 0 || s.Queued != uint64(len(ids)) {
		t.Fatalf("stats %+v after %d published", s, len(ids))
	}
	t.Logf("%d anomalies published, %d queued during the %s outage, all delivered %.1fs after the restart (backlog and live), %d redeliveries dropped by seq",
		len(ids), backlog, outage, drained.Seconds(), dups)
}

// publisher publishes test anomalies at a steady pace until stopped.
type publisher struct {
	mu   sync.Mutex
	ids  []string
	quit chan struct{}
	done chan struct{}
}

func startPublisher(t *testing.T, c *Client, cams []string, every time.Duration) *publisher {
	p := &publisher{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := 0; ; i++ {
			a := testAnomaly(i, cams)
			if err := c.PublishAnomaly(a); err != nil {
				t.Error(err)
				return
			}
			p.mu.Lock()
			p.ids = append(p.ids, a.ID)
			p.mu.Unlock()
			select {
			case <-tick.C:
			case <-p.quit:
				return
			}
		}
	}()
	t.Cleanup(func() { p.stop() })
	return p
}

func (p *publisher) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ids)
}

// stop ends publishing and returns the ids published, in order.
func (p *publisher) stop() []string {
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.ids...)
}

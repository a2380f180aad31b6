package incidents

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/argus-edge/argus/gateway/store"
)

// coalescer holds back the listeners' news of incidents that only gained
// members or changed a little: during a storm a site outage takes
// thousands of members a minute, and the console wants its card redrawn
// a few times a second, not thousands. Openings, state changes and
// people's actions go out at once.
type coalescer struct {
	mu      sync.Mutex
	pending map[string]store.Incident // latest copy of each held incident
	order   []string                  // ids in the order first held
}

// hold keeps inc's latest copy for the next flush.
func (c *coalescer) hold(inc store.Incident) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[string]store.Incident{}
	}
	if _, ok := c.pending[inc.ID]; !ok {
		c.order = append(c.order, inc.ID)
	}
	c.pending[inc.ID] = inc
}

// forget drops a held copy: a newer one went out at once.
func (c *coalescer) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pending[id]; ok {
		delete(c.pending, id)
		c.order = slices.DeleteFunc(c.order, func(x string) bool { return x == id })
	}
}

// take empties the held copies, in the order first held.
func (c *coalescer) take() []store.Incident {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]store.Incident, 0, len(c.order))
	for _, id := range c.order {
		out = append(out, c.pending[id])
	}
	c.pending, c.order = nil, nil
	return out
}

// Run sends the held incidents to the listeners every interval until ctx
// ends, then once more. Without Run (interval 0 in NewService) every change
// goes out at once. With Options.Leads it also checks the lead every
// leadCheck, so that a replica taking it groups what it kept meanwhile at
// once, not at the next anomaly.
func (s *Service) Run(ctx context.Context) error {
	var flush, lead <-chan time.Time
	if s.every > 0 {
		t := time.NewTicker(s.every)
		defer t.Stop()
		flush = t.C
	}
	if s.leads != nil {
		t := time.NewTicker(leadCheck)
		defer t.Stop()
		lead = t.C
	}
	for {
		select {
		case <-ctx.Done():
			s.flush()
			return nil
		case <-flush:
			s.flush()
		case <-lead:
			s.mu.Lock()
			s.lead()
			s.mu.Unlock()
		}
	}
}

// flush publishes the held incidents.
func (s *Service) flush() {
	if incs := s.held.take(); len(incs) > 0 {
		s.hub.Publish(incs)
	}
}

// tell passes a change on: at once when it opens an incident, changes its
// state or owner, or when the service does not coalesce; else held for the next flush.
func (s *Service) tell(ch Change, urgent bool) { s.tellAll([]Change{ch}, []bool{urgent}) }

// tellAll is tell of each change in order, those going out at once in
// one notification.
func (s *Service) tellAll(chs []Change, urgent []bool) {
	var now []store.Incident
	for i, ch := range chs {
		if urgent[i] || s.every <= 0 {
			s.held.forget(ch.Incident.ID)
			now = append(now, ch.Incident)
			continue
		}
		s.held.hold(ch.Incident)
	}
	if len(now) > 0 {
		s.hub.Publish(now)
	}
}

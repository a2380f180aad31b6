package audit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argus-edge/argus/gateway/store"
)

// memory is a Writer that keeps what it is given (the store's own tests
// cover writing; here only what the trail hands over matters).
type memory struct {
	mu sync.Mutex
	es []store.AuditEntry
}

func (m *memory) Audit(_ context.Context, e store.AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.es = append(m.es, e)
	return nil
}

// Refused anonymous calls become one entry per address and minute, with
// the count and what was tried; an IPv6 /64 counts as one address; any
// other entry is written at once, unchanged.
func TestAggregatesRefusedAnonymousCalls(t *testing.T) {
	var m memory
	now := time.Date(2026, 12, 6, 22, 0, 10, 0, time.UTC)
	tr := New(Options{Store: &m, Now: func() time.Time { return now }})
	ctx := context.Background()
	for i := range 1000 {
		tr.Audit(ctx, store.AuditEntry{Who: Anonymous, Action: "camera.list", Status: 401, Addr: "203.0.113.5"})
		tr.Audit(ctx, store.AuditEntry{Who: Anonymous, Action: "login", Status: 429, Object: fmt.Sprint("user-", i%3), Addr: "203.0.113.5"})
		tr.Audit(ctx, store.AuditEntry{Who: Anonymous, Action: "stream.view", Status: 401, Object: "cam", Addr: fmt.Sprintf("2001:db8:0:1::%x", i)})
	}
	tr.Audit(ctx, store.AuditEntry{Who: "chief", Action: "anomaly.ack", Status: 200, Addr: "192.0.2.1"})
	tr.Audit(ctx, store.AuditEntry{Who: Anonymous, Action: "login", Status: 200, Object: "chief", Addr: "192.0.2.1"}) // not refused
	if len(m.es) != 2 {
		t.Fatalf("written at once: %+v, want the two that are not refused anonymous calls", m.es)
	}
	tr.Flush(ctx, false)
	if len(m.es) != 2 {
		t.Fatalf("the current minute was flushed: %d entries", len(m.es))
	}
	now = now.Add(time.Minute)
	tr.Flush(ctx, false)
	if len(m.es) != 4 {
		t.Fatalf("after the minute: %d entries, want 2 aggregates more", len(m.es))
	}
	byAddr := map[string]store.AuditEntry{}
	for _, e := range m.es[2:] {
		byAddr[e.Addr] = e
	}
	v4, v6 := byAddr["203.0.113.5"], byAddr["2001:db8:0:1::/64"]
	if v4.Count != 2000 || v4.Action != "anonymous.refused" || v4.Status != 401 && v4.Status != 429 ||
		!strings.Contains(v4.Detail, "camera.list 401 ×1000") || !strings.Contains(v4.Detail, "login 429 ×1000") || !strings.Contains(v4.Detail, "user-2") {
		t.Errorf("v4 aggregate %+v", v4)
	}
	if v6.Count != 1000 || v6.Action != "stream.view" || v6.Status != 401 || v6.Object != "cam" || !v6.Time.Equal(now.Add(-time.Minute).Truncate(time.Minute)) {
		t.Errorf("v6 aggregate %+v", v6)
	}
}

// Beyond Addresses distinct addresses in a minute, the rest share one
// entry: a flood from a million addresses still writes Addresses+1 rows a minute.
func TestBoundedAddressesPerMinute(t *testing.T) {
	var m memory
	tr := New(Options{Store: &m, Addresses: 10})
	ctx := context.Background()
	for i := range 5000 {
		tr.Audit(ctx, store.AuditEntry{Who: Anonymous, Action: "me", Status: 401, Addr: fmt.Sprintf("10.0.%d.%d", i/250, i%250)})
	}
	tr.Flush(ctx, true)
	var total int64
	for _, e := range m.es {
		total += e.Count
	}
	if len(m.es) != 11 || total != 5000 {
		t.Fatalf("%d entries counting %d calls, want 11 counting 5000", len(m.es), total)
	}
}

// Run writes what is left when its context ends.
func TestRunFlushesAtTheEnd(t *testing.T) {
	var m memory
	tr := New(Options{Store: &m, Every: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- tr.Run(ctx) }()
	tr.Audit(ctx, store.AuditEntry{Who: Anonymous, Action: "me", Status: 401, Addr: "192.0.2.9"})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(m.es) != 1 || m.es[0].Count != 1 {
		t.Fatalf("after Run: %+v", m.es)
	}
}

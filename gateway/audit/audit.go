// Package audit is the gateway's audit trail in front of the store: an
// authenticated call (or an anonymous one that succeeded, a login) is
// written as its own entry at once, while refused anonymous calls are
// counted, one entry per client address and minute with the count and
// what was tried, so that a flood of unauthenticated requests grows the
// audit table by a bounded number of rows, not by its size. At most
// Options.Addresses addresses a minute are kept apart; the rest share
// one entry (addr "other"). It imports the store's types and nothing of
// the API or the SFU, which write through it.
package audit

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/gateway/store"
)

// Writer is where entries go: gateway/store.Store.
type Writer interface {
	Audit(ctx context.Context, e store.AuditEntry) error
}

// Options configure a Trail.
type Options struct {
	Store Writer
	// Addresses is how many client addresses a minute get an entry of
	// their own (default 1000); beyond, they share addr "other".
	Addresses int
	// Every is how often finished minutes are written (default 5 s).
	Every time.Duration
	Now   func() time.Time // default time.Now
	Log   zerolog.Logger
}

// Anonymous is the Who of an unauthenticated caller.
const Anonymous = "anonymous"

// Other is the address of the entry shared by addresses beyond Options.Addresses.
const Other = "other"

// Trail writes audit entries, aggregating refused anonymous ones. It is a
// prometheus.Collector of argus_audit_anonymous_refused_total (the calls
// counted) and argus_audit_anonymous_entries_total (the entries written for them).
type Trail struct {
	o       Options
	mu      sync.Mutex
	minutes map[time.Time]map[string]*tally // minute → address → what it tried
	refused prometheus.Counter
	entries prometheus.Counter
}

// tally is one address's refused anonymous calls in one minute.
type tally struct {
	n       int64
	calls   map[string]int64 // "action status" → count
	objects []string         // the first few objects tried (user names, cameras)
}

// New builds a Trail; Run writes its aggregates.
func New(o Options) *Trail {
	if o.Addresses <= 0 {
		o.Addresses = 1000
	}
	if o.Every <= 0 {
		o.Every = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Trail{o: o, minutes: map[time.Time]map[string]*tally{},
		refused: prometheus.NewCounter(prometheus.CounterOpts{Name: "argus_audit_anonymous_refused_total",
			Help: "Refused anonymous calls counted into aggregate audit entries."}),
		entries: prometheus.NewCounter(prometheus.CounterOpts{Name: "argus_audit_anonymous_entries_total",
			Help: "Aggregate audit entries written for refused anonymous calls (one per address and minute)."})}
}

// Describe describes the trail's counters.
func (t *Trail) Describe(ch chan<- *prometheus.Desc) {
	t.refused.Describe(ch)
	t.entries.Describe(ch)
}

// Collect collects the trail's counters.
func (t *Trail) Collect(ch chan<- prometheus.Metric) {
	t.refused.Collect(ch)
	t.entries.Collect(ch)
}

// Aggregated reports whether e is a refused anonymous call, which Audit counts rather than writes.
func Aggregated(e store.AuditEntry) bool { return e.Who == Anonymous && e.Status >= 400 }

// Audit writes e, or counts it when Aggregated(e).
func (t *Trail) Audit(ctx context.Context, e store.AuditEntry) error {
	if !Aggregated(e) {
		return t.o.Store.Audit(ctx, e)
	}
	t.refused.Inc()
	minute := t.o.Now().UTC().Truncate(time.Minute)
	key := addrKey(e.Addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.minutes[minute]
	if m == nil {
		m = map[string]*tally{}
		t.minutes[minute] = m
	}
	tl := m[key]
	if tl == nil {
		if len(m) >= t.o.Addresses {
			key = Other
			tl = m[key]
		}
		if tl == nil {
			tl = &tally{calls: map[string]int64{}}
			m[key] = tl
		}
	}
	tl.n++
	call := fmt.Sprintf("%s %d", e.Action, e.Status)
	if _, ok := tl.calls[call]; ok || len(tl.calls) < maxCalls {
		tl.calls[call]++
	}
	if e.Object != "" && len(tl.objects) < maxObjects && !slices.Contains(tl.objects, e.Object) {
		tl.objects = append(tl.objects, e.Object)
	}
	return nil
}

// Bounds of one aggregate entry's detail.
const (
	maxCalls   = 16 // distinct action and status pairs
	maxObjects = 8
)

// Run writes each finished minute's aggregates every Options.Every, and
// all of them when ctx ends.
func (t *Trail) Run(ctx context.Context) error {
	tick := time.NewTicker(t.o.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			t.Flush(context.WithoutCancel(ctx), true)
			return nil
		case <-tick.C:
			t.Flush(ctx, false)
		}
	}
}

// Flush writes the aggregates of finished minutes (all of them when all
// is set); a store failure is logged and the aggregate dropped.
func (t *Trail) Flush(ctx context.Context, all bool) {
	now := t.o.Now().UTC().Truncate(time.Minute)
	t.mu.Lock()
	var due []store.AuditEntry
	for minute, m := range t.minutes {
		if !all && !minute.Before(now) {
			continue
		}
		for addr, tl := range m {
			due = append(due, tl.entry(minute, addr))
		}
		delete(t.minutes, minute)
	}
	t.mu.Unlock()
	for _, e := range due {
		t.entries.Inc()
		if err := t.o.Store.Audit(ctx, e); err != nil {
			t.o.Log.Error().Err(err).Str("addr", e.Addr).Int64("count", e.Count).Msg("aggregated audit entry not written")
		}
	}
}

// entry is the tally as one audit entry: the single action and object
// when there was one, else "anonymous.refused" and the breakdown in detail.
func (tl *tally) entry(minute time.Time, addr string) store.AuditEntry {
	e := store.AuditEntry{Time: minute, Who: Anonymous, Action: "anonymous.refused", Addr: addr, Count: tl.n}
	var parts []string
	var top int64
	for call, n := range tl.calls {
		parts = append(parts, fmt.Sprintf("%s ×%d", call, n))
		action, status, _ := strings.Cut(call, " ")
		if n > top {
			top = n
			fmt.Sscan(status, &e.Status)
		}
		if len(tl.calls) == 1 {
			e.Action = action
		}
	}
	slices.Sort(parts)
	if len(tl.objects) == 1 {
		e.Object = tl.objects[0]
	}
	e.Detail = fmt.Sprintf("%d refused anonymous calls in the minute: %s", tl.n, strings.Join(parts, ", "))
	if len(tl.objects) > 0 {
		e.Detail += "; tried: " + strings.Join(tl.objects, ", ")
	}
	return e
}

// addrKey is the address an aggregate counts by: an IPv6 address's /64.
func addrKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		if addr == "" {
			return "unknown"
		}
		return addr
	}
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.Unmap().String()
}

package incidents

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/gateway/notify"
	"github.com/argus-edge/argus/gateway/store"
)

// storeTimeout bounds one store write of an incident change.
const storeTimeout = 10 * time.Second

// Service runs an Engine on the store: it restores the open incidents at
// Start, writes every change, and tells listeners (the console's event
// stream) of every incident changed. Build it with NewService.
type Service struct {
	eng      *Engine
	st       store.Store
	log      zerolog.Logger
	mu       sync.Mutex                    // one decision and its write at a time, in order
	hub      *notify.Hub[[]store.Incident] // changes told together go out together
	every    time.Duration                 // how often held news go out (coalesce.go); 0: at once
	held     coalescer
	failed   atomic.Uint64
	opened   [4]atomic.Uint64 // by rule, in the order of rules (metrics.go)
	leads    func() bool      // nil: this gateway alone groups
	leading  bool             // under mu: grouped the last record
	kept     []store.Anomaly  // under mu: records seen while another replica grouped, the latest maxKept
	dispatch Dispatcher
}

// Options configure a Service beyond its store and rules.
type Options struct {
	Env Env
	// Buffer is each listener's queue, in notifications (default
	// notify.DefaultBuffer): a change told at once, or the changes of a
	// batch or of a coalescing period together.
	Buffer int
	// Coalesce: an incident that only gained members or ended one is told
	// to the listeners at most once per this period, by Run (0: every change at once).
	Coalesce time.Duration
	// Leads, when set, tells whether this replica groups now (the store's
	// Leader "incidents"): of replicas sharing a store exactly one groups,
	// every record (the ones the others applied too), so a real event is
	// one incident. A replica taking the lead starts again from the
	// incidents stored open. Nil: this gateway groups alone.
	Leads func() bool
	// Dispatch, when set, is told every fire or smoke joining a fire area
	// incident, after the grouping (gateway/patrol's auto_dispatch: one
	// drone per incident, it keeps count). It calls line with what it did
	// (a patrol launched, or why none went), which goes on the incident's timeline.
	Dispatch Dispatcher
	Log      zerolog.Logger
}

// Dispatcher sends a drone to look at a fire incident, at most once per
// incident; line, when it acted, gets the timeline's text (see Options.Dispatch).
type Dispatcher func(incident string, a store.Anomaly, line func(text string))

// NewService makes a Service grouping by rules, writing to st.
func NewService(st store.Store, r Rules, o Options) (*Service, error) {
	if st == nil {
		return nil, errors.New("incidents: no store")
	}
	eng, err := New(r, o.Env)
	if err != nil {
		return nil, err
	}
	return &Service{eng: eng, st: st, log: o.Log.With().Str("component", "incidents").Logger(), every: o.Coalesce,
		hub: notify.New[[]store.Incident](o.Buffer), leads: o.Leads, dispatch: o.Dispatch}, nil
}

// Engine is the service's engine (its rules, its size).
func (s *Service) Engine() *Engine {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eng
}

// Start restores the incidents still open whose last event is within a
// day of now, with their members, so that grouping goes on after a restart.
func (s *Service) Start(ctx context.Context, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.leading = s.leads == nil || s.leads()
	return s.restore(ctx, s.eng, now)
}

// restore puts the incidents stored open into eng.
func (s *Service) restore(ctx context.Context, eng *Engine, now time.Time) error {
	incs, err := s.st.OpenIncidents(ctx, now.Add(-maxIdle))
	if err != nil {
		return fmt.Errorf("incidents: restore: %w", err)
	}
	for _, inc := range incs {
		full, err := s.st.Incident(ctx, inc.ID) // with its latest timeline: which members ended
		if err != nil {
			return fmt.Errorf("incidents: restore %s: %w", inc.ID, err)
		}
		ms, err := s.st.IncidentMembers(ctx, inc.ID, 0)
		if err != nil {
			return fmt.Errorf("incidents: restore %s: %w", inc.ID, err)
		}
		eng.Restore(full, ms)
	}
	s.log.Info().Int("incidents", len(incs)).Msg("restored open incidents")
	return nil
}

// Observe groups one applied anomaly record and writes what changed.
// offWall tells that the anomaly's camera needs no tile of its own on the
// wall: it joined a site outage (one banner), or a fire area that has a
// member as severe (one tile per incident, its most severe camera's). A
// write that fails is logged and counted; the anomaly itself is stored
// already, and the next change of the incident writes it whole again.
func (s *Service) Observe(a store.Anomaly) (offWall bool) {
	offWall, fire := s.observe(a)
	if fire != "" && s.dispatch != nil {
		s.dispatch(fire, a, func(text string) { s.patrolLine(fire, a, text) })
	}
	return offWall
}

// observe groups a under the lock; fire names the fire area incident a
// joined, for Dispatch.
func (s *Service) observe(a store.Anomaly) (offWall bool, fire string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.lead() {
		s.keep(a)
		return false, ""
	}
	for _, ch := range s.eng.Observe(a) {
		s.write(ch)
		joined := ch.Incident.Merged == "" && slices.ContainsFunc(ch.Added, func(m store.IncidentMember) bool { return m.Anomaly == a.ID })
		if joined && (ch.Incident.Rule == store.RuleOutage || ch.Incident.Rule == store.RuleArea && ch.Outranked) {
			offWall = true
		}
		if joined && ch.Incident.Rule == store.RuleArea && a.Verifies == "" {
			fire = ch.Incident.ID
		}
	}
	return offWall, fire
}

// patrolLine puts what auto_dispatch did for an incident on its timeline.
func (s *Service) patrolLine(id string, a store.Anomaly, text string) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	en := store.IncidentEntry{At: time.Now().UTC(), What: EntryPatrol, Anomaly: a.ID, Camera: a.Camera, Kind: a.Kind, Text: text}
	if err := s.Record(ctx, id, en); err != nil {
		s.failed.Add(1)
		s.log.Error().Err(err).Str("incident", id).Msg("patrol not put on the incident's timeline")
	}
}

// EntryPatrol is the timeline line of a drone sent to look (or why none went).
const EntryPatrol = "patrol"

// Record adds a line to an incident's timeline (its state unchanged) and
// tells the listeners.
func (s *Service) Record(ctx context.Context, id string, en store.IncidentEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, _, err := s.st.HandleIncident(ctx, id, func(*store.Incident) (store.IncidentEntry, error) { return en, nil }, "")
	if err != nil {
		return err
	}
	s.tell(Change{Incident: inc}, true)
	return nil
}

// lead tells whether this replica groups now; one that just took the
// lead starts from the incidents stored open (the last holder's), with a
// fresh engine. Under mu.
func (s *Service) lead() bool {
	if s.leads == nil {
		return true
	}
	now := s.leads()
	if now && !s.leading {
		eng, err := New(s.eng.rules, s.eng.env)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
			err = s.restore(ctx, eng, time.Now())
			cancel()
		}
		if err != nil {
			s.log.Error().Err(err).Msg("took the grouping lead but cannot restore the open incidents; trying again with the next anomaly")
			return false
		}
		s.eng = eng
		s.log.Info().Int("incidents", eng.Len()).Int("kept", len(s.kept)).Msg("took the grouping lead")
		s.regroup()
	} else if !now && s.leading {
		s.log.Info().Msg("another replica groups now")
	}
	s.leading = now
	return now
}

// leadCheck is how often Run checks whether this replica took the lead.
const leadCheck = time.Second

// maxKept bounds the records a replica keeps while another groups: the
// last ones, which the other may have left ungrouped when it went. Those
// it grouped change nothing when grouped again.
const maxKept = 10000

// keptFor is how far back (in event time, from the newest) a replica
// keeps records while another groups: the lead moves within a few seconds.
const keptFor = 30 * time.Second

// keep remembers a record seen while another replica groups. Under mu.
func (s *Service) keep(a store.Anomaly) {
	if len(s.kept) == maxKept {
		s.kept = append(s.kept[:0], s.kept[maxKept/2:]...)
	}
	s.kept = append(s.kept, a)
	newest := eventTime(a)
	i := 0
	for i < len(s.kept) && newest.Sub(eventTime(s.kept[i])) > keptFor {
		i++
	}
	s.kept = s.kept[i:]
}

// regroup groups the records kept while another replica grouped: those
// in no incident yet (the last holder went before it grouped them) are
// placed, those in an incident restored update it (an end), those in a
// resolved one are left. Under mu, once the lead is taken.
func (s *Service) regroup() {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	for _, a := range s.kept {
		if id, _, err := s.st.IncidentOfAnomaly(ctx, a.ID); err != nil || id != "" && !s.eng.holds(a.ID) {
			continue // unknown, or in an incident no longer grouping (resolved): left as it is
		}
		for _, ch := range s.eng.Observe(a) {
			s.write(ch)
		}
	}
	s.kept = nil
}

// urgent tells whether listeners must hear of a change at once: an
// incident opened, merged away, or whose severity or state changed.
func (s *Service) urgent(ch Change) bool {
	if ch.Created || ch.Incident.Merged != "" {
		return true
	}
	for _, en := range ch.Entries {
		if en.What != "start" && en.What != "end" {
			return true // flapping, merged: the card changes its nature
		}
	}
	return false
}

// write stores one change and tells the listeners.
func (s *Service) write(ch Change) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if w, err := s.st.PutIncident(ctx, ch.Incident, ch.Added, ch.Entries); err != nil {
		s.failed.Add(1)
		s.log.Error().Err(err).Str("incident", ch.Incident.ID).Msg("incident change not stored")
	} else {
		// People's state, owner and notes as stored (set perhaps through
		// another replica): the engine follows them.
		ch.Incident = w
		s.eng.Acted(w)
	}
	s.logOpened(ch)
	s.tell(ch, s.urgent(ch))
}

// logOpened counts and logs an incident a change opened.
func (s *Service) logOpened(ch Change) {
	if !ch.Created {
		return
	}
	if i := slices.Index(rules, ch.Incident.Rule); i >= 0 {
		s.opened[i].Add(1)
	}
	s.log.Info().Str("incident", ch.Incident.ID).Str("site", ch.Incident.Site).Str("rule", ch.Incident.Rule).
		Str("kind", ch.Incident.Kind).Msg("incident opened")
}

// Act does what a person asked on an incident, in the store's one
// transaction: acknowledging or resolving it does the same to its member
// anomalies not yet that far (each keeps its first handling). The engine
// takes the outcome (a resolved incident takes no more members). It
// returns the incident as stored, with its timeline, and how many member
// anomalies changed.
func (s *Service) Act(ctx context.Context, id string, act Action) (store.Incident, int64, error) {
	if act.At.IsZero() {
		act.At = time.Now().UTC()
	}
	members := ""
	switch act.What {
	case ActAck:
		members = store.StatusAcknowledged
	case ActResolve:
		members = store.StatusResolved
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, n, err := s.st.HandleIncident(ctx, id, func(inc *store.Incident) (store.IncidentEntry, error) {
		return Apply(inc, act)
	}, members)
	if err != nil {
		return store.Incident{}, 0, err
	}
	s.eng.Acted(inc)
	s.tell(Change{Incident: inc}, true)
	out, err := s.st.Incident(ctx, id)
	return out, n, err
}

// MemberResolved keeps an incident consistent with its members when a
// person resolves one anomaly on its own: once no member is left
// unresolved, the incident is resolved too, by the same person, with a
// line saying why. Acknowledging a member leaves its incident as it is
// (taking on an incident is a decision of its own). It returns the
// incident resolved, ok false when nothing changed.
func (s *Service) MemberResolved(ctx context.Context, anomaly, who string) (store.Incident, bool, error) {
	id, open, err := s.st.IncidentOfAnomaly(ctx, anomaly)
	if err != nil || id == "" || open > 0 {
		return store.Incident{}, false, err
	}
	inc, err := s.st.Incident(ctx, id)
	if err != nil || inc.State == store.StatusResolved {
		return store.Incident{}, false, err
	}
	out, _, err := s.Act(ctx, id, Action{What: ActResolve, By: who, Text: "its last open member " + anomaly + " was resolved"})
	return out, err == nil, err
}

// Subscribe calls fn with every incident changed, in order, on a goroutine
// of its own, until cancel (notify.Hub: a slow fn misses changes).
func (s *Service) Subscribe(fn func(store.Incident)) (cancel func()) {
	return s.hub.Subscribe(func(incs []store.Incident) {
		for _, inc := range incs {
			fn(inc)
		}
	})
}

// SubscribeBatch calls fn with the incidents Subscribe's fn gets, in the
// same order, those told together in one call (a batch's urgent changes,
// a coalescing period's held ones: in a typhoon hundreds every quarter
// second, which the console's event stream fans out under one lock), on a
// goroutine of its own, until cancel. A slow fn misses calls.
func (s *Service) SubscribeBatch(fn func([]store.Incident)) (cancel func()) {
	return s.hub.Subscribe(fn)
}

// Failed counts the incident changes the store refused.
func (s *Service) Failed() uint64 { return s.failed.Load() }

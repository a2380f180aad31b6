package replays

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// Commander carries a command to an edge and returns its reply
// (gateway/directory.Directory).
type Commander interface {
	Command(ctx context.Context, edge string, cmd bus.Command) (bus.Reply, error)
}

// Anomalies lists the store's anomalies (gateway/store.Store).
type Anomalies interface {
	Anomalies(ctx context.Context, q store.AnomalyQuery) (store.Page[store.Anomaly], error)
}

// Options configure the service.
type Options struct {
	Edges     Commander
	Anomalies Anomalies
	// Keep is how many replays are kept (default 50); the oldest finished
	// one goes first.
	Keep int
	// Timeout bounds an edge's answer to a command (default 10 s).
	Timeout time.Duration
	Log     zerolog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Request is what an operator asks: a candidate over a site's cameras.
type Request struct {
	Site string
	// By is who asked.
	By string
	// Version is the candidate's version and Document its rule set.
	Version  int
	Document []byte
	From, To time.Time
	// Cameras maps each camera to replay to the edge that owns it.
	Cameras map[string]string
}

// ErrNotFound is returned for a replay that is not (or no longer) kept.
var ErrNotFound = errors.New("no such replay (replays are kept in memory, the last 50)")

// Service runs replays and keeps their state.
type Service struct {
	o   Options
	log zerolog.Logger

	mu    sync.Mutex
	order []string // ids, oldest first
	runs  map[string]*Replay
}

// New returns a service with no replay.
func New(o Options) *Service {
	if o.Keep <= 0 {
		o.Keep = 50
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{o: o, log: o.Log.With().Str("component", "replays").Logger(), runs: map[string]*Replay{}}
}

// Start sends the request to the edges that own its cameras and returns
// the replay. An edge that refuses (another replay running there, an
// order it finds bad) or does not answer fails its part with why; the
// replay fails only when every edge did.
func (s *Service) Start(ctx context.Context, req Request) (View, error) {
	if len(req.Cameras) == 0 {
		return View{}, errors.New("no camera to replay")
	}
	byEdge := map[string][]string{}
	for cam, edge := range req.Cameras {
		byEdge[edge] = append(byEdge[edge], cam)
	}
	r := &Replay{ID: newID(), Site: req.Site, By: req.By, Version: req.Version, From: req.From.UTC(), To: req.To.UTC(),
		Created: s.o.Now().UTC(), Edges: map[string]*Part{}}
	for edge, cams := range byEdge {
		slices.Sort(cams)
		r.Cameras = append(r.Cameras, cams...)
		r.Edges[edge] = &Part{Edge: edge, Cameras: cams, State: bus.ReplayQueued}
	}
	slices.Sort(r.Cameras)
	s.keep(r)
	s.log.Info().Str("replay", r.ID).Str("site", r.Site).Str("by", r.By).Int("version", r.Version).
		Strs("cameras", r.Cameras).Int("edges", len(r.Edges)).Msg("replay started")
	var wg sync.WaitGroup
	for edge, part := range r.Edges {
		order := bus.ReplayOrder{ID: r.ID, Site: r.Site, Cameras: part.Cameras, Rules: string(req.Document), Version: r.Version,
			From: bus.At(r.From), To: bus.At(r.To)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
			defer cancel()
			rep, err := s.o.Edges.Command(cctx, edge, bus.Command{Action: bus.ActionReplayStart, Replay: &order})
			if err == nil && !rep.OK {
				err = errors.New(rep.Error)
			}
			if err != nil {
				s.Report(edge, bus.ReplayReport{ID: r.ID, Edge: edge, State: bus.ReplayFailed, Message: err.Error()})
			}
		}()
	}
	wg.Wait()
	return s.Get(ctx, r.ID)
}

// Cancel asks every edge still running the replay to stop.
func (s *Service) Cancel(ctx context.Context, id string) (View, error) {
	s.mu.Lock()
	r, ok := s.runs[id]
	var edges []string
	if ok {
		for e, p := range r.Edges {
			if !p.final() {
				edges = append(edges, e)
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		return View{}, ErrNotFound
	}
	for _, edge := range edges {
		cctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
		rep, err := s.o.Edges.Command(cctx, edge, bus.Command{Action: bus.ActionReplayCancel, Replay: &bus.ReplayOrder{ID: id}})
		cancel()
		if err != nil || !rep.OK {
			// the edge is gone or the replay ended there: it is over either way
			msg := rep.Error
			if err != nil {
				msg = err.Error()
			}
			s.Report(edge, bus.ReplayReport{ID: id, Edge: edge, State: bus.ReplayCancelled, Message: "cancel: " + msg})
		}
	}
	return s.Get(ctx, id)
}

// Report takes an edge's report (from argus/v1/replays/{edge}); reports
// of unknown replays, of edges not asked, or after the part's end are
// dropped.
func (s *Service) Report(edge string, rep bus.ReplayReport) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.runs[rep.ID]
	if !ok {
		return
	}
	p, ok := r.Edges[edge]
	if !ok || p.final() {
		return
	}
	p.take(rep, s.o.Now())
	if r.final() && r.Finished.IsZero() {
		r.Finished = s.o.Now().UTC()
		s.log.Info().Str("replay", r.ID).Str("state", r.state()).Msg("replay ended")
	}
}

// Get returns a replay's progress and, once every edge is done, its
// comparison with the live version over the same range.
func (s *Service) Get(ctx context.Context, id string) (View, error) {
	s.mu.Lock()
	r, ok := s.runs[id]
	var v View
	if ok {
		v = r.view()
	}
	done := ok && r.final()
	s.mu.Unlock()
	if !ok {
		return View{}, ErrNotFound
	}
	if done {
		live, err := s.live(ctx, v)
		if err != nil {
			return View{}, err
		}
		v.compare(live)
	}
	return v, nil
}

// List returns the kept replays of the sites covers admits, newest first,
// without their anomalies.
func (s *Service) List(covers func(site string) bool) []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []View
	for i := len(s.order) - 1; i >= 0; i-- {
		r := s.runs[s.order[i]]
		if covers(r.Site) {
			v := r.view()
			v.Candidate = nil
			out = append(out, v)
		}
	}
	return out
}

// keep files a new replay, forgetting the oldest finished ones past Keep.
func (s *Service) keep(r *Replay) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs[r.ID] = r
	s.order = append(s.order, r.ID)
	for i := 0; len(s.order) > s.o.Keep && i < len(s.order); {
		if old := s.runs[s.order[i]]; old.final() {
			delete(s.runs, old.ID)
			s.order = slices.Delete(s.order, i, i+1)
			continue
		}
		i++
	}
}

// maxLive bounds the live anomalies read for one comparison.
const maxLive = 5000

// live reads what the live version raised on the replay's cameras in its
// range: the store's live anomalies that started in it.
func (s *Service) live(ctx context.Context, v View) ([]bus.ReplayAnomaly, error) {
	f := false
	q := store.AnomalyQuery{Sites: []string{v.Site}, Shadow: &f, From: v.From, To: v.To, Limit: 500}
	var out []bus.ReplayAnomaly
	for len(out) < maxLive {
		page, err := s.o.Anomalies.Anomalies(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("replay %s: live anomalies: %w", v.ID, err)
		}
		for _, a := range page.Items {
			if slices.Contains(v.Cameras, a.Camera) && a.Kind != bus.KindCameraOffline {
				out = append(out, liveAnomaly(a, v.To))
			}
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	return out, nil
}

// liveAnomaly is a stored anomaly as a replay lists it; one not ended by
// the range's end is open there.
func liveAnomaly(a store.Anomaly, to time.Time) bus.ReplayAnomaly {
	out := bus.ReplayAnomaly{ID: a.ID, Camera: a.Camera, Kind: a.Kind, Rule: a.Rule, Severity: a.Severity, Score: a.Score,
		Box: a.Box, Start: bus.At(a.StartedAt), End: bus.At(a.EndedAt)}
	if a.EndedAt.IsZero() || a.EndedAt.After(to) {
		out.End, out.Open = bus.At(to), true
	}
	return out
}

// newID returns "r" and 12 random hex digits.
func newID() string {
	var b [6]byte
	rand.Read(b[:])
	return "r" + hex.EncodeToString(b[:])
}

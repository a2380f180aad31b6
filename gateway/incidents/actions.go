package incidents

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// Actions people take on an incident.
const (
	ActAck     = "ack"
	ActResolve = "resolve"
	ActNote    = "note"
	ActAssign  = "assign"
)

// ErrAction is a refused action: the API answers 400 (it wraps store.ErrInvalid).
var ErrAction = fmt.Errorf("incidents: %w", store.ErrInvalid)

// Action is one thing a person does to an incident.
type Action struct {
	What string // ActAck, ActResolve, ActNote or ActAssign
	By   string
	Text string // a note; for assign, the new owner ("" unassigns)
	At   time.Time
}

// maxNote bounds a note's length in bytes.
const maxNote = 4000

// Apply does act on inc and returns its timeline entry. Acknowledging a
// resolved incident changes nothing; resolving takes it out of grouping
// (the engine's job, see Engine.Act).
func Apply(inc *store.Incident, act Action) (store.IncidentEntry, error) {
	if len(act.Text) > maxNote {
		return store.IncidentEntry{}, fmt.Errorf("%w: text of %d bytes, at most %d", ErrAction, len(act.Text), maxNote)
	}
	en := store.IncidentEntry{At: act.At, What: act.What, By: act.By, Text: act.Text}
	switch act.What {
	case ActAck:
		if inc.State == store.StatusOpen {
			inc.State = store.StatusAcknowledged
		}
	case ActResolve:
		inc.State = store.StatusResolved
	case ActNote:
		if act.Text == "" {
			return store.IncidentEntry{}, fmt.Errorf("%w: an empty note", ErrAction)
		}
		inc.Notes = append(inc.Notes, store.IncidentNote{At: act.At, By: act.By, Text: act.Text})
	case ActAssign:
		inc.Owner = act.Text
	default:
		return store.IncidentEntry{}, fmt.Errorf("%w: action %q is not ack, resolve, note or assign", ErrAction, act.What)
	}
	if act.What != ActNote && act.Text != "" && act.What != ActAssign {
		inc.Notes = append(inc.Notes, store.IncidentNote{At: act.At, By: act.By, Text: act.Text})
	}
	return en, nil
}

// ErrNotHeld: the engine does not hold the incident (resolved, merged or
// past its windows); act on the stored record instead.
var ErrNotHeld = errors.New("incidents: not held by the engine")

// Act applies act to an incident the engine holds and returns the
// change; a resolved incident takes no more members.
func (e *Engine) Act(id string, act Action) (Change, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.open[id]
	if g == nil {
		return Change{}, ErrNotHeld
	}
	en, err := Apply(&g.inc, act)
	if err != nil {
		return Change{}, err
	}
	g.entry(en)
	if g.inc.State == store.StatusResolved {
		e.drop(g)
	}
	return g.change(), nil
}

// Acted takes what people decided on an incident, as stored: its state,
// owner and notes; a resolved incident takes no more members.
func (e *Engine) Acted(inc store.Incident) {
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.open[inc.ID]
	if g == nil {
		return
	}
	g.inc.State, g.inc.Owner, g.inc.Notes = inc.State, inc.Owner, slices.Clone(inc.Notes)
	if inc.State == store.StatusResolved {
		e.drop(g)
	}
}

// Restore puts an incident read from the store (open or acknowledged,
// with its latest timeline) back with its members, as at a restart; its members' later events find
// it again, and new anomalies join it by the rules while its windows last.
func (e *Engine) Restore(inc store.Incident, members []store.IncidentMember) {
	if inc.State == store.StatusResolved {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g := &group{inc: inc, ids: map[string]bool{}, active: map[string]bool{}, cams: map[string]bool{},
		sites: map[string]bool{}, edges: map[string]bool{}, rank: -1, list: members}
	switch inc.Rule {
	case store.RuleOutage:
		g.key = siteKey(inc.Site)
		if inc.PowerArea != "" {
			g.key = powerKey(inc.PowerArea)
		}
	case store.RuleRepeat, store.RuleFlapping:
		if len(members) > 0 {
			g.key = camKey(members[0].Camera, inc.Kind)
		}
	}
	ended := map[string]bool{}
	for _, en := range inc.Timeline {
		ended[en.Anomaly] = ended[en.Anomaly] || en.What == bus.StateEnd
	}
	for _, m := range members {
		g.ids[m.Anomaly], g.cams[m.Camera], g.sites[m.Site] = true, true, true
		if m.Edge != "" {
			g.edges[m.Edge] = true
		}
		if !ended[m.Anomaly] { // or its end is among the dropped: the sweep's maxIdle forgets it
			g.active[m.Anomaly] = true
		}
		e.members[m.Anomaly] = g
		if inc.Rule == store.RuleArea {
			if loc, ok := e.locateCamera(m.Camera); ok {
				g.locs = append(g.locs, e.sight(m.Camera, loc))
			}
		}
		if inc.Rule != store.RuleArea && m.At.After(inc.Last.Add(-e.rules.FlapWindow)) {
			g.starts = append(g.starts, m.At)
		}
	}
	g.rank = bus.SeverityRank(inc.Highest)
	if inc.Last.After(e.latest) {
		e.latest = inc.Last
	}
	e.track(g)
}

// locateCamera is Env.Locate, false without one.
func (e *Engine) locateCamera(camera string) (bus.Geo, bool) {
	if e.env.Locate == nil {
		return bus.Geo{}, false
	}
	return e.env.Locate(camera)
}

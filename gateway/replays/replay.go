package replays

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// Replay is one replay as the gateway follows it.
type Replay struct {
	ID       string
	Site     string
	By       string
	Version  int
	From, To time.Time
	Cameras  []string
	Created  time.Time
	Finished time.Time
	// Edges are the parts of the replay, one per edge that owns cameras.
	Edges map[string]*Part
}

// Part is one edge's share of a replay.
type Part struct {
	Edge     string              `json:"edge"`
	Cameras  []string            `json:"cameras"`
	State    string              `json:"state"`
	Fraction float64             `json:"fraction"`
	Media    float64             `json:"media_s"`
	Total    float64             `json:"total_s"`
	Rate     float64             `json:"rate"`
	CPURate  float64             `json:"cpu_rate,omitempty"`
	Message  string              `json:"message,omitempty"`
	Missing  []string            `json:"missing,omitempty"`
	Updated  time.Time           `json:"updated"`
	found    []bus.ReplayAnomaly // the candidate's, once done
}

func (p *Part) final() bool {
	return p.State == bus.ReplayDone || p.State == bus.ReplayFailed || p.State == bus.ReplayCancelled
}

// take applies an edge's report.
func (p *Part) take(rep bus.ReplayReport, now time.Time) {
	p.State, p.Message, p.Missing, p.Updated = rep.State, rep.Message, rep.Missing, now.UTC()
	if rep.Total > 0 || rep.Media > 0 {
		p.Fraction, p.Media, p.Total, p.Rate, p.CPURate = rep.Fraction, rep.Media, rep.Total, rep.Rate, rep.CPURate
	}
	if rep.State == bus.ReplayDone {
		p.Fraction, p.found = 1, rep.Anomalies
	}
}

func (r *Replay) final() bool {
	for _, p := range r.Edges {
		if !p.final() {
			return false
		}
	}
	return true
}

// state is the replay's as a whole: running while a part runs (paused
// when every part still running is paused), then done when a part is
// done (failed parts are listed), failed when all failed, cancelled when
// one was and none is done.
func (r *Replay) state() string {
	counts := map[string]int{}
	for _, p := range r.Edges {
		counts[p.State]++
	}
	switch n := len(r.Edges); {
	case counts[bus.ReplayRunning] > 0:
		return bus.ReplayRunning
	case counts[bus.ReplayPaused] > 0:
		return bus.ReplayPaused
	case counts[bus.ReplayQueued] > 0:
		return bus.ReplayQueued
	case counts[bus.ReplayDone] > 0:
		return bus.ReplayDone
	case counts[bus.ReplayFailed] == n:
		return bus.ReplayFailed
	}
	return bus.ReplayCancelled
}

// View is a replay as the API answers it.
type View struct {
	ID       string    `json:"id"`
	Site     string    `json:"site"`
	By       string    `json:"by"`
	Version  int       `json:"version"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Cameras  []string  `json:"cameras"`
	Created  time.Time `json:"created"`
	Finished time.Time `json:"finished,omitzero"`
	State    string    `json:"state"`
	// Fraction, Media, Total and Rate are over every edge: media seconds
	// replayed of all, and the sum of the edges' rates while they ran
	// (× real time).
	Fraction float64 `json:"fraction"`
	Media    float64 `json:"media_s"`
	Total    float64 `json:"total_s"`
	Rate     float64 `json:"rate"`
	// Message is a paused or failed part's word (the first).
	Message string `json:"message,omitempty"`
	Edges   []Part `json:"edges"`
	// Candidate is what the candidate raised (once done).
	Candidate []bus.ReplayAnomaly `json:"candidate,omitempty"`
	// Summary counts the rows by side, Rows lists them (once done).
	Summary map[string]int `json:"summary,omitempty"`
	Rows    []Row          `json:"rows,omitempty"`
}

// Row is one line of the comparison with the clips to look at.
type Row struct {
	bus.ReplayRow
	// Clip is the live anomaly's clip (/api/anomalies/{id}/clip), or for
	// an anomaly only the candidate raised, the recording of its time
	// with 10 s around (/api/cameras/{id}/recordings/export?from=&to=).
	Clip string `json:"clip"`
}

// clipMargin is the footage shown around an anomaly only the candidate
// raised, as the edge's clips hold a pre- and post-roll.
const clipMargin = 10 * time.Second

func (r *Replay) view() View {
	v := View{ID: r.ID, Site: r.Site, By: r.By, Version: r.Version, From: r.From, To: r.To, Cameras: r.Cameras,
		Created: r.Created, Finished: r.Finished, State: r.state()}
	edges := make([]string, 0, len(r.Edges))
	for e := range r.Edges {
		edges = append(edges, e)
	}
	slices.Sort(edges)
	for _, e := range edges {
		p := r.Edges[e]
		v.Edges = append(v.Edges, *p)
		v.Media += p.Media
		v.Total += p.Total
		v.Rate += p.Rate // each edge's rate while it ran
		if v.Message == "" && (p.State == bus.ReplayPaused || p.State == bus.ReplayFailed) {
			v.Message = p.Edge + ": " + p.Message
		}
		v.Candidate = append(v.Candidate, p.found...)
	}
	if v.Total > 0 {
		v.Fraction = min(1, v.Media/v.Total)
	}
	if r.final() && v.State == bus.ReplayDone {
		v.Fraction = 1
	}
	return v
}

// compare fills the rows from the candidate's anomalies and the live ones.
func (v *View) compare(live []bus.ReplayAnomaly) {
	if v.State != bus.ReplayDone {
		return
	}
	v.Summary = map[string]int{bus.ReplayBoth: 0, bus.ReplayOnlyCandidate: 0, bus.ReplayOnlyLive: 0}
	for _, row := range bus.CompareReplay(v.Candidate, live) {
		v.Summary[row.Side]++
		r := Row{ReplayRow: row}
		if row.Live != nil {
			r.Clip = "/api/anomalies/" + url.PathEscape(row.Live.ID) + "/clip"
		} else {
			r.Clip = exportLink(row.Camera, row.Candidate.Start.Add(-clipMargin), row.Candidate.End.Add(clipMargin))
		}
		v.Rows = append(v.Rows, r)
	}
}

// exportLink is the gateway's export of a camera's recording of [from, to).
func exportLink(camera string, from, to time.Time) string {
	q := url.Values{"from": {from.UTC().Format(time.RFC3339)}, "to": {to.UTC().Format(time.RFC3339)}}
	return fmt.Sprintf("/api/cameras/%s/recordings/export?%s", url.PathEscape(camera), q.Encode())
}

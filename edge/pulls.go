package main

import (
	"slices"
	"sync"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/drone"
	"github.com/argus-edge/argus/edge/ingest"
	"github.com/argus-edge/argus/edge/record"
)

// pulls is what the edge pulls and analyses: the cameras of its config
// file, or in fleet mode the cameras of its last assignment, under the
// file's other settings. Both a config reload and a fleet Work go through
// it, one at a time, so neither undoes the other.
type pulls struct {
	m   *ingest.Manager
	an  *analyze.Manager
	rs  *ruleSets
	dm  *drone.Manager   // nil without drones
	rec *record.Recorder // nil in tests that record nothing

	mu       sync.Mutex
	file     *configs.Edge    // the running config file
	assigned []configs.Camera // fleet mode: the cameras of the last Work
}

// setFile applies a (re)loaded config file.
func (p *pulls) setFile(cfg *configs.Edge) ingest.Changes {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.file = cfg
	return p.apply()
}

// assign applies a fleet assignment's cameras. Cameras it no longer lists
// are stopped when it returns: the fleet's break-before-make rests on it.
func (p *pulls) assign(cams []configs.Camera) ingest.Changes {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.assigned = cams
	return p.apply()
}

// apply hands the effective config to ingest (which stops removed cameras
// before it returns), the analysis and the rule set files.
func (p *pulls) apply() ingest.Changes {
	eff := *p.file
	if eff.Fleet != nil {
		eff.Cameras = p.assigned
	}
	// The drones' video feeds are cameras of this edge in either mode: a
	// drone's link is here.
	cfg := withDroneVideo(&eff)
	ch := p.m.Apply(cfg)
	p.an.Apply(withDroneGeo(analysed(cfg), p.dm))
	p.rs.follow(ruleSites(cfg))
	if p.rec != nil {
		p.rec.Apply(recordPolicies(cfg))
	}
	return ch
}

// ruleSites are the sites whose rule set files the edge follows: those
// its config declares and, in fleet mode, those of its assigned cameras.
func ruleSites(cfg *configs.Edge) []string {
	ids := siteIDs(cfg)
	for _, c := range cfg.Cameras {
		if !slices.Contains(ids, c.Site) {
			ids = append(ids, c.Site)
		}
	}
	return ids
}

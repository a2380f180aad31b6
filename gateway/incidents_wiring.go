package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/config"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/incidents"
	"github.com/argus-edge/argus/gateway/patrol"
	"github.com/argus-edge/argus/gateway/store"
)

// locateTimeout bounds one read of the inventory's change feed (camerafacts.go).
const locateTimeout = 2 * time.Second

// incidentNews is how often an incident that only gained members is told
// to the consoles: a storm's outage redraws its card 4 times a second.
const incidentNews = 250 * time.Millisecond

// newIncidents builds the incident grouping on the store with the
// config's rules, cameras located (place, view, power area) by the inventory (mirrored by facts) and edges' states from
// the directory, and restores the incidents still open. Of replicas
// sharing a store the one holding lead groups (lead's Run, with the
// services'). Its Run (the services' run) sends the coalesced news.
func newIncidents(ctx context.Context, st store.Store, facts *cameraFacts, lead *store.Leader, dir *directory.Directory, rules incidents.Rules, dispatch incidents.Dispatcher, log zerolog.Logger) (*incidents.Service, error) {
	env := incidents.Env{
		Locate: func(id string) (bus.Geo, bool) {
			c, ok := facts.camera(id)
			if !ok || c.location == nil {
				return bus.Geo{}, false
			}
			return *c.location, true
		},
		View: func(id string) (incidents.View, bool) {
			c, ok := facts.camera(id)
			if !ok || c.view == nil {
				return incidents.View{}, false
			}
			return incidents.View{Heading: c.view.Heading, FOV: c.view.FOV, Range: c.view.Range}, true
		},
		PowerArea: func(id string) string {
			c, _ := facts.camera(id)
			return c.power
		},
		EdgeOffline: func(edge string) bool {
			for _, e := range dir.Edges() {
				if e.Edge == edge {
					return e.State == bus.Offline
				}
			}
			return false
		},
	}
	svc, err := incidents.NewService(st, rules, incidents.Options{Env: env, Coalesce: incidentNews, Leads: lead.Held, Dispatch: dispatch, Log: log})
	if err != nil {
		return nil, err
	}
	if err := svc.Start(ctx, time.Now()); err != nil {
		return nil, err
	}
	return svc, nil
}

// dispatchByIncident is auto_dispatch per fire incident: the drones'
// DispatchIncident, its launch or refusal as the incident's timeline line.
func dispatchByIncident(drones func() *patrol.Service) incidents.Dispatcher {
	return func(incident string, a store.Anomaly, line func(string)) {
		drones().DispatchIncident(incident, a, func(out patrol.Launched, err error) {
			if err != nil {
				line(fmt.Sprintf("auto_dispatch: no drone sent to look at %s on %s: %v", a.Kind, a.Camera, err))
				return
			}
			line(fmt.Sprintf("auto_dispatch: drone %s flies patrol %s (route %s) to look at %s on %s", out.Drone, out.Patrol, out.Route, a.Kind, a.Camera))
		})
	}
}

// wallGroups is alerts' Groups: with a shared store (PostgreSQL, replicas
// possible) the replica holding the grouping lead keeps the wall; with
// SQLite, one gateway, nil.
func wallGroups(cfg *config.Config, lead *store.Leader) func() bool {
	if cfg.Store.Driver != config.DriverPostgres {
		return nil
	}
	return lead.Held
}

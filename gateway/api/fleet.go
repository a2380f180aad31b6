package api

import (
	"context"
	"net/http"
	"slices"

	"github.com/argus-edge/argus/drivers/bus"
)

// Fleet is what the fleet knows of the edges (their heartbeats and
// assignments) and the operator's drain; the gateway's fleet wiring
// implements it. Nil on a gateway without one.
type Fleet interface {
	// FleetEdge is one edge as the fleet sees it.
	FleetEdge(edge string) (FleetEdge, bool)
	// FleetEdges lists the ids of the edges the fleet knows, sorted.
	FleetEdges() []string
	// Drain moves every camera off edge and gives it none until Undrain.
	Drain(ctx context.Context, edge, by string) error
	// Undrain lets edge take cameras again.
	Undrain(ctx context.Context, edge string) error
}

// FleetEdge is an edge's heartbeat and assignment.
type FleetEdge struct {
	Live     bool    `json:"live"`     // its heartbeat is current
	Capacity float64 `json:"capacity"` // declared in its heartbeat
	Load     float64 `json:"load"`     // CPU in use, from its heartbeat
	Draining bool    `json:"draining"` // the edge asked to be drained (its heartbeat)
	Drained  bool    `json:"drained"`  // an operator drained it (the API)
	Assigned int     `json:"assigned"` // cameras and drones its assignment lists
	Epoch    uint64  `json:"epoch"`    // the revision of its assignment
}

// withFleetEdges adds the edges the fleet knows that sent no MQTT status
// (a fleet-mode edge beats in JetStream first), as online or offline by
// their heartbeat.
func (s *Server) withFleetEdges(edges []bus.EdgeStatus) []bus.EdgeStatus {
	if s.opts.Fleet == nil {
		return edges
	}
	known := make(map[string]bool, len(edges))
	for _, e := range edges {
		known[e.Edge] = true
	}
	for _, id := range s.opts.Fleet.FleetEdges() {
		if known[id] {
			continue
		}
		fe, _ := s.opts.Fleet.FleetEdge(id)
		st := bus.Offline
		if fe.Live {
			st = bus.Online
		}
		edges = append(edges, bus.EdgeStatus{Edge: id, State: st, Load: fe.Load, Cameras: []string{}})
	}
	slices.SortFunc(edges, func(a, b bus.EdgeStatus) int {
		switch {
		case a.Edge < b.Edge:
			return -1
		case a.Edge > b.Edge:
			return 1
		}
		return 0
	})
	return edges
}

// fleetOf is the fleet's part of an edge's item (nil without a fleet or
// when the fleet does not know the edge).
func (s *Server) fleetOf(edge string) *FleetEdge {
	if s.opts.Fleet == nil {
		return nil
	}
	fe, ok := s.opts.Fleet.FleetEdge(edge)
	if !ok {
		return nil
	}
	return &fe
}

// drain moves every camera off an edge (admin of every site: an edge
// serves any site).
func (s *Server) drain(c *call) { s.setDrain(c, true) }

// undrain lets a drained edge take cameras again.
func (s *Server) undrain(c *call) { s.setDrain(c, false) }

func (s *Server) setDrain(c *call, on bool) {
	if !c.p.AllSites() {
		c.fail(http.StatusForbidden, `draining an edge needs an admin of every site ("*"): an edge serves any site`)
		return
	}
	if s.opts.Fleet == nil {
		c.fail(http.StatusConflict, "this gateway runs no fleet: edges with their own camera files cannot be drained")
		return
	}
	edge := c.r.PathValue("edge")
	if bus.ValidID(edge) != nil {
		c.fail(http.StatusBadRequest, "not an edge id: "+edge)
		return
	}
	var err error
	if on {
		err = s.opts.Fleet.Drain(c.r.Context(), edge, c.p.Name)
	} else {
		err = s.opts.Fleet.Undrain(c.r.Context(), edge)
	}
	if err != nil {
		s.log.Error().Err(err).Str("edge", edge).Bool("drain", on).Msg("drain")
		c.fail(http.StatusServiceUnavailable, "the fleet's backbone did not take it: try again")
		return
	}
	fe, _ := s.opts.Fleet.FleetEdge(edge)
	fe.Drained = on // the watch may not have brought it back yet
	c.ok(map[string]any{"edge": edge, "drained": on, "fleet": fe})
}

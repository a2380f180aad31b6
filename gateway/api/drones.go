package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/patrol"
)

// drones lists the drones of the caller's sites.
func (s *Server) drones(c *call) {
	items := []patrol.View{}
	if s.opts.Drones != nil {
		items = s.opts.Drones.Drones(c.p.Covers)
	}
	c.ok(map[string]any{"items": items})
}

// droneDetail is a drone with its site's airspace, for drawing.
type droneDetail struct {
	patrol.View
	Airspace patrol.Plan `json:"airspace"`
}

// drone is one drone and its site's plan.
func (s *Server) drone(c *call) {
	if v, ok := s.findDrone(c); ok {
		c.ok(droneDetail{View: v, Airspace: s.opts.Drones.Plan(v.Site)})
	}
}

// findDrone loads the drone of the path. Another site's drone answers
// 404, like an unknown one (the audit entry says why).
func (s *Server) findDrone(c *call) (patrol.View, bool) {
	id := c.r.PathValue("drone")
	var v patrol.View
	ok := s.opts.Drones != nil
	if ok {
		v, ok = s.opts.Drones.Drone(id)
	}
	if !ok {
		c.fail(http.StatusNotFound, "no drone "+id)
		return v, false
	}
	c.site = v.Site
	if !c.p.Covers(v.Site) {
		c.fail(http.StatusNotFound, "no drone "+id)
		c.detail = "outside the caller's sites (answered 404)"
		return v, false
	}
	return v, true
}

// routeOf reads {"route": name}.
func (c *call) routeOf() (string, bool) {
	var in struct {
		Route string `json:"route"`
	}
	if !c.decode(&in) {
		return "", false
	}
	if in.Route == "" {
		c.fail(http.StatusBadRequest, `route: name the route, {"route": "…"}`)
		return "", false
	}
	return in.Route, true
}

// preflight is the dry run of a launch: every check, passed or not.
func (s *Server) preflight(c *call) {
	route, ok := c.routeOf()
	if !ok {
		return
	}
	v, ok := s.findDrone(c)
	if !ok {
		return
	}
	checks, err := s.opts.Drones.Preflight(c.p, v.ID, route)
	if err != nil {
		s.failDrone(c, err, nil)
		return
	}
	c.detail = "route " + route + ": " + summary(checks)
	c.ok(map[string]any{"checks": checks})
}

// launch sends a patrol when every check passes: 202 with its id.
func (s *Server) launch(c *call) {
	route, ok := c.routeOf()
	if !ok {
		return
	}
	v, ok := s.findDrone(c)
	if !ok {
		return
	}
	out, err := s.opts.Drones.Launch(c.r.Context(), c.p, v.ID, route)
	if err != nil {
		s.failDrone(c, err, out.Checks)
		c.detail = "route " + route + ": " + c.detail
		return
	}
	c.detail = fmt.Sprintf("route %s: patrol %s launched", route, out.Patrol)
	c.reply(http.StatusAccepted, map[string]any{"patrol": out.Patrol, "drone": out.Drone, "route": out.Route, "checks": out.Checks})
}

// abort brings the drone home at once, whatever its state.
func (s *Server) abort(c *call) {
	if !c.p.Can(access.PermFly) && !c.p.Can(access.PermVerify) {
		c.fail(http.StatusForbidden, fmt.Sprintf("role %s lacks the %s or %s permission", c.p.Role, access.PermFly, access.PermVerify))
		return
	}
	v, ok := s.findDrone(c)
	if !ok {
		return
	}
	id, err := s.opts.Drones.Abort(c.r.Context(), v.ID)
	if err != nil {
		s.failDrone(c, err, nil)
		return
	}
	c.detail = "abort sent (no patrol known)"
	if v.Patrol != nil && id != "" {
		c.detail = fmt.Sprintf("patrol %s (route %s) aborted", id, v.Patrol.Route)
	}
	c.reply(http.StatusAccepted, map[string]any{"drone": v.ID, "patrol": id})
}

// verify sends the nearest able drone to look at a fire or smoke anomaly.
func (s *Server) verify(c *call) {
	a, ok := s.find(c)
	if !ok {
		return
	}
	if s.opts.Drones == nil {
		c.fail(http.StatusUnprocessableEntity, "this gateway has no drones")
		return
	}
	out, err := s.opts.Drones.Verify(c.r.Context(), c.p, a)
	if err != nil {
		s.failDrone(c, err, out.Checks)
		return
	}
	c.detail = fmt.Sprintf("drone %s, route %s: patrol %s launched", out.Drone, out.Route, out.Patrol)
	c.reply(http.StatusAccepted, map[string]any{"drone": out.Drone, "patrol": out.Patrol, "route": out.Route, "checks": out.Checks})
}

// failDrone answers an error of the drones' service: a refusal with its
// checks (403, 409 or 422), an unknown drone or route 404, an edge that
// did not answer 502.
func (s *Server) failDrone(c *call, err error, checks []patrol.Check) {
	status := patrol.StatusOf(err)
	var ref *patrol.Refusal
	if errors.As(err, &ref) {
		checks = ref.Checks
	}
	if status == http.StatusInternalServerError {
		c.failErr(s, err)
		return
	}
	if checks == nil {
		checks = []patrol.Check{}
	}
	c.detail = err.Error()
	c.reply(status, map[string]any{"error": err.Error(), "checks": checks})
}

// summary is "all checks passed", or the failed checks' reasons.
func summary(checks []patrol.Check) string {
	var why []string
	for _, ch := range checks {
		if !ch.OK {
			why = append(why, ch.Reason)
		}
	}
	if len(why) == 0 {
		return "all checks passed"
	}
	return "failed: " + strings.Join(why, "; ")
}

// PublishDrone sends a drone's telemetry, a patrol's progress or a
// dispatch to the clients of its site, as events named for their kind
// (drone, patrol, dispatch).
func (s *Server) PublishDrone(ev patrol.Event) {
	var v any
	switch ev.Kind {
	case patrol.EventDrone:
		v = ev.Drone
	case patrol.EventPatrol:
		v = ev.Progress
	case patrol.EventDispatch:
		v = ev.Dispatch
	default:
		return
	}
	s.publish(ofSite(ev.Kind, ev.Site, v))
}

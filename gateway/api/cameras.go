package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/argus-edge/argus/drivers/bus"
)

// cameraItem is a camera status with what the gateway knows of it.
type cameraItem struct {
	bus.CameraStatus
	// OwnerEdge is the edge that pulls the camera now (the status's edge,
	// named for what it means in a fleet).
	OwnerEdge string `json:"owner_edge"`
	OnWall    bool   `json:"on_wall"`
	Relayed   bool   `json:"relayed"`
}

// cameraStates are the state filter's values.
var cameraStates = []string{"online", "offline", "connecting", "disabled"}

// cameras lists the cameras of the caller's sites, one page at a time.
func (s *Server) cameras(c *call) {
	q := c.r.URL.Query()
	cq := CameraQuery{Sites: c.p.Scope(), Q: q.Get("q"), Site: q.Get("site"), State: q.Get("state"), Cursor: q.Get("cursor")}
	if cq.Site != "" && !c.inScope(cq.Site) {
		return
	}
	if cq.State != "" && !slices.Contains(cameraStates, cq.State) {
		c.fail(http.StatusBadRequest, "state: want online, offline, connecting or disabled")
		return
	}
	var ok bool
	if cq.Limit, ok = c.limit(); !ok {
		return
	}
	items, total, next := s.opts.Cameras.Cameras(cq)
	onWall := s.wallCameras(c)
	out := make([]cameraItem, 0, len(items))
	for _, st := range items {
		out = append(out, s.item(st, onWall))
	}
	c.ok(map[string]any{"items": out, "next": next, "total": total})
}

// camera is one camera of the caller's sites (403 for another site's).
func (s *Server) camera(c *call) {
	id := c.r.PathValue("camera")
	c.object = id
	st, ok := s.opts.Cameras.Camera(id)
	if !ok {
		c.fail(http.StatusNotFound, "no camera "+strconv.Quote(id))
		return
	}
	if !c.inScope(st.Site) {
		return
	}
	c.ok(s.item(st, s.wallCameras(c)))
}

func (s *Server) item(st bus.CameraStatus, onWall map[string]bool) cameraItem {
	return cameraItem{CameraStatus: st, OwnerEdge: st.Edge, OnWall: onWall[st.Camera], Relayed: s.opts.Relayed(st.Camera)}
}

// wallCameras is the set of cameras on the wall; an error leaves it empty (logged).
func (s *Server) wallCameras(c *call) map[string]bool {
	entries, err := s.opts.Wall.Wall(c.r.Context())
	if err != nil {
		s.log.Warn().Err(err).Msg("reading the wall for camera listings")
	}
	set := make(map[string]bool, len(entries))
	for _, e := range entries {
		set[e.Camera] = true
	}
	return set
}

// edgeItem is an edge's status with its load against its capacity.
type edgeItem struct {
	bus.EdgeStatus
	// CamerasOwned counts the cameras it pulls (of the caller's sites).
	CamerasOwned int `json:"cameras_owned"`
	// Capacity is how many cameras (weight units) it declares it can
	// pull; null when unknown (no fleet).
	Capacity *float64 `json:"capacity"`
	// LastSeen is the time of its latest status.
	LastSeen bus.Time `json:"last_seen,omitzero"`
	// Fleet is its heartbeat and assignment; absent without a fleet.
	Fleet *FleetEdge `json:"fleet,omitempty"`
}

// edges lists the edges with a camera in the caller's sites, naming only
// those cameras; a caller of every site sees every edge. With brief=1 the
// camera lists are left out (counted only): 41,000 ids are a lot to send
// a view that shows the counts.
func (s *Server) edges(c *call) {
	brief := c.r.URL.Query().Get("brief") == "1"
	out := []edgeItem{}
	for _, e := range s.withFleetEdges(s.opts.Cameras.Edges()) {
		if !c.p.AllSites() {
			var mine []string
			for i, site := range s.sitesOf(e.Cameras) {
				if c.p.Covers(site) {
					mine = append(mine, e.Cameras[i])
				}
			}
			if len(mine) == 0 {
				continue
			}
			e.Cameras, e.CamerasOnline = mine, s.online(mine)
		}
		it := edgeItem{EdgeStatus: e, CamerasOwned: len(e.Cameras), LastSeen: e.Time, Fleet: s.fleetOf(e.Edge)}
		if brief {
			it.Cameras = nil
		}
		if s.opts.Capacity != nil {
			if capa, ok := s.opts.Capacity.Capacity(e.Edge); ok {
				it.Capacity = &capa
			}
		}
		out = append(out, it)
	}
	c.ok(map[string]any{"items": out})
}

// online counts the cameras of cams whose latest status is online: a
// site-scoped caller's share of an edge's cameras_online (the edge's own
// count takes in other sites' cameras).
func (s *Server) online(cams []string) int {
	n := 0
	for _, id := range cams {
		if st, ok := s.opts.Cameras.Camera(id); ok && st.State == bus.Online {
			n++
		}
	}
	return n
}

// sites counts the cameras of the caller's sites.
func (s *Server) sites(c *call) {
	out := []SiteSummary{}
	for _, st := range s.opts.Cameras.Sites() {
		if c.p.Covers(st.Site) {
			out = append(out, st)
		}
	}
	c.ok(map[string]any{"items": out})
}

func itoa(n int) string { return strconv.Itoa(n) }

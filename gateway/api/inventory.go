package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/inventory"
	"github.com/argus-edge/argus/gateway/store"
)

// inventoryItem is a registered camera with what the directory knows of
// it now: the edge that owns it and its state ("unknown" until an edge
// reports it).
type inventoryItem struct {
	store.Camera
	OwnerEdge string   `json:"owner_edge"`
	State     string   `json:"state"`
	Reason    string   `json:"reason,omitempty"`
	LastSeen  bus.Time `json:"last_seen,omitzero"` // of the camera's latest status
}

// stateUnknown is a registered camera no edge has reported.
const stateUnknown = "unknown"

// inventoryItemOf merges a registration with the directory's status.
func (s *Server) inventoryItemOf(cam store.Camera) inventoryItem {
	it := inventoryItem{Camera: cam, State: stateUnknown}
	if st, ok := s.opts.Cameras.Camera(cam.ID); ok {
		it.OwnerEdge, it.State, it.Reason, it.LastSeen = st.Edge, st.State, st.Reason, st.Time
	}
	return it
}

// inventory lists the registered cameras of the caller's sites by id.
func (s *Server) inventory(c *call) {
	q := c.r.URL.Query()
	sq := store.CameraQuery{Sites: c.p.Scope(), Site: q.Get("site"), Q: q.Get("q"), Cursor: q.Get("cursor")}
	if sq.Site != "" && !c.inScope(sq.Site) {
		return
	}
	var ok bool
	if sq.Limit, ok = c.limit(); !ok {
		return
	}
	page, err := s.opts.Store.Cameras(c.r.Context(), sq)
	if err != nil {
		c.failErr(s, err)
		return
	}
	items := make([]inventoryItem, 0, len(page.Items))
	for _, cam := range page.Items {
		items = append(items, s.inventoryItemOf(cam))
	}
	c.ok(map[string]any{"items": items, "next": page.Next})
}

// inventoryCamera is one registered camera of the caller's sites.
func (s *Server) inventoryCamera(c *call) {
	cam, ok := s.registered(c, c.r.PathValue("camera"))
	if ok && c.inScope(cam.Site) {
		c.ok(s.inventoryItemOf(cam))
	}
}

// inventoryCounts counts the registered cameras of the caller's sites.
func (s *Server) inventoryCounts(c *call) {
	counts, err := s.opts.Store.CameraCounts(c.r.Context())
	if err != nil {
		c.failErr(s, err)
		return
	}
	out := []store.SiteCameras{}
	for _, sc := range counts {
		if c.p.Covers(sc.Site) {
			out = append(out, sc)
		}
	}
	c.ok(map[string]any{"items": out})
}

// registered loads a registered camera, answering 404 for none.
func (s *Server) registered(c *call, id string) (store.Camera, bool) {
	c.object = id
	cam, err := s.opts.Store.Camera(c.r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		c.fail(http.StatusNotFound, "no registered camera "+strconv.Quote(id))
		return cam, false
	}
	if err != nil {
		c.failErr(s, err)
		return cam, false
	}
	return cam, true
}

// cameraCreate registers a new camera at a site of the caller's.
func (s *Server) cameraCreate(c *call) {
	e, ok := s.cameraBody(c, "")
	if !ok {
		return
	}
	c.object = e.ID
	if !c.inScope(e.Site) {
		return
	}
	switch _, err := s.opts.Store.Camera(c.r.Context(), e.ID); {
	case err == nil:
		c.fail(http.StatusConflict, "camera "+e.ID+" is registered already: PUT /api/cameras/"+e.ID+" changes it")
		return
	case !errors.Is(err, store.ErrNotFound):
		c.failErr(s, err)
		return
	}
	s.saveCamera(c, e.Camera(), nil)
}

// cameraUpdate registers or replaces a camera: the caller's sites must
// hold both where it was and where it goes.
func (s *Server) cameraUpdate(c *call) {
	id := c.r.PathValue("camera")
	e, ok := s.cameraBody(c, id)
	if !ok {
		return
	}
	var old *store.Camera
	switch cam, err := s.opts.Store.Camera(c.r.Context(), id); {
	case err == nil:
		if !c.inScope(cam.Site) {
			return
		}
		old = &cam
	case !errors.Is(err, store.ErrNotFound):
		c.failErr(s, err)
		return
	}
	if !c.inScope(e.Site) {
		return
	}
	s.saveCamera(c, e.Camera(), old)
}

// cameraBody reads and checks one camera (JSON or YAML), answering 422
// with every problem.
func (s *Server) cameraBody(c *call, id string) (inventory.Entry, bool) {
	body, ok := c.read(c.bodyLimit, "limits.body_bytes")
	if !ok {
		return inventory.Entry{}, false
	}
	e, err := inventory.ParseOne(body, id)
	if err != nil {
		c.invalid(s, err, "the camera does not validate")
		return inventory.Entry{}, false
	}
	return e, true
}

// saveCamera stores cam for the caller and audits what changed.
func (s *Server) saveCamera(c *call, cam store.Camera, old *store.Camera) {
	cam.UpdatedBy, cam.UpdatedAt = who(c.p), s.opts.Now().UTC()
	rec, change, err := s.opts.Store.PutCamera(c.r.Context(), cam)
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.detail = describe(old, rec)
	status := http.StatusOK
	if change == store.Created {
		status = http.StatusCreated
	}
	c.reply(status, s.inventoryItemOf(rec))
}

// cameraDelete removes a registered camera of the caller's sites.
func (s *Server) cameraDelete(c *call) {
	cam, ok := s.registered(c, c.r.PathValue("camera"))
	if !ok || !c.inScope(cam.Site) {
		return
	}
	if _, err := s.opts.Store.DeleteCamera(c.r.Context(), cam.ID, who(c.p), s.opts.Now().UTC()); err != nil {
		c.failErr(s, err)
		return
	}
	c.detail = "deleted: " + describe(nil, cam)
	c.w.WriteHeader(http.StatusNoContent)
}

// cameraImport registers many cameras from CSV or YAML, all or none:
// every problem comes back with its line (422), a camera of another site
// refuses the import (403); ?dry_run=1 checks and counts without writing.
func (s *Server) cameraImport(c *call) {
	body, ok := c.read(s.opts.Limits.ImportBytes, "limits.import_bytes")
	if !ok {
		return
	}
	rows, err := inventory.Parse(c.r.Header.Get("Content-Type"), body)
	if errors.Is(err, inventory.ErrMediaType) {
		c.fail(http.StatusUnsupportedMediaType, err.Error())
		return
	}
	if err != nil {
		c.invalid(s, err, "the import does not validate: nothing was registered")
		return
	}
	dry := slices.Contains([]string{"1", "true", "yes"}, c.r.URL.Query().Get("dry_run"))
	cams := inventory.Cameras(rows)
	c.site = oneSite(cams)
	res, err := s.opts.Store.ImportCameras(c.r.Context(), cams,
		store.ImportOptions{By: who(c.p), At: s.opts.Now().UTC(), DryRun: dry, Allowed: c.p.Covers})
	var scope *store.OutOfScope
	if errors.As(err, &scope) {
		ie := &inventory.Error{}
		for i, at := range scope.Index {
			ie.Problems = append(ie.Problems, inventory.Problem{Line: rows[at].Line, Field: "site",
				Msg: fmt.Sprintf("camera %s: site %s is not in your sites", cams[at].ID, scope.Sites[i])})
		}
		c.problems(http.StatusForbidden, "the import touches sites that are not yours: nothing was registered", ie)
		return
	}
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.detail = importDetail(res, dry)
	s.log.Info().Str("who", who(c.p)).Bool("dry_run", dry).Int("created", res.Created).Int("updated", res.Updated).
		Int("unchanged", res.Unchanged).Msg("camera import")
	c.ok(map[string]any{"created": res.Created, "updated": res.Updated, "unchanged": res.Unchanged, "dry_run": dry})
}

// oneSite is the site of every camera, or "" when they are of several.
func oneSite(cams []store.Camera) string {
	if len(cams) == 0 {
		return ""
	}
	for _, c := range cams[1:] {
		if c.Site != cams[0].Site {
			return ""
		}
	}
	return cams[0].Site
}

// invalid answers 422 with an *inventory.Error's problems, or fails otherwise.
func (c *call) invalid(s *Server, err error, summary string) {
	var ie *inventory.Error
	if !errors.As(err, &ie) {
		c.failErr(s, err)
		return
	}
	c.problems(http.StatusUnprocessableEntity, summary, ie)
}

// problems answers status with every problem, as objects and as the
// "line N: field: message" text a person reads.
func (c *call) problems(status int, summary string, ie *inventory.Error) {
	c.detail = fmt.Sprintf("%s (%d problems)", summary, len(ie.Problems)+ie.Omitted)
	c.reply(status, map[string]any{"error": summary, "problems": ie.Problems, "omitted": ie.Omitted, "report": ie.Error()})
}

// auditedIDs is how many changed ids an import's audit entry names.
const auditedIDs = 50

// importDetail is an import's audit: its counts and the ids it changed.
func importDetail(res store.ImportResult, dry bool) string {
	var b strings.Builder
	if dry {
		b.WriteString("dry run: ")
	}
	fmt.Fprintf(&b, "%d created, %d updated, %d unchanged", res.Created, res.Updated, res.Unchanged)
	if n := len(res.Changed); n > 0 {
		b.WriteString("; changed: " + strings.Join(res.Changed[:min(n, auditedIDs)], ", "))
		if n > auditedIDs {
			fmt.Fprintf(&b, " and %d more", n-auditedIDs)
		}
	}
	return b.String()
}

// describe says what a write changed, for the audit: each field that
// differs, old → new. URLs hold no password (refused on the way in) and
// credentials are the names of variables, so nothing secret is written.
func describe(old *store.Camera, cam store.Camera) string {
	var prev store.Camera
	if old != nil {
		prev = *old
	}
	var parts []string
	for _, f := range cameraFields(prev, cam) {
		if f.old == f.new {
			continue
		}
		if old == nil {
			parts = append(parts, f.name+"="+strconv.Quote(f.new))
		} else {
			parts = append(parts, fmt.Sprintf("%s: %q → %q", f.name, f.old, f.new))
		}
	}
	switch {
	case old == nil:
		return "created " + strings.Join(parts, " ")
	case len(parts) == 0:
		return "unchanged"
	}
	return "changed " + strings.Join(parts, "; ")
}

// field is one audited field's old and new text.
type field struct{ name, old, new string }

// cameraFields pairs the audited fields of two registrations.
func cameraFields(a, b store.Camera) []field {
	loc := func(g *bus.Geo) string {
		if g == nil {
			return ""
		}
		return fmt.Sprintf("%g,%g,%g", g.Lat, g.Lon, g.Alt)
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	return []field{
		{"site", a.Site, b.Site}, {"name", a.Name, b.Name}, {"main", a.Main, b.Main}, {"sub", a.Sub, b.Sub},
		{"transport", a.Transport, b.Transport}, {"username", a.Username, b.Username},
		{"username_env", a.UsernameEnv, b.UsernameEnv}, {"password_env", a.PasswordEnv, b.PasswordEnv},
		{"location", loc(a.Location), loc(b.Location)}, {"pin", a.Pin, b.Pin},
		{"weight", num(a.Weight), num(b.Weight)}, {"disabled", strconv.FormatBool(a.Disabled), strconv.FormatBool(b.Disabled)},
	}
}

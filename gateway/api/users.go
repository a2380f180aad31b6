package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/login"
	"github.com/argus-edge/argus/gateway/store"
)

// userView is a user as admins see it: never a password or its hash.
type userView struct {
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	Sites    []string  `json:"sites"`
	Disabled bool      `json:"disabled"`
	Created  time.Time `json:"created,omitzero"`
	Source   string    `json:"source"` // config (read-only) or store
}

func viewOf(u store.User, source string) userView {
	return userView{Name: u.Name, Role: u.Role, Sites: u.Sites, Disabled: u.Disabled, Created: u.Created, Source: source}
}

// globalAdmin refuses users and audit to an admin of only some sites: both
// span every site (a user's scope, every site's audit).
func (c *call) globalAdmin() bool {
	if c.p.AllSites() {
		return true
	}
	c.fail(http.StatusForbidden, `users and the audit log need an admin of every site ("*")`)
	return false
}

// users lists the config's users, then the stored ones.
func (s *Server) users(c *call) {
	if !c.globalAdmin() {
		return
	}
	stored, err := s.opts.Store.Users(c.r.Context())
	if err != nil {
		c.failErr(s, err)
		return
	}
	out := []userView{}
	for _, u := range s.opts.Auth.ConfigUsers() {
		out = append(out, viewOf(u, access.SourceConfig))
	}
	for _, u := range stored {
		if !s.opts.Auth.IsConfigUser(u.Name) {
			out = append(out, viewOf(u, access.SourceStore))
		}
	}
	c.ok(map[string]any{"items": out})
}

// userInput is a create or an update; absent fields keep their value on update.
type userInput struct {
	Name     string   `json:"name"`
	Role     *string  `json:"role"`
	Sites    []string `json:"sites"`
	Password *string  `json:"password"`
	Disabled *bool    `json:"disabled"`
}

// userCreate stores a new user.
func (s *Server) userCreate(c *call) {
	var in userInput
	if !c.globalAdmin() || !c.decode(&in) {
		return
	}
	c.object = in.Name
	if s.opts.Auth.IsConfigUser(in.Name) {
		c.fail(http.StatusConflict, "user "+in.Name+" exists in the gateway config")
		return
	}
	_, err := s.opts.Store.User(c.r.Context(), in.Name)
	if err == nil {
		c.fail(http.StatusConflict, "user "+in.Name+" exists")
		return
	}
	if !errors.Is(err, store.ErrNotFound) {
		c.failErr(s, err)
		return
	}
	if in.Password == nil {
		c.fail(http.StatusBadRequest, "password: missing")
		return
	}
	u := store.User{Name: in.Name, Sites: in.Sites, Created: s.opts.Now().UTC()}
	s.saveUser(c, u, in, http.StatusCreated)
}

// userUpdate changes a stored user's role, sites, password or disabled flag.
func (s *Server) userUpdate(c *call) {
	var in userInput
	if !c.globalAdmin() || !c.decode(&in) {
		return
	}
	name := c.r.PathValue("name")
	c.object = name
	u, ok := s.storedUser(c, name)
	if !ok {
		return
	}
	if in.Name != "" && in.Name != name {
		c.fail(http.StatusBadRequest, "name: a user cannot be renamed")
		return
	}
	if in.Sites != nil {
		u.Sites = in.Sites
	}
	s.saveUser(c, u, in, http.StatusOK)
}

// saveUser applies role, password and disabled from in, checks and stores u.
func (s *Server) saveUser(c *call, u store.User, in userInput, status int) {
	if in.Role != nil {
		u.Role = *in.Role
	}
	if in.Disabled != nil {
		u.Disabled = *in.Disabled
	}
	if err := access.CheckUser(u); err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return
	}
	if in.Password != nil {
		h, err := login.HashPassword(*in.Password)
		if err != nil {
			c.fail(http.StatusBadRequest, err.Error())
			return
		}
		u.PasswordHash = h
	}
	if err := s.opts.Store.PutUser(c.r.Context(), u); err != nil {
		c.failErr(s, err)
		return
	}
	c.reply(status, viewOf(u, access.SourceStore))
}

// userDelete removes a stored user and its sessions.
func (s *Server) userDelete(c *call) {
	name := c.r.PathValue("name")
	c.object = name
	if !c.globalAdmin() {
		return
	}
	if _, ok := s.storedUser(c, name); !ok {
		return
	}
	if name == c.p.Name {
		c.fail(http.StatusConflict, "you cannot delete yourself")
		return
	}
	if err := s.opts.Store.DeleteUser(c.r.Context(), name); err != nil {
		c.failErr(s, err)
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// storedUser loads a user the API may change: not one of the config.
func (s *Server) storedUser(c *call, name string) (store.User, bool) {
	if s.opts.Auth.IsConfigUser(name) {
		c.fail(http.StatusConflict, "user "+name+" comes from the gateway config: change it there")
		return store.User{}, false
	}
	u, err := s.opts.Store.User(c.r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		c.fail(http.StatusNotFound, "no user "+name)
		return u, false
	}
	if err != nil {
		c.failErr(s, err)
		return u, false
	}
	return u, true
}

// audit reads the audit log, newest first.
func (s *Server) audit(c *call) {
	if !c.globalAdmin() {
		return
	}
	q := c.r.URL.Query()
	aq := store.AuditQuery{Who: q.Get("who"), Action: q.Get("action"), Site: q.Get("site"), Cursor: q.Get("cursor")}
	var ok bool
	if aq.Limit, ok = c.limit(); !ok {
		return
	}
	if aq.From, aq.To, ok = c.times(); !ok {
		return
	}
	page, err := s.opts.Store.AuditLog(c.r.Context(), aq)
	if err != nil {
		c.failErr(s, err)
		return
	}
	if page.Items == nil {
		page.Items = []store.AuditEntry{}
	}
	c.ok(page)
}

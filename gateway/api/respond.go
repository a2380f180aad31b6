package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/gateway/store"
)

// reply answers status with v as JSON.
func (c *call) reply(status int, v any) {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.Header().Set("Cache-Control", "no-store")
	c.w.WriteHeader(status)
	if err := json.NewEncoder(c.w).Encode(v); err != nil {
		c.detail = "writing the answer: " + err.Error()
	}
}

// ok answers 200 with v.
func (c *call) ok(v any) { c.reply(http.StatusOK, v) }

// fail answers {"error": msg} and keeps msg for the audit entry.
func (c *call) fail(status int, msg string) {
	c.detail = msg
	c.reply(status, map[string]string{"error": msg})
}

// failErr answers an error from a dependency: not found 404, an invalid
// document 422 with its problems, a conflict 409, input the store refuses
// 400, anything else 500 (the details logged, not shown).
func (c *call) failErr(s *Server, err error) {
	var se *strict.Error
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.fail(http.StatusNotFound, "not found")
	case errors.As(err, &se):
		c.detail = fmt.Sprintf("%d problems", len(se.Problems))
		c.reply(http.StatusUnprocessableEntity, map[string]any{"error": "the rule set does not validate", "problems": problems(se)})
	case s.opts.RuleConflict != nil && errors.Is(err, s.opts.RuleConflict), errors.Is(err, store.ErrConflict):
		c.fail(http.StatusConflict, err.Error())
	case errors.Is(err, store.ErrInvalid):
		c.fail(http.StatusBadRequest, err.Error())
	default:
		s.log.Error().Err(err).Str("path", c.r.URL.Path).Msg("api call failed")
		c.fail(http.StatusInternalServerError, "internal error (logged)")
	}
}

// problem is one line of a 422 answer.
type problem struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func problems(se *strict.Error) []problem {
	out := make([]problem, 0, len(se.Problems))
	for _, p := range se.Problems {
		out = append(out, problem{Line: p.Line, Field: p.Field, Message: p.Msg})
	}
	return out
}

// read reads the request body, at most limit bytes (the config's field
// names it); a larger one is refused 413, saying the limit.
func (c *call) read(limit int64, field string) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		c.fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes (%s): split it or send less", limit, field))
		return nil, false
	case err != nil:
		c.fail(http.StatusBadRequest, "reading the body: "+err.Error())
		return nil, false
	}
	return body, true
}

// decode reads a JSON body into v; an empty body leaves v as it is.
func (c *call) decode(v any) bool {
	body, ok := c.read(c.bodyLimit, "limits.body_bytes")
	if !ok {
		return false
	}
	if len(body) == 0 {
		return true
	}
	if err := json.Unmarshal(body, v); err != nil {
		c.fail(http.StatusBadRequest, "the body is not the JSON expected: "+err.Error())
		return false
	}
	return true
}

// body reads a raw body (a rule-set document).
func (c *call) body() ([]byte, bool) {
	b, ok := c.read(c.bodyLimit, "limits.body_bytes")
	if !ok {
		return nil, false
	}
	if len(b) == 0 {
		c.fail(http.StatusBadRequest, "empty body: send the rule set")
		return nil, false
	}
	return b, true
}

// limit reads the limit parameter: default 50, at most 500.
func (c *call) limit() (int, bool) {
	v := c.r.URL.Query().Get("limit")
	if v == "" {
		return 50, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		c.fail(http.StatusBadRequest, "limit: want 1 to 500")
		return 0, false
	}
	return n, true
}

// times reads the from and to parameters (RFC 3339; empty is open).
func (c *call) times() (from, to time.Time, ok bool) {
	q := c.r.URL.Query()
	for _, it := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		v := q.Get(it.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			c.fail(http.StatusBadRequest, it.name+": want an RFC 3339 time like 2026-12-01T08:00:00Z")
			return from, to, false
		}
		*it.dst = t
	}
	return from, to, true
}

// inScope refuses (403) a site outside the caller's; it records the site for the audit.
func (c *call) inScope(site string) bool {
	c.site = site
	if c.p.Covers(site) {
		return true
	}
	c.fail(http.StatusForbidden, fmt.Sprintf("site %s is not in your sites", site))
	return false
}

package sfu

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPatch: trickle ICE and ICE restarts are refused on a real resource
// with 405 and the methods it allows, after the same checks as a DELETE
// (credential, existence, ownership); a PATCH of any other path is 404.
// The sessions carry on.
func TestPatch(t *testing.T) {
	aus := clip(t)
	s, hs, al := startSFU(t, nil)
	pub := publish(t, hs.URL, "cam1", edgeTok, aus)
	v := watch(t, hs.URL, "cam1", viewerTok)
	v.await(t, 10, 10*time.Second)
	id := v.url[strings.LastIndex(v.url, "/")+1:]
	cases := []struct {
		name, url, token string
		status           int
		allow            string
	}{
		{"viewer's own", v.url, viewerTok, 405, resourceAllow},
		{"edge's own", pub.url, edgeTok, 405, resourceAllow},
		{"no credential", v.url, "", 401, ""},
		{"another viewer", v.url, otherTok, 403, ""},
		{"another edge", pub.url, edge2Tok, 403, ""},
		{"unknown session", hs.URL + "/whep/cam1/nosuchsession", viewerTok, 404, ""},
		{"a viewer's id under /whip", hs.URL + "/whip/cam1/" + id, edgeTok, 404, ""},
		{"not a resource path", hs.URL + "/other/cam1/" + id, viewerTok, 404, ""},
	}
	for _, c := range cases {
		resp, body := send(t, http.MethodPatch, c.url, c.token, "")
		if resp.StatusCode != c.status || resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s: %d %q, Allow %q; want %d, Allow %q", c.name, resp.StatusCode, body, resp.Header.Get("Allow"), c.status, c.allow)
		}
		if c.status == 405 && !strings.Contains(body, "trickle ICE") {
			t.Errorf("%s: body %q does not say why", c.name, body)
		}
	}
	v.drain()
	v.await(t, 20, 10*time.Second)
	if up, vw := s.Sessions(); up != 1 || vw != 1 {
		t.Fatalf("sessions: %d uplinks, %d viewers", up, vw)
	}
	if !al.has("bob whep.patch.denied cam1") {
		t.Errorf("audit lacks the denied PATCH: %v", al.snapshot())
	}
}

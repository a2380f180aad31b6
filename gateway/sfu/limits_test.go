package sfu

import (
	"net/http"
	"strings"
	"testing"
)

// Real: the SFU over HTTP, pion clients. A viewer may hold ViewersPerUser
// streams and everybody Viewers; a further WHEP is refused 429 saying
// which limit, and a place freed (DELETE) can be taken again. Before the
// fix a viewer could open streams until the gateway ran out.
func TestViewerLimits(t *testing.T) {
	_, hs, _ := startSFU(t, func(o *Options) { o.ViewersPerUser, o.Viewers = 2, 3 })
	publish(t, hs.URL, "cam1", edgeTok, clip(t))
	a1 := watch(t, hs.URL, "cam1", viewerTok)
	watch(t, hs.URL, "cam1", viewerTok)
	refused := func(token, want string) {
		t.Helper()
		code, body, _ := post(t, hs.URL+"/whep/cam1", token, "application/sdp", offerFor(t))
		if code != http.StatusTooManyRequests || !strings.Contains(body, want) {
			t.Fatalf("over the limit: %d %q, want 429 with %q", code, body, want)
		}
	}
	refused(viewerTok, "alice watches 2 of at most 2 (limits.whep_per_user)")
	watch(t, hs.URL, "cam1", otherTok)
	refused(otherTok, "the gateway serves 3, its limit (limits.whep_total)")
	if code := del(t, a1.url, viewerTok); code != http.StatusOK {
		t.Fatalf("DELETE: %d", code)
	}
	watch(t, hs.URL, "cam1", otherTok)
}

package sfu

import (
	"strings"
	"testing"
	"time"
)

// TestAuditEnds: every session's end is audited once, with its reason and
// how long it lasted, however it ended: a DELETE; a viewer gone without
// one (its pion PeerConnection closed, as a closed tab's: the SFU's closes
// on its DTLS close_notify); a viewer never reached (an offer without
// candidates: ICE fails after the short timeouts set here); the server
// shutting down.
func TestAuditEnds(t *testing.T) {
	aus := clip(t)
	s, hs, al := startSFU(t, func(o *Options) { o.DisconnectedTimeout, o.FailedTimeout = time.Second, time.Second })
	publish(t, hs.URL, "cam1", edgeTok, aus)
	publish(t, hs.URL, "cam2", edgeTok, aus)
	deleted := watch(t, hs.URL, "cam1", viewerTok)
	gone := watch(t, hs.URL, "cam1", otherTok)
	stays := watch(t, hs.URL, "cam2", otherTok)
	watched := time.Now()
	for _, v := range []*viewer{deleted, gone, stays} {
		v.await(t, 10, 10*time.Second)
	}

	if st := del(t, deleted.url, viewerTok); st != 200 {
		t.Fatalf("DELETE: %d", st)
	}
	if e := al.await(t, "alice whep.end cam1", time.Second); e.Reason != "deleted by alice" || e.Duration <= 0 {
		t.Errorf("end by DELETE: %+v", e)
	}

	alive := time.Since(watched)
	gone.pc.Close() // no DELETE
	if e := al.await(t, "bob whep.end cam1", 10*time.Second); e.Reason != "connection closed" || e.Duration < alive {
		t.Errorf("end of a closed viewer: %+v, want connection closed after more than %s", e, alive)
	}
	st, body, _ := post(t, hs.URL+"/whep/cam2", viewerTok, "application/sdp", offerFor(t))
	if st != 201 {
		t.Fatalf("WHEP without candidates: %d %s", st, body)
	}
	if e := al.await(t, "alice whep.end cam2", 30*time.Second); e.Reason != "connection failed" || e.Duration < time.Second {
		t.Errorf("end of an unreachable viewer: %+v, want connection failed", e)
	}
	if up, vw := s.Sessions(); up != 2 || vw != 1 {
		t.Fatalf("sessions after the viewer vanished: %d uplinks, %d viewers", up, vw)
	}

	s.Close()
	for _, line := range []string{"bob whep.end cam2", "edge:edge-1 whip.end cam1", "edge:edge-1 whip.end cam2"} {
		if e := al.await(t, line, time.Second); e.Reason != "server closed" || e.Duration <= 0 {
			t.Errorf("%s: %+v, want server closed", line, e)
		}
	}
	ends := 0
	for _, l := range al.snapshot() {
		if strings.Contains(l, ".end ") {
			ends++
		}
	}
	if ends != 6 {
		t.Errorf("%d end records for 6 sessions: %v", ends, al.snapshot())
	}
}

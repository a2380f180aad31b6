package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/store"
)

// BenchmarkCall is one authenticated, permission-checked and audited call
// (GET /api/anomalies/{id}) through the handler, without the network.
// The store is SQLite (a temp file): the figure includes its read and
// the audit entry's insert.
func BenchmarkCall(b *testing.B) {
	e := newEnv(b)
	token := e.login("river-cmd")
	req := httptest.NewRequest("GET", "/api/anomalies/a-river", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		e.api.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkPublish1000 fans one anomaly out to 1,000 event-stream
// subscribers (half of them of another site), draining their queues.
func BenchmarkPublish1000(b *testing.B) {
	h := newHub(256)
	var subs []*subscriber
	for i := range 1000 {
		site := "riverside"
		if i%2 == 1 {
			site = "hillside"
		}
		sub, _ := h.join(access.Principal{Name: fmt.Sprint("u", i), Role: store.RoleCommander, Sites: []string{site}}, 1)
		subs = append(subs, sub)
	}
	a := store.Anomaly{ID: "a", Site: "riverside", Kind: "person"}
	b.ReportAllocs()
	for b.Loop() {
		h.publish(ofSite("anomaly", a.Site, a))
		for _, s := range subs {
			select {
			case c := <-s.ch:
				s.gather(c)
			default:
			}
		}
	}
	if h.count() != 1000 {
		b.Fatalf("%d subscribers left, want 1000", h.count())
	}
}

package incidents

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// TestCoalescedNews: with coalescing on, 500 cameras of one site going
// offline tell the listeners of each opening and merge at once, and of
// the outage's growth once per flush — here one flush, called by the test
// in place of Run's ticker, with the outage's latest count. An action goes
// out at once.
func TestCoalescedNews(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "argus.db"))
	svc, err := NewService(st, Rules{}, Options{Coalesce: time.Hour, Log: zerolog.Nop()}) // the ticker never fires here
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var heard []store.Incident
	got := make(chan struct{}, 1000)
	cancel := svc.Subscribe(func(inc store.Incident) {
		mu.Lock()
		heard = append(heard, inc)
		mu.Unlock()
		got <- struct{}{}
	})
	defer cancel()
	wait := func(n int) []store.Incident {
		t.Helper()
		for range n {
			select {
			case <-got:
			case <-time.After(10 * time.Second):
				t.Fatalf("fewer than %d news", n)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		out := heard
		heard = nil
		return out
	}
	for i := range 500 {
		svc.Observe(rec(fmt.Sprintf("o%d", i), "s", fmt.Sprintf("cam%d", i), bus.KindCameraOffline, bus.StateStart, time.Duration(i)*100*time.Millisecond))
	}
	// 4 cameras' own incidents and the outage opened, and each of the 4
	// folded in (the outage's news and the folded one's): 13 at once.
	if news := wait(13); len(news) != 13 {
		t.Fatalf("%d news before the flush, want 13", len(news))
	}
	svc.flush()
	news := wait(1)
	if len(news) != 1 || news[0].Rule != store.RuleOutage || news[0].Count != 500 {
		t.Fatalf("flush told %+v, want the outage counting 500", news)
	}
	if _, _, err := svc.Act(t.Context(), news[0].ID, Action{What: ActAck, By: "ann"}); err != nil {
		t.Fatal(err)
	}
	if news := wait(1); len(news) != 1 || news[0].State != store.StatusAcknowledged {
		t.Fatalf("after ack told %+v, want the acknowledged outage alone", news)
	}
}

// TestBatchNewsTogether: the incidents a batch opens reach a batch
// listener in one call, in the order of the batch, and the outage's
// growth held meanwhile in one call at the flush; a listener of single
// incidents hears the same incidents in the same order.
func TestBatchNewsTogether(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "argus.db"))
	svc, err := NewService(st, Rules{}, Options{Coalesce: time.Hour, Log: zerolog.Nop()}) // the ticker never fires here
	if err != nil {
		t.Fatal(err)
	}
	calls := make(chan []store.Incident, 100)
	defer svc.SubscribeBatch(func(incs []store.Incident) { calls <- incs })()
	singles := make(chan store.Incident, 1000)
	defer svc.Subscribe(func(inc store.Incident) { singles <- inc })()
	call := func() []store.Incident {
		t.Helper()
		select {
		case incs := <-calls:
			return incs
		case <-time.After(10 * time.Second):
			t.Fatal("no notification")
			return nil
		}
	}
	var batch []store.Anomaly
	for i, site := range []string{"s1", "s2", "s3"} {
		batch = append(batch, rec(fmt.Sprintf("p%d", i), site, "cam-"+site, bus.KindPerson, bus.StateStart, time.Duration(i)*time.Second))
	}
	svc.ObserveBatch(batch)
	opened := call()
	if len(opened) != 3 {
		t.Fatalf("the batch's openings came as %d incidents in one call, want 3", len(opened))
	}
	for i, inc := range opened {
		if want := []string{"s1", "s2", "s3"}[i]; inc.Site != want {
			t.Fatalf("incident %d of site %s, want %s (the batch's order)", i, inc.Site, want)
		}
	}
	batch = nil
	for i := range 50 {
		batch = append(batch, rec(fmt.Sprintf("o%d", i), "s4", fmt.Sprintf("cam%d", i), bus.KindCameraOffline, bus.StateStart, time.Minute+time.Duration(i)*100*time.Millisecond))
	}
	svc.ObserveBatch(batch) // the outage opens: at once, with the cameras' own incidents folded in
	now := call()
	if last := now[len(now)-1]; len(now) < 2 || last.Rule != store.RuleOutage || last.Count != 50 {
		t.Fatalf("the outage's batch told %d incidents ending with %+v, want several, the outage last counting 50", len(now), last)
	}
	batch = nil
	for i := 50; i < 60; i++ {
		batch = append(batch, rec(fmt.Sprintf("o%d", i), "s4", fmt.Sprintf("cam%d", i), bus.KindCameraOffline, bus.StateStart, time.Minute+time.Duration(i)*100*time.Millisecond))
	}
	svc.ObserveBatch(batch) // the outage grows: held
	select {
	case incs := <-calls:
		t.Fatalf("growth told at once: %d incidents", len(incs))
	default:
	}
	svc.flush()
	held := call()
	outage := 0
	for _, inc := range held {
		if inc.Rule == store.RuleOutage {
			outage++
			if inc.Count != 60 {
				t.Fatalf("the flush told the outage counting %d, want 60", inc.Count)
			}
		}
	}
	if outage != 1 {
		t.Fatalf("the flush told the outage %d times in %d incidents, want once", outage, len(held))
	}
	for _, inc := range append(append(opened, now...), held...) {
		select {
		case got := <-singles:
			if got.ID != inc.ID || got.Count != inc.Count {
				t.Fatalf("single listener heard %s (%d), want %s (%d)", got.ID, got.Count, inc.ID, inc.Count)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the single listener heard fewer incidents")
		}
	}
}

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

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/store"
)

// Real: the gateway's run on loopback, its SQLite store. Simulated: ten
// attacker addresses, forwarded by a trusted proxy (the test, on
// 127.0.0.1). 100,000 anonymous requests (the API, a login, /metrics,
// WHEP) leave one audit row per address and minute, whose counts add up
// to the flood, and the commander logs in while the flood runs. Before
// the fix each refused call wrote a row of its own: 100,000 rows.
func TestAnonymousFloodLeavesBoundedAudit(t *testing.T) {
	const total, workers, attackers = 100_000, 8, 10
	cfg := writeConfig(t, consoleUsers(t)+"trusted_proxies: [127.0.0.1/32]\nmetrics: {token_env: T_METRICS}\nbus:\n  users:\n    - {name: test-gw, role: gateway, password_env: T_BUS_GW}\n")
	t.Setenv("T_BUS_GW", busSecret)
	t.Setenv("T_METRICS", metricsSecret)
	db := filepath.Join(filepath.Dir(cfg), "var", "gateway.db")
	port := peers.FreePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	log := &peers.LogBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-mqtt", "127.0.0.1:0", "-http", fmt.Sprintf("127.0.0.1:%d", port), "-nats", "127.0.0.1:0",
			"-bus-store", t.TempDir(), "-webrtc-udp", "127.0.0.1:0", "-config", cfg, "-log-format", "json", "-log-level", "warn"}, log)
	}()
	defer func() {
		cancel()
		<-done
	}()
	eventually(t, 20*time.Second, "gateway /healthz", func() (bool, string) {
		resp, err := http.Get(url + "/healthz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == 200, resp.Status
	})

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	requests := []struct{ method, path, body, ctype string }{
		{"GET", "/api/cameras", "", ""},
		{"GET", "/api/me", "", ""},
		{"GET", "/metrics", "", ""},
		{"POST", "/api/login", `{"user":"root","password":"guess"}`, "application/json"},
		{"POST", "/whep/cam-1", "v=0\r\n", "application/sdp"},
		{"GET", "/api/nope", "", ""},
	}
	var sent, refused atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; sent.Add(1) <= total; i += workers {
				rq := requests[i%len(requests)]
				req, _ := http.NewRequest(rq.method, url+rq.path, strings.NewReader(rq.body))
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i%attackers))
				if rq.ctype != "" {
					req.Header.Set("Content-Type", rq.ctype)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 400 {
					refused.Add(1)
				}
			}
		}()
	}
	// While the flood runs, the commander logs in from its own address.
	eventually(t, 60*time.Second, "10,000 requests of the flood", func() (bool, string) { return sent.Load() > 10_000, fmt.Sprint(sent.Load()) })
	req, _ := http.NewRequest("POST", url+"/api/login", strings.NewReader(`{"user":"root","password":"root password"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "192.0.2.10")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	during := sent.Load()
	if resp.StatusCode != 200 {
		t.Fatalf("the commander's login during the flood: %d", resp.StatusCode)
	}
	if during >= total {
		t.Errorf("the login completed only after the flood (%d requests sent)", during)
	}
	wg.Wait()
	// The operator sees the flood on /metrics.
	req, _ = http.NewRequest("GET", url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsSecret)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := fmt.Sprintf("argus_audit_anonymous_refused_total %d\n", refused.Load()); !strings.Contains(string(m), want) ||
		!strings.Contains(string(m), `argus_api_logins_throttled_total{reason="too many failed logins for this user from your address"}`) {
		t.Errorf("/metrics lacks %q or the throttled logins:\n%s", want, grepLines(string(m), "argus_audit", "argus_api_logins"))
	}
	started := time.Now()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	done <- nil // for the deferred wait
	t.Logf("flood of %d (%d refused), login at request %d; gateway stopped %v after", total, refused.Load(), during, time.Since(started).Round(time.Millisecond))

	st, err := store.OpenSQLite(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var rows, counted int64
	q := store.AuditQuery{Who: "anonymous", Limit: 500}
	for {
		page, err := st.AuditLog(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			rows++
			counted += e.Count
		}
		if q.Cursor = page.Next; q.Cursor == "" {
			break
		}
	}
	// One row per attacker address and minute; the flood spans a few minutes at most.
	if rows < attackers || rows > 4*attackers {
		t.Errorf("%d anonymous audit rows for %d addresses, want one per address and minute", rows, attackers)
	}
	if counted != refused.Load() {
		t.Errorf("the rows count %d calls, %d were refused", counted, refused.Load())
	}
	t.Logf("%d anonymous audit rows count %d refused calls", rows, counted)
}

// grepLines are the lines of text starting with one of prefixes.
func grepLines(text string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}

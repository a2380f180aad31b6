package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pion/webrtc/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/drivers/bus"
)

// consoleUsers are the config's users of TestConsoleEndToEnd; passwords are "<name> password".
func consoleUsers(t testing.TB) string {
	out := "users:\n"
	for _, u := range []struct{ name, role, sites string }{{"river-op", "operator", "[riverside]"}, {"root", "admin", `["*"]`}} {
		h, _ := bcrypt.GenerateFromPassword([]byte(u.name+" password"), bcrypt.MinCost)
		out += "  - {name: " + u.name + ", role: " + u.role + ", sites: " + u.sites + ", password_hash: \"" + string(h) + "\"}\n"
	}
	return out
}

// call sends a JSON request with a bearer token and decodes the answer into out (if not nil).
func call(t testing.TB, method, url, token string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		json.Unmarshal(b, out)
	}
	return resp.StatusCode
}

// loginAs logs user in with its password ("<user> password") and returns the session token.
func loginAs(t testing.TB, httpURL, user string) string {
	t.Helper()
	var out struct{ Token string }
	if st := call(t, "POST", httpURL+"/api/login", "", map[string]string{"user": user, "password": user + " password"}, &out); st != 200 {
		t.Fatalf("login %s: %d", user, st)
	}
	return out.Token
}

// events follows /api/events and returns its events as "name data".
func events(t testing.TB, url, token string) <-chan string {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %v %v", err, resp)
	}
	ch := make(chan string, 256)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		name := ""
		for sc.Scan() {
			switch line := sc.Text(); {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ch <- name + " " + strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return ch
}

// awaitAll reads events until, for each {prefix, has} pair, one started
// with prefix and contained has, in any order.
func awaitAll(t testing.TB, ch <-chan string, want ...[]string) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for len(want) > 0 {
		select {
		case ev := <-ch:
			want = slices.DeleteFunc(want, func(w []string) bool {
				return strings.HasPrefix(ev, w[0]) && strings.Contains(ev, w[1])
			})
		case <-timeout:
			t.Fatalf("no events %q within 15s", want)
		}
	}
}

// await reads events until one starts with prefix and contains has.
func await(t testing.TB, ch <-chan string, prefix, has string) string {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev := <-ch:
			if strings.HasPrefix(ev, prefix) && strings.Contains(ev, has) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event with %q within 15s", prefix, has)
		}
	}
}

// Real: the gateway's run with a config of users and tokens, the SQLite
// store in a temp dir, rule sets seeded from configs/rules, the embedded
// broker, alerts, the directory, the SFU, pion peers and a paho edge.
// Simulated: the edge (a paho client publishing statuses and an anomaly,
// and a pion WHIP publisher).
func TestConsoleEndToEnd(t *testing.T) {
	httpURL, mqttURL, log := startGateway(t, consoleUsers(t))
	op := loginAs(t, httpURL, "river-op")
	ev := events(t, httpURL, op)
	await(t, ev, "hello", `"name":"river-op"`)
	fakeEdge(t, httpURL, mqttURL, map[string]string{"riverside-walk": "riverside", "hillside-fire": "hillside"})
	await(t, ev, "camera", `"camera":"riverside-walk"`)

	viewer := pionPC(t)
	viewer.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	if st, body, _ := postSDP(httpURL+"/whep/riverside-walk", op, sdpOffer(t, viewer)); st != http.StatusCreated {
		t.Fatalf("operator WHEP of its site's camera: %d %s", st, body)
	}
	other := pionPC(t)
	other.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	if st, body, _ := postSDP(httpURL+"/whep/hillside-fire", op, sdpOffer(t, other)); st != http.StatusForbidden {
		t.Fatalf("operator WHEP of another site's camera: %d %s", st, body)
	}
	var rules struct{ Live *struct{ Version int } }
	if st := call(t, "GET", httpURL+"/api/sites/riverside/rules", op, nil, &rules); st != 200 || rules.Live == nil {
		t.Fatalf("riverside rules: %d %+v", st, rules)
	}
	if st := call(t, "GET", httpURL+"/api/sites/hillside/rules", op, nil, nil); st != 403 {
		t.Fatalf("hillside rules: %d, want 403", st)
	}

	// An anomaly from the edge reaches the operator's stream and, being high,
	// the wall. Alerts must follow the anomalies first: a QoS 1 message
	// published before any subscription is not kept for it.
	if !log.Await(`"following anomalies"`, 10*time.Second) {
		t.Fatalf("alerts not following anomalies after 10s:\n%s", log)
	}
	c := paho.NewClient(paho.NewClientOptions().AddBroker(mqttURL).SetClientID("edge-anomalies"))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	a := bus.Anomaly{ID: "an-1", Seq: 1, Site: "riverside", Camera: "riverside-walk", Edge: "edge-demo", Kind: "person",
		State: bus.StateStart, Severity: "high", Score: 0.9, FrameTime: bus.Now(), PublishedAt: bus.Now()}
	b, _ := json.Marshal(a)
	if tok := c.Publish(bus.AnomalyTopic("riverside", "riverside-walk"), 1, false, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	// The anomaly, the wall and the incident grouping it reach the stream
	// through listeners of their own, so in any order.
	awaitAll(t, ev, []string{"anomaly", `"id":"an-1"`}, []string{"wall", `"camera":"riverside-walk"`},
		[]string{"incident", `"id":"repeat-an-1-`})
	var list struct{ Items []struct{ ID string } }
	if st := call(t, "GET", httpURL+"/api/incidents?site=riverside", op, nil, &list); st != 200 || len(list.Items) != 1 {
		t.Fatalf("incidents: %d %+v", st, list)
	}
	var inc struct {
		State   string
		Members []struct{ Anomaly string }
	}
	if st := call(t, "GET", httpURL+"/api/incidents/"+list.Items[0].ID, op, nil, &inc); st != 200 || inc.State != "open" ||
		len(inc.Members) != 1 || inc.Members[0].Anomaly != "an-1" {
		t.Fatalf("incident: %d %+v", st, inc)
	}
	var rec struct{ Status string }
	if st := call(t, "GET", httpURL+"/api/anomalies/an-1", op, nil, &rec); st != 200 || rec.Status != "open" {
		t.Fatalf("anomaly: %d %+v", st, rec)
	}
	if st := call(t, "POST", httpURL+"/api/anomalies/an-1/ack", op, map[string]string{}, nil); st != 403 {
		t.Fatalf("operator ack: %d, want 403", st)
	}

	// The admin reads the audit: the refused stream view and rules call are there.
	root := loginAs(t, httpURL, "root")
	var audit struct {
		Items []struct {
			Who, Action, Object, Site string
			Status                    int
		}
	}
	if st := call(t, "GET", httpURL+"/api/audit?who=river-op&limit=500", root, nil, &audit); st != 200 {
		t.Fatalf("audit: %d", st)
	}
	seen := map[string]bool{}
	for _, e := range audit.Items {
		seen[e.Action+" "+e.Object+" "+strconv.Itoa(e.Status)] = true
	}
	for _, want := range []string{"stream.view hillside-fire 403", "stream.view riverside-walk 201", "rules.get hillside 403", "rules.get riverside 200", "anomaly.ack an-1 403", "events  200", "login river-op 200"} {
		if !seen[want] {
			t.Errorf("audit lacks %q: %+v", want, audit.Items)
		}
	}
	for _, secret := range []string{op, root, "river-op password"} {
		if strings.Contains(log.String(), secret) {
			t.Error("the log shows a secret")
		}
	}
}

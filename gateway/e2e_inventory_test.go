package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// Real: the gateway's run (store, API, directory, embedded broker, the
// console's assets) and Chromium driving the console as an operator of
// riverside would. Simulated: the edge, a paho client publishing its
// status and one camera's.
// The operator imports a CSV (a bad one first: the problem shows with its
// line; then a dry run that writes nothing; then for real), sees each
// camera's owner edge, adds one camera by the form, is refused one at
// hillside, and sees the edge's health and load in the Edges view.
func TestConsoleInventory(t *testing.T) {
	httpURL, mqttURL, _ := startGateway(t, consoleUsers(t))
	fakeEdge(t, httpURL, mqttURL, map[string]string{"river-1": "riverside"})
	publishEdgeStatus(t, mqttURL, bus.EdgeStatus{Edge: "edge-demo", State: bus.Online, Version: "test-1",
		Cameras: []string{"river-1"}, Load: 0.42, Time: bus.Now()})
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.csv", "id,site,name,main\nriver-1,riverside,Gate,rtsp://10.0.0.1/a\nriver-2,riverside,Bank,rtsp://admin:hunter2@10.0.0.2/b\n")
	good := writeFile(t, dir, "good.csv", "id,site,name,main\nriver-1,riverside,Gate,rtsp://10.0.0.1/a\nriver-2,riverside,Bank,rtsp://10.0.0.2/b\n")

	ctx := peers.Chromium(t)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	until := func(what, js string) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if _, err := chromedp.Run(c, chromedp.Poll[chromedp.Void](js)); err != nil {
			t.Fatalf("%s: %v (waited for %s)", what, err, js)
		}
	}
	tid := func(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }
	text := func(id string) string {
		return "(document.querySelector('[data-testid=\"" + id + "\"]')?.textContent || '')"
	}

	do("sign in", chromedp.Navigate(httpURL+"/"), chromedp.WaitVisible(tid("login-form")),
		chromedp.SendKeys(tid("login-user"), "river-op"), chromedp.SendKeys(tid("login-password"), "river-op password"),
		chromedp.Click(tid("login-submit")), chromedp.WaitVisible(tid("nav-edges")))
	do("open the cameras view", chromedp.Navigate(httpURL+"/#/cameras"), chromedp.WaitReady(tid("import-panel")))
	peers.Eval[bool](t, ctx, `(() => { for (const p of document.querySelectorAll('details')) p.open = true; return true; })()`)

	do("import a bad file", chromedp.SetUploadFiles(tid("import-file"), []string{bad}), chromedp.Click(tid("import-submit")))
	until("the problem at line 3", `document.querySelector('[data-testid="import-problem"][data-line="3"][data-field="main"]')`)
	if page := peers.Eval[string](t, ctx, `document.body.textContent`); strings.Contains(page, "hunter2") {
		t.Fatal("the console shows the password of the refused URL")
	}

	do("dry run", chromedp.SetUploadFiles(tid("import-file"), []string{good}), chromedp.Click(tid("import-submit")))
	until("the dry run's counts", text("import-result")+`.includes('would create 2')`)
	var inv struct{ Items []json.RawMessage }
	root := loginAs(t, httpURL, "root")
	if st := call(t, "GET", httpURL+"/api/inventory", root, nil, &inv); st != 200 || len(inv.Items) != 0 {
		t.Fatalf("after the dry run: %d, %d registered", st, len(inv.Items))
	}

	peers.Eval[bool](t, ctx, `(() => { document.querySelector('[data-testid="import-dry-run"]').checked = false; return true; })()`)
	do("import", chromedp.Click(tid("import-submit")))
	until("the import's counts", text("import-result")+`.includes('Created 2')`)
	until("the registered cameras with their owners",
		`document.querySelector('[data-camera="river-1"] [data-testid="camera-owner"]')?.textContent === 'edge-demo' && `+
			`document.querySelector('[data-camera="river-2"] [data-testid="camera-owner"]')?.textContent === '—'`)

	do("add a camera", chromedp.SendKeys(tid("add-id"), "river-3"), chromedp.SendKeys(tid("add-main"), "rtsp://10.0.0.3/c"),
		chromedp.SendKeys(tid("add-password_env"), "CAM_PASSWORD"), chromedp.Click(tid("add-submit")))
	until("the added camera", `document.querySelector('[data-camera="river-3"]')`)
	peers.Eval[bool](t, ctx, `(() => { document.querySelector('[data-testid="add-site"]').value = ''; return true; })()`)
	do("add one at hillside", chromedp.SendKeys(tid("add-id"), "hill-9"), chromedp.SendKeys(tid("add-site"), "hillside"),
		chromedp.SendKeys(tid("add-main"), "rtsp://10.0.9.9/x"), chromedp.Click(tid("add-submit")))
	until("the refusal", text("add-error")+`.includes('hillside is not in your sites')`)

	do("the edges view", chromedp.Click(tid("nav-edges")))
	until("the edge's health and load", `(() => { const r = document.querySelector('[data-testid="edge-row"][data-edge="edge-demo"]'); `+
		`return r && r.dataset.state === 'online' && r.querySelector('[data-testid="edge-cameras"]').textContent.trim() === '1' && `+
		`r.textContent.includes('0.42') && r.querySelector('[data-testid="edge-bar"]').dataset.percent === ''; })()`)

	var audit struct {
		Items []struct {
			Action, Detail string
			Status         int
		}
	}
	if st := call(t, "GET", httpURL+"/api/audit?who=river-op&action=camera.&limit=500", root, nil, &audit); st != 200 {
		t.Fatalf("audit: %d", st)
	}
	var got []string
	for _, e := range audit.Items {
		if e.Action == "camera.create" || e.Action == "camera.import" {
			got = append(got, e.Action+" "+strconv.Itoa(e.Status))
		}
	}
	if want := "camera.create 403,camera.create 201,camera.import 200,camera.import 200,camera.import 422"; strings.Join(got, ",") != want {
		t.Fatalf("audit %q, want %q", got, want)
	}
}

// publishEdgeStatus publishes an edge's retained status, as an edge does.
func publishEdgeStatus(t *testing.T, mqttURL string, es bus.EdgeStatus) {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(mqttURL).SetClientID("edge-status-" + es.Edge))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("edge status: connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	b, _ := json.Marshal(es)
	if tok := c.Publish(bus.EdgeStatusTopic(es.Edge), 1, true, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
}

// writeFile writes a file the browser will upload.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

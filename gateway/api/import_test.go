package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/argus-edge/argus/gateway/config"
	"github.com/argus-edge/argus/gateway/inventory"
)

// importAnswer is POST /api/cameras/import's answer, good or bad.
type importAnswer struct {
	Created, Updated, Unchanged int
	DryRun                      bool `json:"dry_run"`
	Error                       string
	Problems                    []inventory.Problem
	Report                      string
}

// importing posts body and decodes the answer.
func (e *env) importing(token, contentType, query, body string) (int, importAnswer) {
	e.t.Helper()
	resp, b := e.raw("POST", "/api/cameras/import"+query, token, contentType, body)
	var a importAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		e.t.Fatalf("answer %d %q: %v", resp.StatusCode, b, err)
	}
	return resp.StatusCode, a
}

// registeredCount counts the inventory's cameras.
func (e *env) registeredCount() int {
	e.t.Helper()
	counts, err := e.st.CameraCounts(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c.Cameras
	}
	return n
}

const importCSV = "id,site,name,main,sub,transport,username,username_env,password_env,lat,lon,alt,pin,disabled\n" +
	"gate-1,riverside,Main gate,rtsp://10.0.0.5/main,,udp,,,GATE_PASSWORD,45.07,7.68,240,,false\n" +
	"gate-2,riverside,Side gate,rtsp://10.0.0.6/main,,,,,,,,,,\n"

const importYAML = `cameras:
  - id: gate-2
    site: riverside
    name: Side gate, renamed
    main: rtsp://10.0.0.6/main
  - id: dock-1
    site: riverside
    main: rtsp://10.0.1.9/main
    pin: edge-dock
`

// A dry run counts and writes nothing; the import then creates; the same
// file again changes nothing; a YAML import updates and creates. Each is
// audited with its counts and the ids it changed.
func TestImport(t *testing.T) {
	e := newEnv(t)
	op := e.login("river-op")
	status, a := e.importing(op, "text/csv", "?dry_run=1", importCSV)
	if status != 200 || a.Created != 2 || !a.DryRun || e.registeredCount() != 0 {
		t.Fatalf("dry run: %d %+v, %d registered", status, a, e.registeredCount())
	}
	if au := e.lastAudit(); au.Action != "camera.import" || !strings.HasPrefix(au.Detail, "dry run: 2 created") || au.Site != "riverside" {
		t.Fatalf("dry run audit %+v", au)
	}
	if status, a = e.importing(op, "text/csv", "", importCSV); status != 200 || a.Created != 2 || e.registeredCount() != 2 {
		t.Fatalf("import: %d %+v", status, a)
	}
	if status, a = e.importing(op, "text/csv", "", importCSV); status != 200 || a.Unchanged != 2 || a.Created+a.Updated != 0 {
		t.Fatalf("same again: %d %+v", status, a)
	}
	if status, a = e.importing(op, "application/yaml", "", importYAML); status != 200 || a.Created != 1 || a.Updated != 1 {
		t.Fatalf("YAML: %d %+v", status, a)
	}
	if au := e.lastAudit(); au.Who != "river-op" || au.Detail != "1 created, 1 updated, 0 unchanged; changed: gate-2, dock-1" {
		t.Fatalf("import audit %+v", au)
	}
	cam, err := e.st.Camera(context.Background(), "gate-1")
	if err != nil || cam.Transport != "udp" || cam.PasswordEnv != "GATE_PASSWORD" || cam.Location == nil || cam.UpdatedBy != "river-op" {
		t.Fatalf("gate-1 %+v %v", cam, err)
	}
}

// Every problem of the file comes back at once, each at its line; nothing
// is written. A camera of another site refuses the whole import (403),
// naming its line; so does moving one of another site's cameras.
func TestImportRefusals(t *testing.T) {
	e := newEnv(t)
	op, root := e.login("river-op"), e.login("root")
	if status, _ := e.importing(root, "text/csv", "", "id,site,main\nhill-1,hillside,rtsp://10.0.2.1/x\n"); status != 200 {
		t.Fatal(status)
	}
	bad := "id,site,name,main,password_env\n" +
		"ok-1,riverside,,rtsp://10.0.0.1/a,\n" +
		"ok-2,riverside,,rtsp://admin:hunter2@10.0.0.1/b,\n" +
		"ok-3,riverside,\"=cmd|' /C calc'!A0\",rtsp://10.0.0.1/c,\n" +
		"ok-4,riverside,,rtsp://10.0.0.1/d,1BAD\n" +
		"ok-1,riverside,,rtsp://10.0.0.1/e,\n" +
		"ok-6,riverside,\"unclosed,rtsp://10.0.0.1/f,\n"
	status, a := e.importing(op, "text/csv", "", bad)
	want := []string{
		"line 3: main:", "line 4: name:", "line 5: password_env:", `line 6: id: "ok-1" is already the id of the camera on line 2`,
		"line 7: malformed quoting",
	}
	if status != 422 || len(a.Problems) != len(want) {
		t.Fatalf("%d %+v", status, a)
	}
	for i, w := range want {
		if !strings.HasPrefix(a.Problems[i].String(), w) || !strings.Contains(a.Report, w) {
			t.Errorf("problem %d: %q, want %q", i, a.Problems[i], w)
		}
	}
	if strings.Contains(a.Report, "hunter2") || e.registeredCount() != 1 {
		t.Fatalf("report %q; %d registered", a.Report, e.registeredCount())
	}
	if au := e.lastAudit(); au.Status != 422 || !strings.Contains(au.Detail, "5 problems") {
		t.Fatalf("audit %+v", au)
	}
	for _, body := range []string{
		"id,site,main\nriver-1,riverside,rtsp://10.0.0.1/a\nhill-2,hillside,rtsp://10.0.2.1/y\n",
		"id,site,main\nriver-1,riverside,rtsp://10.0.0.1/a\nhill-1,riverside,rtsp://10.0.2.1/x\n",
	} {
		status, a = e.importing(op, "text/csv", "", body)
		if status != 403 || len(a.Problems) != 1 || !strings.HasPrefix(a.Problems[0].String(), "line 3: site:") ||
			!strings.Contains(a.Problems[0].Msg, "hillside is not in your sites") || e.registeredCount() != 1 {
			t.Errorf("%q: %d %+v, %d registered", body, status, a, e.registeredCount())
		}
	}
	if resp, b := e.raw("POST", "/api/cameras/import", op, "text/plain", "id,site,main\n"); resp.StatusCode != 415 {
		t.Errorf("text/plain: %d %s", resp.StatusCode, b)
	}
	huge := "id,site,main\n" + strings.Repeat("x", int(config.DefaultLimits.ImportBytes))
	if resp, b := e.raw("POST", "/api/cameras/import", op, "text/csv", huge); resp.StatusCode != 413 || !strings.Contains(string(b), "split it") {
		t.Errorf("over 16 MiB: %d %.200s", resp.StatusCode, b)
	}
	if resp, _ := e.raw("POST", "/api/cameras/import", e.login("river-cmd"), "text/csv", importCSV); resp.StatusCode != 403 {
		t.Errorf("a commander imports: %d", resp.StatusCode)
	}
	if resp, _ := e.raw("POST", "/api/cameras/import", "", "text/csv", importCSV); resp.StatusCode != 401 {
		t.Errorf("nobody imports: %d", resp.StatusCode)
	}
}

// districtCSV is n cameras over 100 sites, ids prefixed.
func districtCSV(prefix string, n int) string {
	var b strings.Builder
	b.WriteString("id,site,name,main,sub,transport,username,username_env,password_env,lat,lon,alt,pin,disabled\n")
	for i := range n {
		fmt.Fprintf(&b, "%s%05d,site-%03d,Camera %d,rtsp://10.%d.%d.%d:554/main,rtsp://10.%d.%d.%d:554/sub,tcp,,CAM_USER,CAM_PASSWORD,45.%04d,7.%04d,240,,false\n",
			prefix, i, i%100, i, i/65536, i/256%256, i%256, i/65536, i/256%256, i%256, i%10000, i%10000)
	}
	return b.String()
}

// 41,000 cameras, the district, in one request: within the body limit,
// all created, all unchanged the second time. (The time it takes is
// BenchmarkImport41k's figure.)
func TestImport41k(t *testing.T) {
	e := newEnv(t)
	root := e.login("root")
	body := districtCSV("cam-", 41000)
	if len(body) > int(config.DefaultLimits.ImportBytes) {
		t.Fatalf("41,000 cameras are %d bytes, over the %d limit", len(body), int(config.DefaultLimits.ImportBytes))
	}
	status, a := e.importing(root, "text/csv", "", body)
	if status != 200 || a.Created != 41000 {
		t.Fatalf("%d %+v", status, a)
	}
	status, a = e.importing(root, "text/csv", "?dry_run=1", body)
	if status != 200 || a.Unchanged != 41000 {
		t.Fatalf("again: %d %+v", status, a)
	}
	inv, err := e.st.ListInventory(context.Background(), 40990, 100)
	if err != nil || len(inv.Changes) != 10 || inv.Revision != 41000 {
		t.Fatalf("feed tail: %d changes to %d, %v", len(inv.Changes), inv.Revision, err)
	}
	if au := e.lastAudit(); !strings.Contains(au.Detail, "41000 unchanged") {
		t.Fatalf("audit %+v", au)
	}
}

// BenchmarkImport41k registers 41,000 new cameras (100 sites × 410) as
// one CSV request through the handler into SQLite: parse, check, one
// transaction, audit. Each iteration registers fresh ids.
func BenchmarkImport41k(b *testing.B) {
	e := newEnv(b)
	root := e.login("root")
	i := 0
	for b.Loop() {
		b.StopTimer()
		body := districtCSV(fmt.Sprintf("b%d-", i), 41000)
		i++
		b.StartTimer()
		status, a := e.importing(root, "text/csv", "", body)
		if status != 200 || a.Created != 41000 {
			b.Fatalf("%d %+v", status, a)
		}
	}
	b.ReportMetric(float64(41000*b.N)/b.Elapsed().Seconds(), "cameras/s")
}

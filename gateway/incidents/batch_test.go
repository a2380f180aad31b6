package incidents

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// mixedStream is a storm with every rule at work: offline cameras over 3
// sites (outages that fold the cameras' own incidents in), repeats and
// flapping on a few cameras, located fires that make areas, and ends.
func mixedStream(n int) []store.Anomaly {
	kinds := []string{bus.KindCameraOffline, bus.KindPerson, bus.KindFire, bus.KindCameraCovered}
	var out []store.Anomaly
	for i := range n {
		cam := i % 40
		a := rec(fmt.Sprintf("a%d", i), fmt.Sprintf("site%d", cam%3), fmt.Sprintf("cam%d", cam),
			kinds[i%len(kinds)], bus.StateStart, time.Duration(i)*700*time.Millisecond)
		out = append(out, a)
		if i%5 == 4 { // the previous one ends
			end := out[len(out)-2]
			end.State, end.EndedAt, end.UpdatedAt = bus.StateEnd, a.StartedAt, a.StartedAt
			out = append(out, end)
		}
	}
	return out
}

// mixedEnv is where mixedStream's cameras stand, what the fire cameras
// see (views facing each other, away, or unknown) and the power areas of
// some offline cameras across the 3 sites (feeder-b has too few for an outage).
func mixedEnv() Env {
	p := places{}
	v := views{}
	power := map[string]string{}
	for i := range 40 {
		cam := fmt.Sprintf("cam%d", i)
		p[cam] = bus.Geo{Lat: 30 + metresNorth(float64(i*300)), Lon: 120}
		switch k := i / 4; {
		case i%4 == 2 && k%3 == 0: // fire cameras: every third view unknown
		case i%4 == 2:
			heading := 0.0
			if k%2 == 1 {
				heading = 180
			}
			v[cam] = View{Heading: heading, FOV: 40, Range: 1000 + 200*float64(k)}
		case i%4 == 0 && i < 20: // offline cameras of sites 0, 1 and 2
			power[cam] = "feeder-a"
		case i%4 == 0 && i < 28:
			power[cam] = "feeder-b"
		}
	}
	return Env{Locate: p.locate, View: v.view, PowerArea: func(c string) string { return power[c] }}
}

// TestObserveBatchAsOneByOne: the same stream grouped one record at a
// time (Observe) and in batches of 1, 7 and 500 (ObserveBatch), each on
// its own real SQLite store, leaves the same incidents with the same
// members, people's changes and timelines, gives the same answers for
// the wall and dispatches the same drones. The stream has fires grouped
// by cameras' views and outages by power area; between its two parts a
// person acknowledges, assigns and notes one outage and resolves one
// fire area (through Act, as the API does), which the grouping after
// must keep. The dispatcher is simulated: it records what it was told.
func TestObserveBatchAsOneByOne(t *testing.T) {
	stream := mixedStream(1500)
	parts := [][]store.Anomaly{stream[:1001], stream[1001:]}
	run := func(batch int) (string, []bool, []string) {
		st := openStore(t, filepath.Join(t.TempDir(), "argus.db"))
		var sent []string
		svc, err := NewService(st, Rules{}, Options{Env: mixedEnv(), Log: zerolog.Nop(),
			Dispatch: func(incident string, a store.Anomaly, line func(string)) {
				if !slices.ContainsFunc(sent, func(s string) bool { return strings.HasPrefix(s, incident+" ") }) {
					line("drone sent for " + a.ID)
				}
				sent = append(sent, incident+" "+a.ID)
			}})
		if err != nil {
			t.Fatal(err)
		}
		var off []bool
		for i, part := range parts {
			if i > 0 {
				peopleAct(t, svc, st)
			}
			if batch == 0 {
				for _, a := range part {
					off = append(off, svc.Observe(a))
				}
				continue
			}
			for chunk := range slices.Chunk(part, batch) {
				off = append(off, svc.ObserveBatch(chunk)...)
			}
		}
		if svc.Failed() != 0 {
			t.Fatalf("batch %d: %d incident writes failed", batch, svc.Failed())
		}
		return dump(t, st), off, sent
	}
	want, wantOff, wantSent := run(0)
	for _, rule := range []string{"power area feeder-a", "acknowledged", "resolved", "owner ann"} {
		if !strings.Contains(want, rule) {
			t.Fatalf("the stream should make an incident with %q:\n%s", rule, want)
		}
	}
	if len(wantSent) == 0 {
		t.Fatal("no fire area was dispatched to")
	}
	for _, batch := range []int{1, 7, 500} {
		got, off, sent := run(batch)
		if got != want {
			t.Fatalf("batch %d stored:\n%s\nwant (one by one):\n%s", batch, got, want)
		}
		if !slices.Equal(off, wantOff) {
			t.Fatalf("batch %d: off-wall answers differ from one by one", batch)
		}
		if !slices.Equal(sent, wantSent) {
			t.Fatalf("batch %d dispatched %v, one by one %v", batch, sent, wantSent)
		}
	}
}

// peopleAct acknowledges, assigns and notes the newest open outage, and
// resolves the newest open fire area, as a person does through the API.
func peopleAct(t *testing.T, svc *Service, st store.Store) {
	t.Helper()
	ctx := context.Background()
	page, err := st.Incidents(ctx, store.IncidentQuery{State: store.StatusOpen, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	acted := map[string]bool{}
	for _, inc := range page.Items {
		var acts []Action
		switch {
		case inc.Rule == store.RuleOutage && !acted[inc.Rule]:
			acts = []Action{{What: ActAck, By: "ann", Text: "on it"}, {What: ActAssign, By: "ann", Text: "ann"}, {What: ActNote, By: "ann", Text: "crew called"}}
		case inc.Rule == store.RuleArea && !acted[inc.Rule]:
			acts = []Action{{What: ActResolve, By: "bob", Text: "a bonfire"}}
		}
		for _, act := range acts {
			act.At = t0
			if _, _, err := svc.Act(ctx, inc.ID, act); err != nil {
				t.Fatal(err)
			}
			acted[inc.Rule] = true
		}
	}
	if len(acted) != 2 {
		t.Fatalf("acted on %v: the first part should leave an outage and a fire area open", acted)
	}
}

// dump is every stored incident with its members and timeline, as text.
func dump(t *testing.T, st store.Store) string {
	ctx := context.Background()
	page, err := st.Incidents(ctx, store.IncidentQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if page.Next != "" || len(page.Items) < 10 {
		t.Fatalf("%d incidents (more: %v): the stream should make a few dozen", len(page.Items), page.Next != "")
	}
	out := ""
	for _, inc := range page.Items {
		full, err := st.Incident(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := st.IncidentMembers(ctx, inc.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(ms))
		for i, m := range ms {
			ids[i] = m.Anomaly
		}
		slices.Sort(ids)
		out += fmt.Sprintf("%s %s %s %s count %d sites %v power area %s cause %q title %q owner %s notes %d merged %q members %v timeline %d\n",
			inc.ID, inc.Rule, inc.State, inc.Severity, inc.Count, full.Sites, full.PowerArea, full.Cause, full.Title, full.Owner,
			len(full.Notes), full.Merged, ids, len(full.Timeline))
	}
	return out
}

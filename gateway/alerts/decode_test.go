package alerts

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// sampleAnomalies are messages as edges write them.
func sampleAnomalies() []bus.Anomaly {
	at := bus.At(time.Date(2026, 12, 7, 7, 30, 0, 123e6, time.UTC))
	return []bus.Anomaly{
		{ID: "a-1", Seq: 1, Site: "riverside", Camera: "cam-00001", Edge: "edge-1", Kind: bus.KindCameraOffline, State: bus.StateStart,
			Severity: "high", FrameTime: at, PublishedAt: at},
		{ID: "a-2", Seq: 18446744073709551615, Site: "hillside", Camera: "cam-2", Edge: "e", Kind: "person", State: bus.StateUpdate,
			Severity: "medium", Score: 0.87, Box: [4]float64{0.1, 0.25, 1e-3, 1}, Zone: "Zône nord", Rule: "r", RuleVersion: -3,
			Shadow: true, FrameTime: at, PublishedAt: at, Geo: &bus.Geo{Lat: -33.9, Lon: 151.2, Alt: 12.5},
			Snapshot: []byte{0xff, 0xd8, 0xff, 0xe0, 1, 2, 3}, Verifies: "a-1", Owner: bus.Owner{Epoch: 7, Incarnation: "i-9"}},
		{},
	}
}

// The edges' messages take the decoder's own path (not encoding/json's)
// and come out as encoding/json reads them.
func TestDecodeAnomalyOwnPath(t *testing.T) {
	for _, a := range sampleAnomalies() {
		payload, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var got bus.Anomaly
		d := anomalyDecoder{b: payload}
		if !d.anomaly(&got) {
			t.Fatalf("%s went to encoding/json", payload)
		}
		var want bus.Anomaly
		if err := json.Unmarshal(payload, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", payload, got, want)
		}
	}
}

// decodeAnomaly reads what encoding/json reads, and fails where it fails,
// with its error: escapes, other casings, unknown and repeated names,
// nulls, short boxes, bad numbers, times and base64, trailing data.
func TestDecodeAnomalyAsEncodingJSON(t *testing.T) {
	for _, in := range decodeSeeds(t) {
		checkDecode(t, []byte(in))
	}
}

func FuzzDecodeAnomaly(f *testing.F) {
	for _, in := range decodeSeeds(f) {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkDecode(t, in) })
}

func checkDecode(t *testing.T, in []byte) {
	t.Helper()
	var want, got bus.Anomaly
	werr := json.Unmarshal(in, &want)
	gerr := decodeAnomaly(in, &got)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("%q: error %v, encoding/json's %v", in, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %+v\nwant %+v", in, got, want)
	}
}

func decodeSeeds(tb testing.TB) []string {
	var out []string
	for _, a := range sampleAnomalies() {
		b, err := json.Marshal(a)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, string(b))
	}
	full := out[1]
	return append(out,
		` {"id":"a","seq":3} `,
		`{"id":"a\u0041","seq":3}`,
		`{"ID":"a","Seq":3}`,
		`{"id":"a","id":"b"}`,
		`{"id":"a","extra":{"x":[1,2]}}`,
		`{"id":null,"geo":null,"snapshot":null,"frame_time":null}`,
		`{"box":[0.1,0.2]}`,
		`{"box":[0.1,0.2,0.3,0.4,0.5]}`,
		`{"seq":-1}`, `{"seq":1.5}`, `{"seq":1e3}`, `{"seq":18446744073709551616}`, `{"seq":01}`,
		`{"rule_version":-0}`, `{"score":-0}`, `{"score":1e400}`, `{"score":.5}`, `{"score":1.}`, `{"score":"0.5"}`,
		`{"shadow":tru}`, `{"shadow":truex}`, `{"shadow":1}`,
		`{"frame_time":"2026-12-07T07:30:00.123+02:00"}`, `{"frame_time":"yesterday"}`, `{"frame_time":12}`,
		`{"snapshot":"/9j/"}`, `{"snapshot":""}`, `{"snapshot":"/9j"}`, `{"snapshot":"!!!!"}`,
		`{"geo":{"lat":1,"lon":2}}`, `{"geo":{"lat":1,"lat":2}}`, `{"geo":{"Lat":1}}`,
		`{"zone":"\u003cgate\u003e \u0026 co"}`, "{\"zone\":\"bad \xff byte\"}", "{\"zone\":\"tab\there\"}", `{"zone":"é"}`,
		`{"id":"a"} x`, `{"id":"a"}{}`, `{"id":"a",}`, `{"id" "a"}`, `{}`, `[]`, `null`, ``, `{`,
		strings.Replace(full, `"site"`, `"Site"`, 1),
		strings.Replace(full, `{`, `{"epoch":1,`, 1),
	)
}

// BenchmarkDecodeAnomaly: a camera_offline start as the edges publish it,
// read by decodeAnomaly and, for comparison, by encoding/json.
func BenchmarkDecodeAnomaly(b *testing.B) {
	payload, _ := json.Marshal(sampleAnomalies()[0])
	for _, c := range []struct {
		name string
		fn   func([]byte, *bus.Anomaly) error
	}{{"own", decodeAnomaly}, {"encoding-json", func(p []byte, a *bus.Anomaly) error { return json.Unmarshal(p, a) }}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var a bus.Anomaly
				if err := c.fn(payload, &a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

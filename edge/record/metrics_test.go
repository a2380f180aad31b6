package record

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetrics: the recorder's series pass the Prometheus linter and count
// what a recording run did.
func TestMetrics(t *testing.T) {
	r, _ := recordWithClips(t, t.TempDir())
	if problems, err := testutil.CollectAndLint(r); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", err, problems)
	}
	want := `
# HELP argus_record_clips_total Event clips closed and indexed.
# TYPE argus_record_clips_total counter
argus_record_clips_total 2
# HELP argus_record_segments_total Continuous segments closed and indexed.
# TYPE argus_record_segments_total counter
argus_record_segments_total 4
# HELP argus_record_write_errors_total Failed recording writes (a full disk); the fragment is lost, ingest goes on.
# TYPE argus_record_write_errors_total counter
argus_record_write_errors_total 0
`
	if err := testutil.CollectAndCompare(r, strings.NewReader(want), "argus_record_clips_total",
		"argus_record_segments_total", "argus_record_write_errors_total"); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(r.m.written); got < 1e5 {
		t.Errorf("written bytes %g, want the files' size", got)
	}
}

package record

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
)

// maxExport bounds one export: a report's range, not a camera's archive.
const maxExport = 6 * time.Hour

// exporter joins a camera's segments into one fMP4 file from the keyframe
// at or before from to the fragment that ends at or after to. It stops
// early where the camera's codec or resolution changed (one init segment
// describes one).
type exporter struct {
	from, to time.Time
	init     *fmp4.Init
	base     time.Time // wall-clock time of the file's first frame
	seq      uint32
	buf      seekablebuffer.Buffer
}

// segment appends what of one segment falls in the range; false when the
// export must stop here.
func (x *exporter) segment(w *bytes.Buffer, e entry) (bool, error) {
	data, err := os.ReadFile(e.Path)
	if err != nil {
		return false, err
	}
	head, cut := wholeFragments(data)
	var init fmp4.Init
	if err := init.Unmarshal(bytes.NewReader(data[:head])); err != nil || len(init.Tracks) != 1 {
		return false, fmt.Errorf("%s: init: %v", e.Path, err)
	}
	if x.init != nil && !sameCodec(x.init.Tracks[0].Codec, init.Tracks[0].Codec) {
		return false, nil
	}
	var parts fmp4.Parts
	if err := parts.Unmarshal(data[head:cut]); err != nil {
		return false, fmt.Errorf("%s: fragments: %w", e.Path, err)
	}
	for _, p := range parts {
		pt := p.Tracks[0]
		at := e.Start.Add(ticks(pt.BaseTime))
		end := at
		for _, s := range pt.Samples {
			end = end.Add(ticks(uint64(s.Duration)))
		}
		if !end.After(x.from) || !at.Before(x.to) {
			continue
		}
		if x.init == nil {
			if len(pt.Samples) == 0 || pt.Samples[0].IsNonSyncSample {
				continue // a file must start at a keyframe
			}
			x.init, x.base = &init, at
			x.buf.Reset()
			if err := init.Marshal(&x.buf); err != nil {
				return false, err
			}
			stampCreation(x.buf.Bytes(), at)
			w.Write(x.buf.Bytes())
		}
		x.seq++
		p.SequenceNumber = x.seq
		pt.BaseTime = uint64(at.Sub(x.base) * clockRate / time.Second)
		x.buf.Reset()
		if err := p.Marshal(&x.buf); err != nil {
			return false, err
		}
		w.Write(x.buf.Bytes())
	}
	return true, nil
}

func ticks(t uint64) time.Duration { return time.Duration(t) * time.Second / clockRate }

// export answers GET /api/recordings/{camera}/export?from=&to= with one
// MP4 of the range, to download for a report.
func (r *Recorder) export(w http.ResponseWriter, req *http.Request) {
	camera := req.PathValue("camera")
	from, to, err := timeRange(req, true)
	if err == nil && to.Sub(from) > maxExport {
		err = fmt.Errorf("the range is %s: at most %s per export", to.Sub(from), maxExport)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	x := &exporter{from: from, to: to}
	var out bytes.Buffer
	for _, e := range r.ix.find(camera, from, to) {
		more, err := x.segment(&out, e)
		if err != nil {
			http.Error(w, "export: "+err.Error(), http.StatusInternalServerError)
			return
		}
		if !more {
			break
		}
	}
	if x.init == nil {
		http.Error(w, fmt.Sprintf("camera %s has no recording from %s to %s", camera, from.Format(time.RFC3339), to.Format(time.RFC3339)), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", camera+"-"+stamp(x.base)+".mp4"))
	w.Header().Set("X-Argus-Start", x.base.Format(time.RFC3339Nano))
	http.ServeContent(w, req, "", x.base, bytes.NewReader(out.Bytes()))
}

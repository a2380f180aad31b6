package decode

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/frame"
)

// BenchmarkSnapshot720p is where the snapshot figures of the README come
// from: the simulator's fire scene at 720p (H.264, flame grown, 8 s into
// its loop), one picture encoded as a start's snapshot by libavcodec's
// MJPEG encoder (Decoder.JPEG, quality scale jpegQuality) and, for
// comparison, by Go's image/jpeg at quality 75 from the decoder's BGR
// picture. Each JPEG is decoded back and compared with that BGR picture:
// it reports the MJPEG encoding's time (ns/op), its PSNR (dB) and size
// (KB), and Go's (go-q75-dB, go-q75-KB).
//
//	go test -run XXX -bench Snapshot720p -benchtime 20x ./edge/decode/
func BenchmarkSnapshot720p(b *testing.B) {
	d, f := fireAt720p(b, 8*time.Second)
	var snap []byte
	for range b.N {
		var err error
		if snap, err = d.JPEG(f); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var goSnap bytes.Buffer
	if err := jpeg.Encode(&goSnap, bgrImage(f), &jpeg.Options{Quality: 75}); err != nil {
		b.Fatal(err)
	}
	db, goDB := psnr(b, snap, f), psnr(b, goSnap.Bytes(), f)
	b.ReportMetric(db, "dB")
	b.ReportMetric(float64(len(snap))/1000, "KB")
	b.ReportMetric(goDB, "go-q75-dB")
	b.ReportMetric(float64(goSnap.Len())/1000, "go-q75-KB")
	b.Logf("720p fire snapshot: MJPEG %.1f dB in %.1f KB; Go quality 75 %.1f dB in %.1f KB", db, float64(len(snap))/1000, goDB, float64(goSnap.Len())/1000)
}

// fireAt720p decodes the fire scene at 720p up to at and returns the
// decoder with that picture still kept (JPEG needs it).
func fireAt720p(b *testing.B, at time.Duration) (*Decoder, *frame.Frame) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a cold cache encodes the scene first
	defer cancel()
	sc, err := sim.NewLibrary(os.Getenv("ARGUS_CACHE"), zerolog.Nop()).Scene(ctx,
		sim.SceneSpec{Kind: sim.Fire, Width: 1280, Height: 720, FPS: 15})
	if err != nil {
		b.Fatal(err)
	}
	clip, err := os.ReadFile(sc.File)
	if err != nil {
		b.Fatal(err)
	}
	d := newDecoder(b, "h264", Active)
	d.SetFullBGR(true)
	want := int(at.Seconds() * 15)
	var last *frame.Frame
	n := 0
	for _, u := range units("h264", clip) {
		f, err := d.Decode(u)
		if err != nil {
			b.Fatal(err)
		}
		if f == nil {
			continue
		}
		if last != nil {
			d.Release(last)
		}
		last = f
		if n++; n > want {
			break
		}
	}
	if last == nil || last.Width != 1280 || last.Height != 720 || len(last.BGR) != 1280*720*3 {
		b.Fatalf("no 720p BGR picture from the fire scene (%d frames)", n)
	}
	return d, last
}

// bgrImage wraps the frame's packed BGR picture as an image for Go's encoder.
func bgrImage(f *frame.Frame) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	for i := 0; i < f.Width*f.Height; i++ {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = f.BGR[3*i+2], f.BGR[3*i+1], f.BGR[3*i], 255
	}
	return img
}

// psnr decodes a JPEG and compares it with the frame's BGR picture over
// the three channels.
func psnr(b *testing.B, jpg []byte, f *frame.Frame) float64 {
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		b.Fatal(err)
	}
	var sum float64
	for y := range f.Height {
		for x := range f.Width {
			r, g, bl, _ := img.At(x, y).RGBA()
			p := f.BGR[(y*f.Width+x)*3:]
			for i, v := range []uint32{bl, g, r} {
				e := float64(v>>8) - float64(p[i])
				sum += e * e
			}
		}
	}
	mse := sum / float64(3*f.Width*f.Height)
	return 10 * math.Log10(255*255/mse)
}

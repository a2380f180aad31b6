package mavlink

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/minimal"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
)

// The spec's timestamp rule, stream by stream.
func TestReplayGuard(t *testing.T) {
	now := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	ts := uint64(now.Sub(signingEpoch) / (10 * time.Microsecond))
	f := func(sys, link byte, ts uint64, sig byte) *frame.V2Frame {
		return &frame.V2Frame{SystemID: sys, ComponentID: 1, SignatureLinkID: link, SignatureTimestamp: ts,
			Signature: &frame.V2Signature{sig}}
	}
	g := &replayGuard{streams: map[stream]*stamp{}}
	steps := []struct {
		name string
		f    *frame.V2Frame
		want bool
	}{
		{"first of a stream, now", f(1, 0, ts, 1), true},
		{"same timestamp, another signature", f(1, 0, ts, 2), true},
		{"same timestamp, a signature seen", f(1, 0, ts, 1), false},
		{"newer", f(1, 0, ts+5, 3), true},
		{"older than the newest", f(1, 0, ts+4, 4), false},
		{"the former newest's signature again", f(1, 0, ts, 2), false},
		{"another link id is another stream", f(1, 1, ts, 9), true},
		{"another system is another stream", f(2, 0, ts-100, 9), true},
		{"first of a stream, 2 min old", f(3, 0, ts-2*maxSkew, 1), false},
		{"first of a stream, ahead of our clock", f(4, 0, ts+10*maxSkew, 1), true},
		{"no signature", &frame.V2Frame{SystemID: 5}, false},
	}
	for _, s := range steps {
		if got := g.fresh(s.f, now); got != s.want {
			t.Errorf("%s: fresh %v, want %v", s.name, got, s.want)
		}
	}
}

// gomavlib's reader errors map to reasons; corruption is not one.
func TestSignatureReason(t *testing.T) {
	for msg, want := range map[string]string{
		"signature not present":                   RejectUnsigned,
		"signature required but packet is not v2": RejectUnsigned,
		"wrong signature":                         RejectWrongKey,
		"signature timestamp is too old":          RejectReplayed,
		"wrong checksum, expected 1, got 2":       "",
	} {
		got, ok := signatureReason(errors.New(msg))
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q %v, want %q", msg, got, ok, want)
		}
	}
	// And gomavlib's reader still says them so: an unsigned frame and one
	// signed with another key, read with a key.
	k := bytes.Repeat([]byte{1}, KeySize)
	rw := &dialect.ReadWriter{Dialect: minimal.Dialect}
	if err := rw.Initialize(); err != nil {
		t.Fatal(err)
	}
	for want, out := range map[string]*frame.V2Key{RejectUnsigned: nil, RejectWrongKey: frame.NewV2Key(bytes.Repeat([]byte{2}, KeySize))} {
		var buf bytes.Buffer
		w := &frame.Writer{ByteWriter: &buf, DialectRW: rw, OutVersion: frame.V2, OutSystemID: 1, OutKey: out}
		if err := w.Initialize(); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteMessage(&minimal.MessageHeartbeat{MavlinkVersion: 3}); err != nil {
			t.Fatal(err)
		}
		r := &frame.Reader{ByteReader: &buf, InKey: frame.NewV2Key(k)}
		if err := r.Initialize(); err != nil {
			t.Fatal(err)
		}
		_, err := r.Read()
		if err == nil {
			t.Fatalf("%s frame read with a key", want)
		}
		if got, _ := signatureReason(err); got != want {
			t.Errorf("gomavlib's %q: reason %q, want %q", err, got, want)
		}
	}
}

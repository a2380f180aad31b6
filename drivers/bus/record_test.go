package bus

import (
	"bytes"
	"errors"
	"testing"
)

func TestRecordRoundTrip(t *testing.T) {
	b, err := appendRecord(nil, record{seq: 7, topic: "argus/v1/anomalies/s/c", payload: []byte(`{"id":"x"}`)})
	if err != nil {
		t.Fatal(err)
	}
	r, n, err := decodeRecord(append(b, 0xaa)) // a following byte is not read
	if err != nil || n != len(b) || r.seq != 7 || r.topic != "argus/v1/anomalies/s/c" || string(r.payload) != `{"id":"x"}` {
		t.Fatalf("got %+v %d %v", r, n, err)
	}
	for cut := 0; cut < len(b); cut++ {
		if _, _, err := decodeRecord(b[:cut]); !errors.Is(err, errShort) {
			t.Fatalf("cut at %d: %v, want errShort", cut, err)
		}
	}
	for i := recordHeader - 4; i < len(b); i++ { // CRC and body bytes
		bad := bytes.Clone(b)
		bad[i] ^= 0x10
		if _, _, err := decodeRecord(bad); !errors.Is(err, errCorrupt) {
			t.Fatalf("flipped byte %d: %v, want errCorrupt", i, err)
		}
	}
}

func TestRecordTooBigIsRefused(t *testing.T) {
	if _, err := appendRecord(nil, record{topic: "t", payload: make([]byte, maxRecordBody)}); err == nil {
		t.Fatal("accepted a record over the limit")
	}
}

// FuzzDecodeRecord: the decoder never panics, never reads past its input,
// and whatever it accepts encodes back to the same bytes.
func FuzzDecodeRecord(f *testing.F) {
	good, _ := appendRecord(nil, record{seq: 1, topic: "argus/v1/anomalies/a/b", payload: []byte("{}")})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add([]byte{0, 0, 0, 10, 0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, n, err := decodeRecord(b)
		if err != nil {
			if !errors.Is(err, errShort) && !errors.Is(err, errCorrupt) {
				t.Fatalf("unexpected error kind %v", err)
			}
			return
		}
		if n > len(b) || n < recordHeader+recordMinBody {
			t.Fatalf("consumed %d of %d", n, len(b))
		}
		again, err := appendRecord(nil, r)
		if err != nil || !bytes.Equal(again, b[:n]) {
			t.Fatalf("re-encoding differs: %v", err)
		}
	})
}

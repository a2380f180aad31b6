package spool

import (
	"bytes"
	"errors"
	"testing"
)

func TestRecordRoundTrip(t *testing.T) {
	b, err := AppendRecord(nil, Record{Seq: 7, Topic: "argus/v1/anomalies/s/c", Payload: []byte(`{"id":"x"}`)})
	if err != nil {
		t.Fatal(err)
	}
	r, n, err := DecodeRecord(append(b, 0xaa)) // a following byte is not read
	if err != nil || n != len(b) || r.Seq != 7 || r.Topic != "argus/v1/anomalies/s/c" || string(r.Payload) != `{"id":"x"}` {
		t.Fatalf("got %+v %d %v", r, n, err)
	}
	for cut := 0; cut < len(b); cut++ {
		if _, _, err := DecodeRecord(b[:cut]); !errors.Is(err, ErrShort) {
			t.Fatalf("cut at %d: %v, want ErrShort", cut, err)
		}
	}
	for i := recordHeader - 4; i < len(b); i++ { // CRC and body bytes
		bad := bytes.Clone(b)
		bad[i] ^= 0x10
		if _, _, err := DecodeRecord(bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("flipped byte %d: %v, want ErrCorrupt", i, err)
		}
	}
}

func TestRecordTooBigIsRefused(t *testing.T) {
	if _, err := AppendRecord(nil, Record{Topic: "t", Payload: make([]byte, maxRecordBody)}); err == nil {
		t.Fatal("accepted a record over the limit")
	}
}

// FuzzDecodeRecord: the decoder never panics, never reads past its input,
// and whatever it accepts encodes back to the same bytes.
func FuzzDecodeRecord(f *testing.F) {
	good, _ := AppendRecord(nil, Record{Seq: 1, Topic: "argus/v1/anomalies/a/b", Payload: []byte("{}")})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add([]byte{0, 0, 0, 10, 0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, n, err := DecodeRecord(b)
		if err != nil {
			if !errors.Is(err, ErrShort) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("unexpected error kind %v", err)
			}
			return
		}
		if n > len(b) || n < recordHeader+recordMinBody {
			t.Fatalf("consumed %d of %d", n, len(b))
		}
		again, err := AppendRecord(nil, r)
		if err != nil || !bytes.Equal(again, b[:n]) {
			t.Fatalf("re-encoding differs: %v", err)
		}
	})
}

package sim

import (
	"bytes"
	"slices"
	"testing"
)

// Simulated: a hand-made H.264 Annex-B stream mixing 3- and 4-byte start
// codes and trailing zero bytes, as encoders write them.
func TestSplitNALUs(t *testing.T) {
	stream := []byte{
		0, 0, 0, 1, 0x67, 1, 2, // SPS
		0, 0, 1, 0x68, 3, // PPS
		0, 0, 0, 0, 1, 0x65, 0x88, 4, 0, // IDR with a trailing zero, then a 4-byte start code after a zero
		0, 0, 1, 0x41, 0x9a, 5,
	}
	got := splitNALUs(stream)
	want := [][]byte{{0x67, 1, 2}, {0x68, 3}, {0x65, 0x88, 4}, {0x41, 0x9a, 5}}
	if !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("got %x, want %x", got, want)
	}
	if got := splitNALUs([]byte{1, 2, 3}); got != nil {
		t.Fatalf("no start code: got %x", got)
	}
}

// Simulated: x264 with zerolatency writes two slices per picture; the
// second slice (first_mb_in_slice != 0) must stay in its picture.
func TestAccessUnitsSlices(t *testing.T) {
	sps, pps, sei := []byte{0x67, 1}, []byte{0x68, 2}, []byte{0x06, 3}
	idr1, idr2 := []byte{0x65, 0x88, 1}, []byte{0x65, 0x40, 2} // first_mb 0, then not 0
	p1, p2 := []byte{0x41, 0x9a, 3}, []byte{0x41, 0x20, 4}
	p3 := []byte{0x41, 0x9b, 5}
	got := accessUnits(H264, [][]byte{sps, pps, sei, idr1, idr2, p1, p2, p3, sps, pps, idr1})
	want := [][][]byte{{sps, pps, sei, idr1, idr2}, {p1, p2}, {p3}, {sps, pps, idr1}}
	if len(got) != len(want) {
		t.Fatalf("got %d access units, want %d: %x", len(got), len(want), got)
	}
	for i := range want {
		if !slices.EqualFunc(got[i], want[i], bytes.Equal) {
			t.Fatalf("access unit %d: got %x, want %x", i, got[i], want[i])
		}
	}
}

// Simulated: an H.265 stream as x265 writes it with repeat-headers: VPS,
// SPS, PPS, prefix SEI, IDR, then trailing pictures.
func TestAccessUnitsH265(t *testing.T) {
	vps, sps, pps, sei := []byte{0x40, 1, 0}, []byte{0x42, 1, 0}, []byte{0x44, 1, 0}, []byte{0x4e, 1, 0}
	idr := []byte{0x28, 1, 0x80, 7}
	trail1, trail1b := []byte{0x02, 1, 0x80, 8}, []byte{0x02, 1, 0x00, 9}
	trail2 := []byte{0x02, 1, 0x80, 10}
	got := accessUnits(H265, [][]byte{vps, sps, pps, sei, idr, trail1, trail1b, trail2})
	if len(got) != 3 || len(got[0]) != 5 || len(got[1]) != 2 || len(got[2]) != 1 {
		t.Fatalf("got %x", got)
	}
}

// Fuzzed: any byte soup. Splitting never panics, yields no empty unit,
// no unit holding a start code or ending in zero, and is stable when the
// units are joined again with start codes.
func FuzzSplitNALUs(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0x67, 1, 0, 0, 1, 0x68, 0})
	f.Add([]byte{0, 0, 1, 0, 0, 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		nalus := splitNALUs(data)
		var joined []byte
		for _, n := range nalus {
			if len(n) == 0 || n[len(n)-1] == 0 || bytes.Contains(n, startCode) {
				t.Fatalf("bad unit %x", n)
			}
			joined = append(append(joined, 0, 0, 0, 1), n...)
		}
		if again := splitNALUs(joined); !slices.EqualFunc(again, nalus, bytes.Equal) {
			t.Fatalf("not stable: %x then %x", nalus, again)
		}
	})
}

// Fuzzed: NAL units cut from any bytes. Grouping never panics, loses or
// reorders no unit, and yields no empty access unit.
func FuzzAccessUnits(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0x67, 1, 0, 0, 1, 0x65, 0x88, 0, 0, 1, 0x41, 0x9a}, false)
	f.Add([]byte{0, 0, 1, 0x40, 1, 0, 0, 1, 0x28, 1, 0x80}, true)
	f.Fuzz(func(t *testing.T, data []byte, hevc bool) {
		codec := H264
		if hevc {
			codec = H265
		}
		nalus := splitNALUs(data)
		var flat [][]byte
		for _, au := range accessUnits(codec, nalus) {
			if len(au) == 0 {
				t.Fatal("empty access unit")
			}
			flat = append(flat, au...)
		}
		if !slices.EqualFunc(flat, nalus, bytes.Equal) {
			t.Fatalf("units lost or reordered: %x vs %x", flat, nalus)
		}
	})
}

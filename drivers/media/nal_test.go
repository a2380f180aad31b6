package media

import (
	"slices"
	"testing"
)

// Payloads built by hand after RFC 6184 and RFC 7798; the NAL unit bodies
// are stand-ins, only their headers are read.
var (
	h264SPSUnit = []byte{0x67, 0x42, 0xe0, 0x1f}
	h264PPSUnit = []byte{0x68, 0xce, 0x3c, 0x80}
	h265VPSUnit = []byte{0x40, 0x01, 0x0c}
	h265SPSUnit = []byte{0x42, 0x01, 0x01}
	h265PPSUnit = []byte{0x44, 0x01, 0xc1}
)

// aggregate builds a STAP-A (H.264) or AP (H.265) of units.
func aggregate(h265 bool, units ...[]byte) []byte {
	b := []byte{0x78} // STAP-A, NRI 3
	if h265 {
		b = []byte{48 << 1, 1}
	}
	for _, u := range units {
		b = append(b, byte(len(u)>>8), byte(len(u)))
		b = append(b, u...)
	}
	return b
}

func TestCarries(t *testing.T) {
	for _, c := range []struct {
		name    string
		h265    bool
		payload []byte
		want    Carried
	}{
		{"h264 empty", false, nil, 0},
		{"h264 IDR slice", false, []byte{0x65, 0x88}, CarriesKey},
		{"h264 non-IDR slice", false, []byte{0x41, 0x9a}, 0},
		{"h264 SPS alone", false, h264SPSUnit, CarriesSPS},
		{"h264 STAP-A of SPS and PPS", false, aggregate(false, h264SPSUnit, h264PPSUnit), CarriesSPS | CarriesPPS},
		{"h264 STAP-A of SPS, PPS and a small IDR", false, aggregate(false, h264SPSUnit, h264PPSUnit, []byte{0x65, 0x88}), CarriesSPS | CarriesPPS | CarriesKey},
		{"h264 truncated STAP-A keeps what came whole", false, aggregate(false, h264SPSUnit, h264PPSUnit)[:9], CarriesSPS},
		{"h264 FU-A start of an IDR", false, []byte{0x7c, 0x85, 0x88}, CarriesKey},
		{"h264 FU-A middle of an IDR", false, []byte{0x7c, 0x05, 0x88}, 0},
		{"h264 FU-A start of a non-IDR", false, []byte{0x7c, 0x81, 0x9a}, 0},
		{"h265 empty", true, nil, 0},
		{"h265 one byte", true, []byte{0x26}, 0},
		{"h265 IDR_W_RADL slice", true, []byte{19 << 1, 1, 0xaf}, CarriesKey},
		{"h265 CRA slice", true, []byte{21 << 1, 1, 0xaf}, CarriesKey},
		{"h265 TRAIL_R slice", true, []byte{1 << 1, 1, 0xaf}, 0},
		{"h265 AP of VPS, SPS and PPS", true, aggregate(true, h265VPSUnit, h265SPSUnit, h265PPSUnit), CarriesVPS | CarriesSPS | CarriesPPS},
		{"h265 FU start of an IDR_N_LP", true, []byte{49 << 1, 1, 0x80 | 20, 0xaf}, CarriesKey},
		{"h265 FU end of an IDR_N_LP", true, []byte{49 << 1, 1, 0x40 | 20, 0xaf}, 0},
	} {
		if got := Carries(c.h265, c.payload); got != c.want {
			t.Errorf("%s: Carries = %04b, want %04b", c.name, got, c.want)
		}
	}
}

func TestPayloadNALUs(t *testing.T) {
	got := slices.Collect(PayloadNALUs(false, aggregate(false, h264SPSUnit, h264PPSUnit)))
	if len(got) != 2 || !slices.Equal(got[0], h264SPSUnit) || !slices.Equal(got[1], h264PPSUnit) {
		t.Errorf("STAP-A: %x", got)
	}
	if got := slices.Collect(PayloadNALUs(true, []byte{49 << 1, 1, 0x80 | 19})); got != nil {
		t.Errorf("a fragment yields no unit, got %x", got)
	}
	if got := slices.Collect(PayloadNALUs(true, h265SPSUnit)); len(got) != 1 || !slices.Equal(got[0], h265SPSUnit) {
		t.Errorf("single unit: %x", got)
	}
	// A zero length ends an aggregate rather than looping on it.
	if got := slices.Collect(PayloadNALUs(false, []byte{0x78, 0, 0, 0, 2, 0x67, 0x42})); got != nil {
		t.Errorf("zero-length unit: %x", got)
	}
}

// TestCarriesDoesNotAllocate: the SFU calls Carries on every packet it relays.
func TestCarriesDoesNotAllocate(t *testing.T) {
	stap := aggregate(false, h264SPSUnit, h264PPSUnit, []byte{0x65, 0x88})
	if n := testing.AllocsPerRun(100, func() { Carries(false, stap) }); n != 0 {
		t.Fatalf("Carries allocates %.0f times per call", n)
	}
}

func TestParamSets(t *testing.T) {
	if ParamSets(false) != CarriesSPS|CarriesPPS || ParamSets(true) != CarriesVPS|CarriesSPS|CarriesPPS {
		t.Fatalf("ParamSets: %04b %04b", ParamSets(false), ParamSets(true))
	}
}

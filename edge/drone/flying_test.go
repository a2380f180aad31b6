package drone

import "testing"

// TestFailsafeReason: the autopilot's STATUSTEXT becomes the reason a
// pilot reads, with "battery failsafe" said once.
func TestFailsafeReason(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"Battery failsafe: returning home", "battery failsafe: returning home"},
		{"Battery 1 is low 10.50V used 1200 mAh", "battery failsafe: Battery 1 is low 10.50V used 1200 mAh"},
		{"GCS failsafe: returning home", "failsafe: GCS failsafe: returning home"},
		{"Fence breach (inside a no-fly zone)", "failsafe: Fence breach (inside a no-fly zone)"},
		{"Mission: 1 started", ""},
		{"Arming motors", ""},
	} {
		if got := failsafeReason(c.text); got != c.want {
			t.Errorf("%q: got %q, want %q", c.text, got, c.want)
		}
	}
}

package picture

import (
	"testing"

	"github.com/argus-edge/argus/edge/frame"
)

// TestCheckSmall: a small picture whose size and planes disagree is
// refused before any gocv call; a consistent one, with or without
// colour, passes and is taken by a detector of its size or larger.
func TestCheckSmall(t *testing.T) {
	ok := frame.Small{Width: 4, Height: 2, Scale: 2, Gray: make([]byte, 8), BGR: make([]byte, 24)}
	cases := []struct {
		name  string
		small frame.Small
		good  bool
	}{
		{"none", frame.Small{}, true},
		{"luma and colour", ok, true},
		{"luma only", frame.Small{Width: 4, Height: 2, Scale: 2, Gray: make([]byte, 8)}, true},
		{"short luma", frame.Small{Width: 4, Height: 2, Gray: make([]byte, 7)}, false},
		{"short colour", frame.Small{Width: 4, Height: 2, Gray: make([]byte, 8), BGR: make([]byte, 23)}, false},
		{"colour without luma", frame.Small{Width: 4, Height: 2, BGR: make([]byte, 24)}, false},
		{"larger than the frame", frame.Small{Width: 16, Height: 2, Gray: make([]byte, 32)}, false},
		{"zero size", frame.Small{Gray: []byte{}}, false},
	}
	for _, c := range cases {
		f := &frame.Frame{Width: 8, Height: 4, Gray: make([]byte, 32), Small: c.small}
		if err := Check(f); (err == nil) != c.good {
			t.Errorf("%s: Check = %v", c.name, err)
		}
	}
	f := &frame.Frame{Width: 8, Height: 4, Gray: make([]byte, 32), Small: ok}
	if !Small(f, 4, true) || Small(f, 3, false) || !HasColour(f) {
		t.Error("Small or HasColour wrong for a 4x2 small picture with colour")
	}
	f.Small.BGR = nil
	if Small(f, 320, true) || !Small(f, 320, false) || HasColour(f) {
		t.Error("Small or HasColour wrong for a small picture without colour")
	}
}

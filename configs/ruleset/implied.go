package ruleset

import (
	"maps"
	"slices"
	"strings"

	"github.com/argus-edge/argus/configs/strict"
)

// Motion is the motion detector's name.
const Motion = "motion"

// MotionGated are the detectors the edge runs only where and when motion
// is seen (a camera leaves idle on motion): listed without motion they
// would never run. A camera block listing any of them without motion gets
// the motion detector implied, with its default settings, and a note.
var MotionGated = []string{"fire", "objects", "smoke"}

// ImpliesMotion tells whether the block lists motion-gated detectors but
// no motion detector: the edge then adds motion with its defaults.
func (c Camera) ImpliesMotion() bool {
	if _, ok := c.Detectors[Motion]; ok {
		return false
	}
	return len(c.gated()) > 0
}

// gated lists the block's motion-gated detectors, sorted.
func (c Camera) gated() []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(c.Detectors)) {
		if slices.Contains(MotionGated, name) {
			out = append(out, name)
		}
	}
	return out
}

// Notes are what validation noticed and acted on without refusing the
// set (motion implied), each with its file, line and field: the edge logs
// them when it applies the set, the gateway can show them to the author.
func (d *Document) Notes() []strict.Problem { return d.notes }

// impliedMotion notes a block whose motion-gated detectors would never
// run without motion.
func (v *validator) impliedMotion(path string, c Camera) {
	if !c.ImpliesMotion() {
		return
	}
	field := path + ".detectors"
	v.notes = append(v.notes, strict.Problem{File: v.ps.File(), Line: v.ps.Line(field), Field: field,
		Msg: strings.Join(c.gated(), ", ") + " run only where motion is seen and no motion detector is listed: " +
			"motion is implied with its default settings (list motion: {} to tune it)"})
}

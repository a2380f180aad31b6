package configs

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/argus-edge/argus/configs/strict"
)

// recordModes are the modes a camera may be recorded in.
var recordModes = []string{RecordOff, RecordEvents, RecordContinuous, RecordSubstream}

// checkCameraRecord checks a camera's recording policy; an empty mode is
// the default's.
func checkCameraRecord(ps *strict.Problems, path string, r CameraRecord, sub string) {
	if r.Mode == RecordSubstream && sub == "" {
		ps.Add(strict.Child(path, "mode"), "substream needs the camera's sub (its detection substream URL)")
	}
	if r.Mode != "" && !slices.Contains(recordModes, r.Mode) {
		ps.Add(strict.Child(path, "mode"), fmt.Sprintf("%q is not one of %s", r.Mode, strings.Join(recordModes, ", ")))
	}
	switch {
	case !(r.Hours >= 0 && r.Hours <= 24*366): // written so that NaN fails too
		ps.Add(strict.Child(path, "hours"), fmt.Sprintf("%g is not between 0 and 8784 (a year)", r.Hours))
	case r.Hours > 0 && r.Mode != RecordContinuous && r.Mode != RecordSubstream:
		ps.Add(strict.Child(path, "hours"), "is for modes continuous and substream: clips are kept record.clip_days")
	}
}

// checkRecord checks the edge's recording store.
func checkRecord(ps *strict.Problems, r *Record) {
	if r.Dir == "" {
		ps.Add("record.dir", "is required")
	}
	if !(r.QuotaGB >= 0) || math.IsInf(r.QuotaGB, 0) {
		ps.Add("record.quota_gb", fmt.Sprintf("%g is not a size in GB, 0 or more", r.QuotaGB))
	}
	if r.PreRoll <= 0 || r.PreRoll.D() > time.Minute {
		ps.Add("record.pre_roll", fmt.Sprintf("%s is not in (0, 60s]: the pre-roll is held in memory per camera", r.PreRoll))
	}
	if r.PostRoll <= 0 || r.PostRoll.D() > 5*time.Minute {
		ps.Add("record.post_roll", fmt.Sprintf("%s is not in (0, 5m]", r.PostRoll))
	}
	if !(r.ClipDays > 0 && r.ClipDays <= 3650) {
		ps.Add("record.clip_days", fmt.Sprintf("%g is not in (0, 3650]", r.ClipDays))
	}
}

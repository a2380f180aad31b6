package configs

// Same reports whether two cameras are configured identically, comparing
// Location by value.
func (c Camera) Same(o Camera) bool {
	return c.SamePull(o) && c.Site == o.Site && c.Name == o.Name && sameLocation(c.Location, o.Location) &&
		c.Record == o.Record
}

// SamePull reports whether two cameras are pulled the same way: they differ
// at most in what describes them (site, name, location) and in how they
// are recorded (the recorder follows without a new pull). A live reload
// restarts only the cameras that do not pull the same way as before; the
// others keep their pull and are handed their new description.
func (c Camera) SamePull(o Camera) bool {
	c.Site, c.Name, c.Location, c.Record = "", "", nil, CameraRecord{}
	o.Site, o.Name, o.Location, o.Record = "", "", nil, CameraRecord{}
	// Camera is comparable once Location is set aside; a field added later
	// that is not comparable stops this from compiling, which is the point.
	// A field added later counts as the pull's until it is set aside here.
	return c == o
}

func sameLocation(a, b *Location) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Kinds of camera (Camera.Kind). The empty kind is KindFixed.
const (
	KindFixed    = "fixed"
	KindPTZ      = "ptz"
	KindDrone    = "drone"
	KindHandheld = "handheld"
)

// cameraKinds are the kinds a camera may be, in the order messages list
// them.
var cameraKinds = []string{KindFixed, KindPTZ, KindDrone, KindHandheld}

// IsMoving tells whether the camera moves by design: declared moving, or
// of a kind that moves (ptz, drone, handheld). A drone's video, which the
// edge ingests as a camera, is of kind drone.
func (c Camera) IsMoving() bool {
	return c.Moving || c.Kind == KindPTZ || c.Kind == KindDrone || c.Kind == KindHandheld
}

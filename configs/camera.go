package configs

// Same reports whether two cameras are configured identically, comparing
// Location by value. A live reload restarts only the cameras that are not
// the Same as before.
func (c Camera) Same(o Camera) bool {
	if !sameLocation(c.Location, o.Location) {
		return false
	}
	// Camera is comparable once Location is set aside; a field added later
	// that is not comparable stops this from compiling, which is the point.
	c.Location, o.Location = nil, nil
	return c == o
}

func sameLocation(a, b *Location) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

//go:build matprofile

package health

import "gocv.io/x/gocv"

// matCount is the number of live Mats (build tag matprofile).
func matCount() int { return gocv.MatProfile.Count() }

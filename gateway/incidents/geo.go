package incidents

import (
	"math"

	"github.com/argus-edge/argus/drivers/bus"
)

// earthRadius is the mean radius of the earth in metres.
const earthRadius = 6371000.0

// distance is the great-circle distance in metres between a and b (haversine).
func distance(a, b bus.Geo) float64 {
	la1, la2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dLat, dLon := la2-la1, (b.Lon-a.Lon)*math.Pi/180
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(h)))
}

// metresPerDegree is the length of a degree of latitude, about.
const metresPerDegree = 111195.0

// near tells whether a and b are within d metres; the latitude apart
// alone rules most pairs out before the trigonometry.
func near(a, b bus.Geo, d float64) bool {
	if math.Abs(a.Lat-b.Lat)*metresPerDegree > d*1.01 {
		return false
	}
	return distance(a, b) <= d
}

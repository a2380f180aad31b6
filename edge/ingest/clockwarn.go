package ingest

import (
	"time"

	"github.com/argus-edge/argus/drivers/rtsp"
)

// ClockWarnEvery is the least time between two "camera clock is off"
// warnings of one camera. The clock's own hysteresis (rtsp.ClockClear)
// stops most flips; this bounds the log of a clock that still wanders
// across both limits, whose state the status and the
// argus_camera_clock_offset_seconds metric show all along.
const ClockWarnEvery = 10 * time.Minute

// clockWarnings decides which changes of a camera's clock source are
// logged: a warning at most once per ClockWarnEvery, and the recovery
// that follows a logged warning (not one that follows a silenced one).
// A camera whose clock was never off logs its trusted clock at each pull,
// as before. It lives as long as the feed, across reconnects, and is used
// from the feed's pull goroutine only.
type clockWarnings struct {
	every  time.Duration
	last   time.Time // last warning logged
	warned bool      // the last change to arrival time was logged
	quiet  int       // changes not logged since the last logged warning
}

// note tells whether the change to source at now is logged and, for a
// warning, how many changes went unlogged before it.
func (c *clockWarnings) note(source string, now time.Time) (logged bool, unlogged int) {
	if source == rtsp.ClockRTCP {
		if c.warned || c.last.IsZero() {
			c.warned = false
			return true, 0
		}
		c.quiet++
		return false, 0
	}
	if !c.last.IsZero() && now.Sub(c.last) < c.every {
		c.warned = false
		c.quiet++
		return false, 0
	}
	unlogged, c.quiet = c.quiet, 0
	c.last, c.warned = now, true
	return true, unlogged
}

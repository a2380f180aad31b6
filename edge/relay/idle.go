package relay

import (
	"time"

	"github.com/rs/zerolog"
)

// idleWatch ends a relay nobody watches. The gateway knows the viewers,
// the edge does not, so it asks the relay's own replica (each has its own
// viewers) through Options.Viewers: IdleTimeout of
// consecutive zero answers ends the relay. An error is no answer: a
// gateway that cannot be asked must not stop a relay someone may watch.
type idleWatch struct {
	viewers   func(string, string) (int, error)
	gateway   string // the replica's base URL: only its viewers count
	camera    string
	timeout   time.Duration
	ticker    *time.Ticker
	zeroSince time.Time
}

func newIdleWatch(o *Options, gateway, camera string) *idleWatch {
	w := &idleWatch{viewers: o.Viewers, gateway: gateway, camera: camera, timeout: o.IdleTimeout}
	if w.viewers != nil && w.timeout > 0 {
		// Polling at a quarter of the timeout ends a relay at most a
		// quarter late, at one cheap question per interval.
		w.ticker = time.NewTicker(min(max(w.timeout/4, 20*time.Millisecond), 5*time.Second))
	}
	return w
}

// tick returns the poll channel; nil (never ready) when idling is off.
func (w *idleWatch) tick() <-chan time.Time {
	if w.ticker == nil {
		return nil
	}
	return w.ticker.C
}

// expired asks for the viewers and tells whether there were none for the
// whole timeout.
func (w *idleWatch) expired(now time.Time, log zerolog.Logger) bool {
	n, err := w.viewers(w.gateway, w.camera)
	switch {
	case err != nil:
		log.Debug().Err(err).Msg("viewers unknown")
	case n > 0:
		w.zeroSince = time.Time{}
	case w.zeroSince.IsZero():
		w.zeroSince = now
	case now.Sub(w.zeroSince) >= w.timeout:
		return true
	}
	return false
}

// stop releases the ticker.
func (w *idleWatch) stop() {
	if w.ticker != nil {
		w.ticker.Stop()
	}
}

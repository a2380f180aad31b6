package analyze

import (
	"github.com/argus-edge/argus/drivers/bus"
)

// Sink receives what the analysis produces; the edge's busclient.Client is one.
type Sink interface {
	// PublishAnomaly queues an anomaly event for delivery; it is on disk
	// when it returns.
	PublishAnomaly(a bus.Anomaly) error
}

package directory

import "github.com/argus-edge/argus/drivers/bus"

// Event kinds.
const (
	EventCamera = "camera"
	EventEdge   = "edge"
)

// Event is one change of the directory: a camera's or an edge's status
// arrived, or (Removed) its retained status was cleared and it is
// forgotten; the pointer then holds the last status known.
type Event struct {
	Kind    string            `json:"kind"` // EventCamera or EventEdge
	Camera  *bus.CameraStatus `json:"camera,omitempty"`
	Edge    *bus.EdgeStatus   `json:"edge,omitempty"`
	Removed bool              `json:"removed,omitempty"`
}

// Subscribe calls fn with every change from now on, in order, on a
// goroutine of its own, until cancel is called (cancel waits for fn to
// return; do not call it from fn). The MQTT callback never waits for fn:
// while fn is slow its queue (Options.EventBuffer) fills, further changes
// are dropped for it and counted in DroppedEvents.
func (d *Directory) Subscribe(fn func(Event)) (cancel func()) { return d.events.Subscribe(fn) }

// DroppedEvents counts the changes slow listeners missed so far.
func (d *Directory) DroppedEvents() uint64 { return d.events.Dropped() }

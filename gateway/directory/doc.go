// Package directory is the gateway's view of the fleet over MQTT: which edge
// owns which camera, each camera's site and state (from the retained
// argus/v1/status/cameras/{site}/{camera} statuses), each edge's status
// (argus/v1/status/edges/{edge}), a catalog of the cameras searchable and
// paged by id that stays quick at 41,000 cameras, change notifications for
// the console's live updates, and a request/reply channel to an edge
// (argus/v1/commands/{edge} and argus/v1/replies/{edge}). It speaks only the
// drivers/bus contract and never imports edge/.
package directory

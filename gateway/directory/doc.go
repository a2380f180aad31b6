// Package directory is the gateway's view of the fleet over MQTT: which edge
// owns which camera, each camera's site and state (from the retained
// argus/v1/status/cameras/{site}/{camera} statuses), and a request/reply
// channel to an edge (argus/v1/commands/{edge} and argus/v1/replies/{edge}).
// It speaks only the drivers/bus contract and never imports edge/.
package directory

// Package fleet shares a district's cameras among its edges over the NATS
// JetStream backbone: the placement of cameras and drones on live edges
// (weighted rendezvous hashing with bounded loads, pure), the assigner that
// one gateway replica runs under a lease, the agent every fleet-mode edge
// runs (heartbeat, its assignment, self-fencing) and the filter with which
// the gateway drops a stale owner's messages.
//
// State lives in five key-value buckets (Buckets): argus-edges (heartbeats,
// per-key TTL), argus-lease (the assigner lease, per-key TTL), argus-assign
// (one key per edge; its revision is the epoch), argus-cameras (the
// inventory, written by the gateway) and argus-status (latest camera
// statuses, written by the owning edge).
//
// It is a driver: it must never import edge or gateway packages; both
// binaries import it.
package fleet

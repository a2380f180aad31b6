// Package systemd holds the units that run Argus on bare-metal hosts (an
// edge, a gateway, a NATS node of the district's cluster) and the test that
// checks them. It has no Go code of its own and imports nothing.
package systemd

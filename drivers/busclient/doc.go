// Package busclient is the bus's client: the edge's MQTT connection with its
// on-disk store-and-forward queue (drivers/spool), so no anomaly is lost
// while the broker is away, and the subscription and connection helpers
// every service shares (ServiceOptions, ConnectUntil, SubscribeUntil). It
// speaks the contract of drivers/bus.
//
// It is apart from drivers/bus so that what only reads or writes the
// contract does not pull in paho and the queue. Like every driver, it must
// never import anything of edge or gateway. Its behaviour (queue, reconnects,
// subscriptions, logins, metrics) is written out in README.md beside this
// file.
package busclient

// Package alerts takes the edges' anomalies from MQTT into the store and
// onto the incident wall. It follows argus/v1/anomalies/# (QoS 1) on a
// persistent session of its own, so what edges published while the
// gateway was down is delivered when it returns; it validates every
// payload (a bad one is logged with its topic, counted and dropped) and
// queues the valid ones on a bounded queue (ingest.go). The ingest writes
// them in batches, one transaction each (store.PutAnomalies, which ignores
// QoS 1 redeliveries), groups each batch into incidents, tells listeners —
// the console's server-sent events — of every applied record (and of a
// record another gateway replica sharing the store applied first from the
// same event), and only then acknowledges the messages: what is not
// acknowledged the broker delivers again. A full queue stops the MQTT
// callback, so the broker and the edges' store-and-forward hold a burst
// instead of the gateway's memory. A live (not shadow) anomaly start at or
// above the configured severity puts its camera on the wall and starts
// its relay at once. It also runs the store's retention.
package alerts

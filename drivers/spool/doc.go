// Package spool is an edge's on-disk store-and-forward queue: messages
// appended while the broker is away wait in segment files, survive crashes
// and restarts, and leave once acknowledged. drivers/busclient sends from it.
// It knows nothing of MQTT or of the messages it holds, and imports no
// other Argus package.
package spool

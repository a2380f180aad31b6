package fleet

// InboxPrefix is the reply prefix an edge's nats.go connection must use
// (nats.CustomInboxPrefix): the broker lets an edge subscribe only to
// replies under it, so that no edge reads another's. Edge and broker both
// take it from here, so the two cannot drift apart.
func InboxPrefix(edge string) string { return "_INBOX." + edge }

// Package edgehttp is the gateway's client of the edges' HTTP APIs (their
// :9100), for recordings and clips: it finds an edge's base URL in the
// edge's latest status (bus.EdgeStatus.HTTP), sends the edges' bearer
// token, bounds the connect and the wait for an answer but never a body,
// and says in an *Error which edge could not be reached and why.
//
// It must never import edge packages (what both speak is drivers/bus),
// nor gateway/api: the API streams what it returns.
package edgehttp

// Package access is who may do what at the gateway: console users (roles
// commander, pilot, operator, admin scoped to sites), their password
// logins, sessions and throttling, the permission table the API checks,
// and the authorizers of WHIP and WHEP (an edge publishes only the
// cameras it owns, a console user views with the session's permissions).
// The gateway's config file is read by gateway/config, not here; no
// secret is ever logged or part of an error. It imports gateway/sfu for
// its Authorizer type and nothing of edge/.
package access

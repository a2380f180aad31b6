// Package access is what a console user may do at the gateway: the roles
// (commander, pilot, operator, admin) and the permission table the API
// checks, the Principal behind a request (its role and the sites it is
// scoped to), and the check of a user an admin creates. Who a user is
// (passwords, sessions, throttling) is gateway/login; the WHIP and WHEP
// authorizers are gateway/streamauth. It must never import
// golang.org/x/crypto/bcrypt, gateway/login, gateway/sfu, gateway/api or
// gateway/config, nor anything of edge/: it is the table the rest consult.
package access

// Package config reads the gateway's config file: its bearer tokens, console
// users, store, bus users and TLS, web limits, incident rules and the edges'
// HTTP access, every problem reported with file, line and field. The file
// names environment variables for secrets and holds only bcrypt hashes of
// passwords: no secret is ever written in it, logged or part of an error.
// Logging in with those credentials is gateway/login; who may do what, gateway/access.
package config

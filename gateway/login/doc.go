// Package login is who a console user is: password logins checked with
// bcrypt (at most a few at once, so a flood of logins costs a bounded
// number of cores), the throttling of failed logins per client address and
// name, and the sessions a login starts, whose tokens it resolves to an
// access.Principal on every request. Users come from the config file (read
// by gateway/config, passed in as AuthOptions.Users) and from the store;
// what a principal may do is gateway/access. No password, hash or token is
// ever logged or part of an error. It must never import gateway/sfu,
// gateway/api, gateway/config or gateway/streamauth, nor anything of edge/.
package login

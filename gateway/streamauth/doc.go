// Package streamauth is who may publish and view the SFU's streams beyond
// its token table: wrappers of an sfu.Authorizer that let an edge publish
// (WHIP) only the cameras it owns, and a console user view (WHEP) with
// its session's permissions on the camera's site. It stands between
// gateway/sfu (the Authorizer it wraps) and gateway/login and
// gateway/access (sessions and permissions), so gateway/sfu must never
// import it; it must never import gateway/api or gateway/config, nor
// anything of edge/.
package streamauth

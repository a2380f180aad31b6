// Package inventory reads camera registrations for the district inventory:
// one camera as a JSON or YAML body, thousands at once as a CSV or YAML
// import. Every entry is checked by configs.CheckCamera, the very rule the
// edge applies to its own config file (ids, RTSP URLs without inline
// credentials, transports, credential references, location ranges), plus
// what a district inventory adds: site and pin ids, a weight, one id per
// camera, and no spreadsheet formulas in free text. Problems name the line
// and the field, all of them at once.
//
// It turns bytes into store.Camera values and never writes: the API
// (gateway/api) scopes, stores and audits. It must not import edge/,
// gateway/api or anything that talks to the network.
package inventory

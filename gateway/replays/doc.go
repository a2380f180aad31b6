// Package replays is the gateway's side of rule replay: an operator's
// request (a site, a candidate rule set version, a time range, cameras)
// becomes one replay_start command per edge that owns some of the
// cameras; the edges' progress and results (bus.ReplayReport on
// argus/v1/replays/{edge}) are gathered into one replay, and once every
// edge is done its anomalies are compared with those the live version
// raised over the same range (from the store), anomaly by anomaly.
//
// Replays are kept in memory, the last Keep of them: a replay is a
// trial an operator looks at now, and is run again cheaply; a gateway
// restart forgets them. It must never import edge packages.
package replays

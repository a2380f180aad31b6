package main

import (
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/replays"
)

// newReplays is the rule replay service: orders to the edges through the
// directory's commands, their reports from the directory's subscription,
// the live anomalies to compare with from the store. Replays live in
// memory (the last 50).
func newReplays(dir *directory.Directory, st replays.Anomalies, log zerolog.Logger) *replays.Service {
	rp := replays.New(replays.Options{Edges: dir, Anomalies: st, Log: log})
	dir.FollowReplays(rp.Report)
	return rp
}

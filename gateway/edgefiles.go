package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/gateway/config"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/edgehttp"
)

// edgeFiles is the client of the edges' HTTP APIs for recordings and
// clips: each edge found at the URL of its latest status, called with
// the token of edge_http.token_env. Without that token the calls answer
// 502 saying so, and the log says it once here.
func edgeFiles(cfg config.EdgeHTTP, dir *directory.Directory, reg prometheus.Registerer, log zerolog.Logger) *edgehttp.Client {
	if cfg.Token == "" {
		log.Warn().Msg("no edge_http.token_env: recordings and clips cannot be fetched from the edges")
	}
	return edgehttp.New(edgehttp.Options{
		Locate: func(edge string) (string, bool) {
			es, ok := dir.Edge(edge)
			return es.HTTP, ok
		},
		Token: cfg.Token, ConnectTimeout: cfg.ConnectTimeout, AnswerTimeout: cfg.AnswerTimeout, Metrics: reg, Log: log,
	})
}

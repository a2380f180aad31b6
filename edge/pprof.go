package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/edge/status"
)

// servePprof serves Go's profiles (/debug/pprof/…) on addr until ctx ends,
// for make bench and an operator's investigation, to holders of the edge's
// token only (as its :9100): whoever reads them learns the process's
// memory layout and can stall it with a trace. addr must be a loopback
// address as well, so the profiles never face the network.
func servePprof(ctx context.Context, log zerolog.Logger, addr, token string) error {
	if token == "" {
		return fmt.Errorf("-pprof %q: the profiles need the edge's token (edge.http_token_env)", addr)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-pprof %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-pprof %q: profiles are unauthenticated, so only a loopback address is allowed (127.0.0.1:6060)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("-pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	guarded := status.Options{Token: token, Log: log}.Guard(mux)
	srv := &http.Server{Handler: guarded, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Warn().Err(err).Msg("pprof server")
		}
	}()
	log.Info().Str("addr", addr).Msg("serving Go profiles (loopback, the edge token)")
	return nil
}

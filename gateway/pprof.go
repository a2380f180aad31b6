package main

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bearer"
)

// servePprof serves Go's profiles (/debug/pprof/…) on addr until ctx ends,
// for make bench (deploy/bench/typhoon) and an operator's investigation,
// to holders of the metrics scrape token only (metrics.token_env): whoever
// reads them learns the process's memory layout and can stall it with a
// trace. addr must be a loopback address as well, so the profiles never
// face the network. The edge's -pprof does the same with its token.
func servePprof(ctx context.Context, log zerolog.Logger, addr, token string) error {
	if token == "" {
		return fmt.Errorf("-pprof %q: the profiles need the metrics scrape token (metrics.token_env)", addr)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-pprof %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-pprof %q: only a loopback address is allowed (127.0.0.1:6061)", addr)
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
	srv := &http.Server{Handler: pprofGuard(token, log, mux), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Warn().Err(err).Msg("pprof server")
		}
	}()
	log.Info().Str("addr", addr).Msg("serving Go profiles (loopback, the metrics scrape token)")
	return nil
}

// pprofGuard lets through the requests bearing token, and refuses the
// others with 401 saying what to send.
func pprofGuard(token string, log zerolog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t, ok := bearer.Token(r); ok && subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			next.ServeHTTP(w, r)
			return
		}
		log.Warn().Str("remote", r.RemoteAddr).Str("path", r.URL.Path).Msg("pprof request refused: no valid token")
		w.Header().Set("WWW-Authenticate", `Bearer realm="argus"`)
		http.Error(w, "unauthorized: send Authorization: Bearer <the metrics scrape token> (metrics.token_env)", http.StatusUnauthorized)
	})
}

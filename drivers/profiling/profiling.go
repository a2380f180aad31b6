// Package profiling serves Go's profiles (/debug/pprof/…) of an edge or
// the gateway for make bench and an operator's investigation: on a
// loopback address only, to holders of a bearer token only — whoever reads
// them learns the process's memory layout and can stall it with a trace.
// It imports nothing of edge/ or gateway/: both use it.
package profiling

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

// Serve serves the profiles on addr until ctx ends, to requests bearing
// token; tokenName says where the token comes from (in errors and
// refusals, e.g. "the edge's token (edge.http_token_env)"). It refuses to
// start without a token or on an address that is not loopback.
func Serve(ctx context.Context, log zerolog.Logger, addr, token, tokenName string) error {
	if token == "" {
		return fmt.Errorf("-pprof %q: the profiles need %s", addr, tokenName)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-pprof %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-pprof %q: only a loopback address is allowed (127.0.0.1:6060)", addr)
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
	srv := &http.Server{Handler: guard(token, tokenName, log, mux), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Warn().Err(err).Msg("pprof server")
		}
	}()
	log.Info().Str("addr", addr).Msg("serving Go profiles (loopback, " + tokenName + ")")
	return nil
}

// guard lets through the requests bearing token, and refuses the others
// with 401 saying what to send.
func guard(token, tokenName string, log zerolog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t, ok := bearer.Token(r); ok && subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			next.ServeHTTP(w, r)
			return
		}
		log.Warn().Str("remote", r.RemoteAddr).Str("path", r.URL.Path).Msg("pprof request refused: no valid token")
		w.Header().Set("WWW-Authenticate", `Bearer realm="argus"`)
		http.Error(w, "unauthorized: send Authorization: Bearer <"+tokenName+">", http.StatusUnauthorized)
	})
}

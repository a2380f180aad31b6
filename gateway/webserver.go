package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/gateway/config"
)

// webServer is the gateway's HTTP server: plain HTTP, or HTTPS with the
// certificate of -tls-cert/-tls-key (else the config's tls section).
type webServer struct {
	srv *http.Server
	ln  net.Listener
	tls bool
	log zerolog.Logger
}

// newWebServer listens on f.http and loads the certificate, if one is named;
// a missing or broken certificate fails the start, naming the file.
func newWebServer(f flags, cfg *config.Config, handler http.Handler, onShutdown func(), log zerolog.Logger) (*webServer, error) {
	cert, key := cfg.CertFile, cfg.KeyFile
	if f.tlsCert != "" || f.tlsKey != "" {
		cert, key = f.tlsCert, f.tlsKey
	}
	if (cert == "") != (key == "") {
		return nil, errors.New("-tls-cert and -tls-key: name both, or neither")
	}
	// Headers must come within 10 s and hold at most 64 KiB; an idle
	// keep-alive connection is closed after 2 min. No whole-request
	// timeouts: event streams and WebRTC offers awaiting an on-demand relay
	// are long by design, and bodies are bounded by size (limits).
	ws := &webServer{srv: &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10,
		IdleTimeout: 2 * time.Minute}, log: log}
	ws.srv.RegisterOnShutdown(onShutdown)
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("https: certificate %s, key %s: %w", cert, key, err)
		}
		ws.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
		ws.tls = true
	}
	ln, err := net.Listen("tcp", f.http)
	if err != nil {
		return nil, fmt.Errorf("http: listen %s: %w", f.http, err)
	}
	ws.ln = ln
	log.Info().Str("addr", ln.Addr().String()).Bool("https", ws.tls).Msg("http server listening")
	return ws, nil
}

// Run serves until ctx ends, then shuts down gracefully (the shutdown
// hook ends the long-lived event streams).
func (ws *webServer) Run(ctx context.Context) error {
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- ws.srv.Shutdown(sctx)
	}()
	var err error
	if ws.tls {
		err = ws.srv.ServeTLS(ws.ln, "", "")
	} else {
		err = ws.srv.Serve(ws.ln)
	}
	if !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	if err := <-done; err != nil {
		ws.log.Warn().Err(err).Msg("http: shutdown")
	}
	return nil
}

// Command gateway is the Argus command center's side. It runs the embedded
// MQTT broker (:1883) that edges publish to, the directory of cameras that
// follows their retained statuses, and an HTTP server (:8080) with /healthz
// and the SFU: edges POST /whip/{camera}, viewers POST /whep/{camera}. The
// API and console come with later issues. It never imports edge/: what both
// speak is in drivers/bus.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/argus-edge/argus/drivers/logs"
	"github.com/argus-edge/argus/gateway/broker"
	"github.com/argus-edge/argus/gateway/directory"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

// run parses args, starts the broker and the HTTP server, and returns when
// ctx ends (a signal) or one of them fails.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mqttAddr := fs.String("mqtt", ":1883", "embedded MQTT broker listen address")
	httpAddr := fs.String("http", ":8080", "HTTP listen address (/healthz, /whip, /whep)")
	var so streamOptions
	so.flags(fs)
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	format := fs.String("log-format", "auto", "log format: json, console, auto (console on a terminal)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := logs.New(stderr, *format, *level)
	if err != nil {
		return err
	}
	b, err := broker.New(broker.Options{Addr: *mqttAddr, Log: log})
	if err != nil {
		return err
	}
	dir := directory.New(directory.Options{Broker: localURL(b.Addr()), Log: log})
	streams, err := newStreams(so, dir, log)
	if err != nil {
		b.Close()
		return err
	}
	defer streams.Close()
	ln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		b.Close()
		return fmt.Errorf("http: listen %s: %w", *httpAddr, err)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return b.Run(ctx) })
	g.Go(func() error { return dir.Run(ctx) })
	g.Go(func() error { return serveHTTP(ctx, ln, streams, log) })
	log.Info().Str("mqtt", b.Addr().String()).Str("http", ln.Addr().String()).Msg("gateway ready")
	err = g.Wait()
	log.Info().Err(err).Msg("gateway stopped")
	return err
}

// serveHTTP serves /healthz and, at the root, the SFU (/whip, /whep) until
// ctx ends, then shuts down gracefully.
func serveHTTP(ctx context.Context, ln net.Listener, streams http.Handler, log zerolog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("/", streams)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	if err := <-done; err != nil {
		log.Warn().Err(err).Msg("http: shutdown")
	}
	return nil
}

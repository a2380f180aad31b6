package broker

import (
	"context"
	"log/slog"

	"github.com/rs/zerolog"
)

// slogHandler writes mochi's slog records to a zerolog logger, so the
// broker's lines look like every other line of the gateway.
type slogHandler struct {
	log    zerolog.Logger
	attrs  []slog.Attr
	groups string
}

func newSlogHandler(log zerolog.Logger) *slogHandler { return &slogHandler{log: log} }

// Enabled asks zerolog whether the level is on.
func (h *slogHandler) Enabled(_ context.Context, l slog.Level) bool {
	return h.log.GetLevel() <= zlevel(l)
}

// Handle writes one record with its attributes.
func (h *slogHandler) Handle(_ context.Context, r slog.Record) error {
	ev := h.log.WithLevel(zlevel(r.Level))
	for _, a := range h.attrs {
		ev = field(ev, a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		ev = field(ev, h.groups+a.Key, a.Value)
		return true
	})
	ev.Msg(r.Message)
	return nil
}

// WithAttrs returns a handler adding attrs to every record.
func (h *slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	for i := len(h.attrs); i < len(c.attrs); i++ {
		c.attrs[i].Key = h.groups + c.attrs[i].Key
	}
	return &c
}

// WithGroup prefixes later attribute keys with name.
func (h *slogHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.groups += name + "."
	return &c
}

// zlevel maps slog levels to zerolog's.
func zlevel(l slog.Level) zerolog.Level {
	switch {
	case l < slog.LevelInfo:
		return zerolog.DebugLevel
	case l < slog.LevelWarn:
		return zerolog.InfoLevel
	case l < slog.LevelError:
		return zerolog.WarnLevel
	}
	return zerolog.ErrorLevel
}

// field adds one attribute; errors as their message, not as a struct dump.
func field(ev *zerolog.Event, key string, v slog.Value) *zerolog.Event {
	switch x := v.Resolve().Any().(type) {
	case error:
		return ev.AnErr(key, x)
	default:
		return ev.Any(key, x)
	}
}

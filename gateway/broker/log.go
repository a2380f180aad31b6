package broker

import (
	"fmt"
	"strings"

	"github.com/rs/zerolog"
)

// logger writes the node's log lines to zerolog, one event per line, so
// they look like every other line of the gateway. A fatal line is logged
// as an error: the node never exits the gateway (New checks its ports
// first and fails with an error instead).
type logger struct{ log zerolog.Logger }

func newLogger(log zerolog.Logger) logger { return logger{log} }

func (l logger) emit(ev *zerolog.Event, format string, v []any) {
	ev.Msg(strings.TrimSpace(fmt.Sprintf(format, v...)))
}

// Noticef logs at info.
func (l logger) Noticef(format string, v ...any) { l.emit(l.log.Info(), format, v) }

// Warnf logs at warn.
func (l logger) Warnf(format string, v ...any) { l.emit(l.log.Warn(), format, v) }

// Fatalf logs at error, with fatal=true; it does not exit.
func (l logger) Fatalf(format string, v ...any) {
	l.emit(l.log.Error().Bool("fatal", true), format, v)
}

// Errorf logs at error.
func (l logger) Errorf(format string, v ...any) { l.emit(l.log.Error(), format, v) }

// Debugf logs at debug.
func (l logger) Debugf(format string, v ...any) { l.emit(l.log.Debug(), format, v) }

// Tracef logs at trace.
func (l logger) Tracef(format string, v ...any) { l.emit(l.log.Trace(), format, v) }

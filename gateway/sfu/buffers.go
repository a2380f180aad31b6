package sfu

import (
	"net"

	"github.com/rs/zerolog"
)

// socketBuffer is what the shared ICE socket asks the kernel for, each way.
// Every uplink and every viewer share that one socket: at the default
// 208 KiB a burst (a 1080p keyframe is ~100 packets, sent to every viewer
// at once, while the uplinks' packets queue to be read) overflows it and
// the kernel drops packets silently. Linux caps the request at
// net.core.rmem_max / wmem_max.
const socketBuffer = 4 << 20

// sizeBuffers enlarges conn's socket buffers, logging what it could not.
func sizeBuffers(conn net.PacketConn, log zerolog.Logger) {
	type buffered interface {
		SetReadBuffer(int) error
		SetWriteBuffer(int) error
	}
	b, ok := conn.(buffered)
	if !ok {
		return
	}
	if err := b.SetReadBuffer(socketBuffer); err != nil {
		log.Warn().Err(err).Msg("ICE socket: receive buffer left at the system's default")
	}
	if err := b.SetWriteBuffer(socketBuffer); err != nil {
		log.Warn().Err(err).Msg("ICE socket: send buffer left at the system's default")
	}
}

package sfu

import (
	"net"

	"github.com/rs/zerolog"
)

// receiveBuffer is the receive buffer the shared ICE socket asks the kernel
// for. Every uplink and every viewer's RTCP arrive on that one socket, and
// a relay starts by sending its camera's cached keyframe group at once: a
// wall of 16 cameras opening together overflowed the default 208 KiB, the
// kernel dropped keyframe packets silently, and the last tiles waited
// seconds for NACKs and the next keyframes (16-tile wall: max 9.9 s
// instead of 0.5–0.8 s in deploy/bench/viewers). Linux caps the request
// at net.core.rmem_max.
//
// The send buffer stays at the system's default: on loopback a packet
// counts against its sender's send buffer until its receiver has read it,
// so the default holds the SFU back while a local viewer is behind.
const receiveBuffer = 4 << 20

// sizeBuffers enlarges conn's receive buffer, logging when it could not.
func sizeBuffers(conn net.PacketConn, log zerolog.Logger) {
	b, ok := conn.(interface{ SetReadBuffer(int) error })
	if !ok {
		return
	}
	if err := b.SetReadBuffer(receiveBuffer); err != nil {
		log.Warn().Err(err).Msg("ICE socket: receive buffer left at the system's default")
	}
}

package sim

import (
	"iter"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph265"
	"github.com/pion/rtp"

	"github.com/argus-edge/argus/drivers/media"
)

// Replay yields the scene's access units, looped for d of scene time, as a
// camera starting at start would deliver them, without a network or a
// clock: a test can run an hour of a scene through the analysis in
// seconds. Units are depacketized from the scene's own RTP payloads with
// gortsplib's decoders, as the RTSP driver does; keyframes carry their
// parameter sets in-band.
func (s *Scene) Replay(start time.Time, d time.Duration) iter.Seq[*media.Unit] {
	return func(yield func(*media.Unit) bool) {
		forma := s.Format(false)
		depack, err := depacketizer(forma)
		if err != nil || len(s.frames) == 0 {
			return
		}
		perFrame := time.Second / time.Duration(s.Spec.FPS)
		var seq uint16
		for i := 0; time.Duration(i)*perFrame < d; i++ {
			f := s.frames[i%len(s.frames)]
			pts := int64(i) * int64(ClockRate) / int64(s.Spec.FPS)
			u := &media.Unit{Format: forma, PTS: pts, Key: f.key, NTP: start.Add(time.Duration(i) * perFrame)}
			for j, p := range f.payloads {
				pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: payloadType, SequenceNumber: seq,
					Timestamp: uint32(pts), Marker: j == len(f.payloads)-1}, Payload: p}
				seq++
				u.Packets = append(u.Packets, pkt)
				u.Size += len(p)
				if au, err := depack(pkt); err == nil && au != nil {
					u.AU = au
				}
			}
			if u.AU != nil && !yield(u) {
				return
			}
		}
	}
}

// depacketizer returns gortsplib's RTP decoder for the format, as a
// function that yields an access unit when one is complete.
func depacketizer(f format.Format) (func(*rtp.Packet) ([][]byte, error), error) {
	switch f := f.(type) {
	case *format.H265:
		d, err := f.CreateDecoder()
		if err != nil {
			return nil, err
		}
		return func(p *rtp.Packet) ([][]byte, error) {
			au, err := d.Decode(p)
			if err == rtph265.ErrMorePacketsNeeded {
				return nil, nil
			}
			return au, err
		}, nil
	case *format.H264:
		d, err := f.CreateDecoder()
		if err != nil {
			return nil, err
		}
		return func(p *rtp.Packet) ([][]byte, error) {
			au, err := d.Decode(p)
			if err == rtph264.ErrMorePacketsNeeded {
				return nil, nil
			}
			return au, err
		}, nil
	}
	return nil, nil
}

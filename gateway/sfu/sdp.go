package sfu

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// errNoVideo is an offer without a video section.
var errNoVideo = errors.New("offer has no video section")

// offeredVideoCodecs parses an SDP offer and returns the encoding names of its video
// sections (e.g. "H264", "VP8"), in order, without duplicates or RTX/FEC helpers.
func offeredVideoCodecs(offer []byte) ([]string, error) {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(string(offer)); err != nil {
		return nil, fmt.Errorf("malformed SDP: %w", err)
	}
	var names []string
	seen := map[string]bool{}
	video := false
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media != "video" {
			continue
		}
		video = true
		for _, f := range m.MediaName.Formats {
			var pt uint8
			if _, err := fmt.Sscan(f, &pt); err != nil {
				continue
			}
			c, err := d.GetCodecForPayloadType(pt)
			if err != nil || c.Name == "" {
				continue
			}
			n := strings.ToUpper(c.Name)
			switch n {
			case "RTX", "RED", "ULPFEC", "FLEXFEC-03":
				continue
			}
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	if !video {
		return nil, errNoVideo
	}
	return names, nil
}

// mimeName returns the encoding name of a mime type ("video/H264" → "H264").
func mimeName(mime string) string {
	_, n, _ := strings.Cut(mime, "/")
	return strings.ToUpper(n)
}

// supported are the video encodings the SFU relays, best first.
var supported = []string{"H264", "H265"}

// registerCodecs registers the H.264 profiles browsers and cameras use, and H.265.
func registerCodecs(m *webrtc.MediaEngine) error {
	fb := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	h264 := []struct {
		pt   webrtc.PayloadType
		fmtp string
	}{
		{102, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"},
		{104, "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f"},
		{106, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"},
		{108, "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f"},
		{127, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f"},
		{112, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f"},
		{113, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032"},
	}
	for _, c := range h264 {
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: c.fmtp, RTCPFeedback: fb},
			PayloadType:        c.pt,
		}, webrtc.RTPCodecTypeVideo); err != nil {
			return fmt.Errorf("register H264 %d: %w", c.pt, err)
		}
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH265, ClockRate: 90000, RTCPFeedback: fb},
		PayloadType:        116,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		return fmt.Errorf("register H265: %w", err)
	}
	return nil
}

package rtsp

import "fmt"

// checkH264 refuses an access unit whose NAL unit headers cannot be valid
// H.264: empty units, the forbidden bit set, or types 0 and 24–31, which
// RFC 6184 depacketization never yields. Broken slice data passes: finding
// that needs a decoder, which the pull does not run.
func checkH264(au [][]byte) error {
	for _, n := range au {
		if len(n) == 0 {
			return fmt.Errorf("broken NAL unit: empty")
		}
		if n[0]&0x80 != 0 {
			return fmt.Errorf("broken NAL unit: forbidden bit set (header %#02x)", n[0])
		}
		if t := n[0] & 0x1f; t == 0 || t >= 24 {
			return fmt.Errorf("broken NAL unit: type %d is not valid in H.264", t)
		}
	}
	return nil
}

// checkH265 is checkH264 for H.265: a two-byte header, the forbidden bit
// clear, a layer id and temporal id in range, and no reserved or
// unspecified type (41–47, 48–63).
func checkH265(au [][]byte) error {
	for _, n := range au {
		if len(n) < 2 {
			return fmt.Errorf("broken NAL unit: %d bytes, shorter than its header", len(n))
		}
		if n[0]&0x80 != 0 {
			return fmt.Errorf("broken NAL unit: forbidden bit set (header %#02x)", n[0])
		}
		if t := (n[0] >> 1) & 0x3f; t >= 41 {
			return fmt.Errorf("broken NAL unit: type %d is not valid in H.265", t)
		}
		if n[1]&0x07 == 0 {
			return fmt.Errorf("broken NAL unit: temporal id plus one is 0")
		}
	}
	return nil
}

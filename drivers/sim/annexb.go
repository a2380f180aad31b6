package sim

import "bytes"

// We split the elementary stream ourselves: mediacommon's AnnexB reads one
// access unit and refuses buffers over 8 MiB, while a scene is a whole
// stream of hundreds of access units.

var startCode = []byte{0, 0, 1}

// splitNALUs returns the NAL units of an Annex-B stream, without start
// codes or trailing zero bytes. The units alias buf.
func splitNALUs(buf []byte) [][]byte {
	var out [][]byte
	i := bytes.Index(buf, startCode)
	for i >= 0 {
		begin := i + 3
		next := bytes.Index(buf[begin:], startCode)
		end := len(buf)
		if next >= 0 {
			end = begin + next
		}
		// Zeros before a start code belong to it (4-byte start codes,
		// trailing_zero_8bits), not to the unit.
		nalu := bytes.TrimRight(buf[begin:end], "\x00")
		if len(nalu) > 0 {
			out = append(out, nalu)
		}
		if next < 0 {
			break
		}
		i = end
	}
	return out
}

// accessUnits groups NAL units into access units following the rules of
// H.264 7.4.1.2.3 and H.265 7.4.2.4.4, simplified for encoder output: a
// unit starts with a parameter set, SEI or delimiter after a picture, or
// with the first slice of a new picture (first_mb_in_slice == 0,
// first_slice_segment_in_pic_flag == 1). x264 with zerolatency writes
// several slices per picture, so the slice test matters.
func accessUnits(codec Codec, nalus [][]byte) [][][]byte {
	var out [][][]byte
	var cur [][]byte
	hasPicture := false
	for _, n := range nalus {
		vcl, first, prefix := classify(codec, n)
		if hasPicture && (prefix || (vcl && first)) {
			out = append(out, cur)
			cur, hasPicture = nil, false
		}
		cur = append(cur, n)
		hasPicture = hasPicture || vcl
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// classify tells whether a NAL unit is a slice, whether it is the first
// slice of its picture, and whether it may only precede a picture.
func classify(codec Codec, n []byte) (vcl, first, prefix bool) {
	if codec == H265 {
		if len(n) < 2 {
			return false, false, false
		}
		typ := (n[0] >> 1) & 0x3f
		switch {
		case typ < 32:
			return true, len(n) > 2 && n[2]&0x80 != 0, false
		case typ <= 35, typ == 39, typ >= 41 && typ <= 44, typ >= 48 && typ <= 55:
			// VPS, SPS, PPS, AUD, prefix SEI, reserved and unspecified.
			return false, false, true
		}
		return false, false, false
	}
	switch typ := n[0] & 0x1f; {
	case typ >= 1 && typ <= 5:
		return true, len(n) > 1 && n[1]&0x80 != 0, false
	case typ >= 6 && typ <= 9, typ >= 14 && typ <= 18:
		// SEI, SPS, PPS, AUD and reserved.
		return false, false, true
	}
	return false, false, false
}

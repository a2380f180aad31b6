package record

import (
	"encoding/binary"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Box layout constants of a fragment as mediacommon's fmp4.Part writes it
// (one track, id 1): moof{mfhd, traf{tfhd default-base-is-moof, tfdt
// version 1, trun version 1}}, then mdat. The files stay what mediacommon
// reads back (recovery and export parse them with fmp4.Parts).
const (
	trunDataOffset     = 0x001
	trunDuration       = 0x100
	trunSize           = 0x200
	trunFlags          = 0x400
	trunCompositionOff = 0x800
	sampleNonSync      = 1 << 16
	// maxIovecs bounds one writev (Linux's IOV_MAX is 1024); a fragment
	// with more pieces is copied into one buffer instead.
	maxIovecs = 1024
)

// sample is one frame of a fragment being laid out.
type sample struct {
	au       [][]byte
	duration uint32
	offset   int32 // presentation time minus decode time
	nonSync  bool
}

// fragmenter lays out fragments without copying the video: the boxes'
// headers and the AVCC length prefixes go in reused buffers, and the
// frames' NAL units are handed to one writev as they are in memory. It
// replaces fmp4.Part.Marshal on the hot path, which copied every frame
// twice and marshalled its boxes by reflection.
type fragmenter struct {
	head []byte   // moof and the mdat header
	lens []byte   // the 4-byte lengths of the NAL units
	iov  [][]byte // the pieces of one fragment, in file order
}

// layout returns the pieces of fragment seq starting at decode time base:
// the moof and mdat header, then each NAL unit behind its length. The
// pieces are valid until the next call.
func (fr *fragmenter) layout(seq uint32, base uint64, samples []sample) [][]byte {
	flags := uint32(trunDataOffset | trunDuration | trunSize)
	for _, s := range samples {
		if s.nonSync {
			flags |= trunFlags
		}
		if s.offset != 0 {
			flags |= trunCompositionOff
		}
	}
	entry := 8
	if flags&trunFlags != 0 {
		entry += 4
	}
	if flags&trunCompositionOff != 0 {
		entry += 4
	}
	trunLen := 20 + entry*len(samples)
	trafLen := 8 + 16 + 20 + trunLen
	moofLen := 8 + 16 + trafLen
	mdatLen := 8
	nalus := 0
	for _, s := range samples {
		for _, n := range s.au {
			mdatLen += 4 + len(n)
			nalus++
		}
	}

	h := fr.head[:0]
	h = box(h, moofLen, "moof")
	h = box(h, 16, "mfhd")
	h = binary.BigEndian.AppendUint32(h, 0) // version 0, flags 0
	h = binary.BigEndian.AppendUint32(h, seq)
	h = box(h, trafLen, "traf")
	h = box(h, 16, "tfhd")
	h = binary.BigEndian.AppendUint32(h, 0x020000) // default-base-is-moof
	h = binary.BigEndian.AppendUint32(h, 1)        // track id
	h = box(h, 20, "tfdt")
	h = binary.BigEndian.AppendUint32(h, 1<<24) // version 1
	h = binary.BigEndian.AppendUint64(h, base)
	h = box(h, trunLen, "trun")
	h = binary.BigEndian.AppendUint32(h, 1<<24|flags)
	h = binary.BigEndian.AppendUint32(h, uint32(len(samples)))
	h = binary.BigEndian.AppendUint32(h, uint32(moofLen+8)) // data offset: the mdat's payload, from the moof
	for _, s := range samples {
		size := 0
		for _, n := range s.au {
			size += 4 + len(n)
		}
		h = binary.BigEndian.AppendUint32(h, s.duration)
		h = binary.BigEndian.AppendUint32(h, uint32(size))
		if flags&trunFlags != 0 {
			f := uint32(0)
			if s.nonSync {
				f = sampleNonSync
			}
			h = binary.BigEndian.AppendUint32(h, f)
		}
		if flags&trunCompositionOff != 0 {
			h = binary.BigEndian.AppendUint32(h, uint32(s.offset))
		}
	}
	h = box(h, mdatLen, "mdat")
	fr.head = h

	if cap(fr.lens) < 4*nalus {
		fr.lens = make([]byte, 4*nalus)
	}
	lens := fr.lens[:4*nalus]
	iov := append(fr.iov[:0], h)
	for _, s := range samples {
		for _, n := range s.au {
			binary.BigEndian.PutUint32(lens, uint32(len(n)))
			iov = append(iov, lens[:4:4], n)
			lens = lens[4:]
		}
	}
	fr.iov = iov
	return iov
}

// box appends a box header.
func box(b []byte, size int, typ string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(size))
	return append(b, typ...)
}

// writeAll writes the pieces with as few writev calls as the kernel
// allows (one, unless it writes short); a fragment with more pieces than
// one writev takes is copied into scratch and written at once.
func writeAll(f *os.File, iov [][]byte, scratch *[]byte) (int, error) {
	if len(iov) > maxIovecs {
		b := (*scratch)[:0]
		for _, p := range iov {
			b = append(b, p...)
		}
		*scratch = b
		return f.Write(b)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	total := 0
	for len(iov) > 0 {
		var n int
		var werr error
		if err := rc.Write(func(fd uintptr) bool {
			n, werr = unix.Writev(int(fd), iov)
			return true // a regular file never waits for readiness
		}); err != nil {
			return total, err
		}
		total += max(n, 0)
		switch {
		case werr == unix.EINTR:
			continue
		case werr != nil:
			return total, werr
		case n <= 0:
			return total, io.ErrShortWrite
		}
		for n > 0 { // a short write goes on from where it stopped
			if n < len(iov[0]) {
				iov[0] = iov[0][n:]
				break
			}
			n -= len(iov[0])
			iov = iov[1:]
		}
	}
	return total, nil
}

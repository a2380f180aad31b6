package bus

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// A queue record on disk is
//
//	u32 body length | u32 CRC-32C of the body | body
//	body = u64 seq | u16 topic length | topic | payload
//
// all big-endian. The length comes first so a reader can skip a record
// without parsing it; the CRC covers everything after it, so a record cut
// short by a crash or damaged on disk is recognised and never published.
const (
	recordHeader  = 8
	recordMinBody = 8 + 2
	// maxRecordBody bounds a body so a damaged length cannot make the
	// reader allocate gigabytes; a snapshot JPEG is far below it.
	maxRecordBody = 16 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// errShort means the bytes end inside a record: at the end of a file, a
// write torn by a crash.
var errShort = errors.New("record cut short")

// errCorrupt means the bytes are not a record: a bad length or CRC.
var errCorrupt = errors.New("corrupt record")

// record is one queued message: its sequence number, topic and payload.
type record struct {
	seq     uint64
	topic   string
	payload []byte
}

// appendRecord appends r encoded to b.
func appendRecord(b []byte, r record) ([]byte, error) {
	body := recordMinBody + len(r.topic) + len(r.payload)
	if len(r.topic) > 0xffff || body > maxRecordBody {
		return b, fmt.Errorf("record of %d bytes (topic %d): over the %d byte limit", body, len(r.topic), maxRecordBody)
	}
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, uint32(body))
	b = binary.BigEndian.AppendUint32(b, 0) // CRC, filled in below
	b = binary.BigEndian.AppendUint64(b, r.seq)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.topic)))
	b = append(b, r.topic...)
	b = append(b, r.payload...)
	binary.BigEndian.PutUint32(b[start+4:], crc32.Checksum(b[start+recordHeader:], crcTable))
	return b, nil
}

// decodeRecord reads the record at the start of b and returns it with the
// number of bytes it took. The payload aliases b. It returns errShort when
// b ends inside the record and errCorrupt when the bytes cannot be one.
func decodeRecord(b []byte) (record, int, error) {
	if len(b) < recordHeader {
		return record{}, 0, errShort
	}
	n := binary.BigEndian.Uint32(b)
	if n < recordMinBody || n > maxRecordBody {
		return record{}, 0, fmt.Errorf("%w: body length %d", errCorrupt, n)
	}
	end := recordHeader + int(n)
	if len(b) < end {
		return record{}, 0, errShort
	}
	body := b[recordHeader:end]
	if crc32.Checksum(body, crcTable) != binary.BigEndian.Uint32(b[4:]) {
		return record{}, 0, fmt.Errorf("%w: CRC mismatch", errCorrupt)
	}
	tl := int(binary.BigEndian.Uint16(body[8:]))
	if recordMinBody+tl > len(body) {
		return record{}, 0, fmt.Errorf("%w: topic length %d past the body", errCorrupt, tl)
	}
	return record{
		seq:     binary.BigEndian.Uint64(body),
		topic:   string(body[recordMinBody : recordMinBody+tl]),
		payload: body[recordMinBody+tl:],
	}, end, nil
}

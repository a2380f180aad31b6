package spool

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
// all big-endian. The length comes first so a reader can skip a Record
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

// ErrShort means the bytes end inside a record: at the end of a file, a
// write torn by a crash.
var ErrShort = errors.New("record cut short")

// ErrCorrupt means the bytes are not a record: a bad length or CRC.
var ErrCorrupt = errors.New("corrupt record")

// Record is one spooled message: its sequence number, topic and payload.
type Record struct {
	// Seq is the number the spool gave it, increasing by one per append.
	Seq uint64
	// Topic is where it is to be published.
	Topic string
	// Payload is the message.
	Payload []byte
}

// AppendRecord appends r encoded to b.
func AppendRecord(b []byte, r Record) ([]byte, error) {
	body := recordMinBody + len(r.Topic) + len(r.Payload)
	if len(r.Topic) > 0xffff || body > maxRecordBody {
		return b, fmt.Errorf("record of %d bytes (topic %d): over the %d byte limit", body, len(r.Topic), maxRecordBody)
	}
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, uint32(body))
	b = binary.BigEndian.AppendUint32(b, 0) // CRC, filled in below
	b = binary.BigEndian.AppendUint64(b, r.Seq)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Topic)))
	b = append(b, r.Topic...)
	b = append(b, r.Payload...)
	binary.BigEndian.PutUint32(b[start+4:], crc32.Checksum(b[start+recordHeader:], crcTable))
	return b, nil
}

// DecodeRecord reads the record at the start of b and returns it with the
// number of bytes it took. The payload aliases b. It returns ErrShort when
// b ends inside the record and ErrCorrupt when the bytes cannot be one.
func DecodeRecord(b []byte) (Record, int, error) {
	if len(b) < recordHeader {
		return Record{}, 0, ErrShort
	}
	n := binary.BigEndian.Uint32(b)
	if n < recordMinBody || n > maxRecordBody {
		return Record{}, 0, fmt.Errorf("%w: body length %d", ErrCorrupt, n)
	}
	end := recordHeader + int(n)
	if len(b) < end {
		return Record{}, 0, ErrShort
	}
	body := b[recordHeader:end]
	if crc32.Checksum(body, crcTable) != binary.BigEndian.Uint32(b[4:]) {
		return Record{}, 0, fmt.Errorf("%w: CRC mismatch", ErrCorrupt)
	}
	tl := int(binary.BigEndian.Uint16(body[8:]))
	if recordMinBody+tl > len(body) {
		return Record{}, 0, fmt.Errorf("%w: topic length %d past the body", ErrCorrupt, tl)
	}
	return Record{
		Seq:     binary.BigEndian.Uint64(body),
		Topic:   string(body[recordMinBody : recordMinBody+tl]),
		Payload: body[recordMinBody+tl:],
	}, end, nil
}

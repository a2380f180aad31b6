package peers

import (
	"bufio"
	"io"
	"net"
	"sync/atomic"
	"testing"
)

// SubNoAnswer, as an MQTTSubAcks answer, leaves a SUBSCRIBE unanswered.
const SubNoAnswer = -1

// MQTTSubAcks returns the URL of an MQTT 3.1.1 broker that accepts every
// CONNECT and PINGREQ and answers the n-th SUBSCRIBE it gets (from 0,
// over every connection) with answer(n) for each of its filters: a QoS
// granted, 0x80 (refused), or SubNoAnswer, like a NATS node still loading
// the retained messages a filter matches or failing to make its consumer.
// Publishes and the rest are read and dropped; nothing is delivered.
func MQTTSubAcks(t testing.TB, answer func(n int) int) string {
	var subscribes atomic.Int64
	return "tcp://" + listen(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			kind, body, err := mqttPacket(r)
			if err != nil {
				return
			}
			var reply []byte
			switch kind >> 4 {
			case 1: // CONNECT: CONNACK, accepted
				reply = []byte{0x20, 0x02, 0x00, 0x00}
			case 8: // SUBSCRIBE
				reply = subAck(body, answer(int(subscribes.Add(1)-1)))
			case 12: // PINGREQ: PINGRESP
				reply = []byte{0xd0, 0x00}
			case 14: // DISCONNECT
				return
			}
			if reply != nil {
				if _, err := c.Write(reply); err != nil {
					return
				}
			}
		}
	})
}

// MQTTNoSubAck returns the URL of an MQTTSubAcks broker that answers no
// SUBSCRIBE.
func MQTTNoSubAck(t testing.TB) string {
	return MQTTSubAcks(t, func(int) int { return SubNoAnswer })
}

// subAck is the SUBACK of a SUBSCRIBE's body giving code to each filter,
// nil for SubNoAnswer or a malformed body.
func subAck(body []byte, code int) []byte {
	if code == SubNoAnswer || len(body) < 2 {
		return nil
	}
	codes := []byte{}
	for rest := body[2:]; len(rest) >= 2; {
		n := int(rest[0])<<8 | int(rest[1])
		if len(rest) < 2+n+1 {
			return nil
		}
		codes = append(codes, byte(code))
		rest = rest[2+n+1:]
	}
	return append([]byte{0x90, byte(2 + len(codes)), body[0], body[1]}, codes...)
}

// mqttPacket reads one MQTT control packet: its first byte and its body.
func mqttPacket(r *bufio.Reader) (byte, []byte, error) {
	kind, err := r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, mult := 0, 1
	for i := 0; ; i++ {
		b, err := r.ReadByte()
		if err != nil {
			return 0, nil, err
		}
		n += int(b&0x7f) * mult
		if b&0x80 == 0 {
			break
		}
		if i == 3 {
			return 0, nil, io.ErrUnexpectedEOF // a length takes 4 bytes at most
		}
		mult *= 128
	}
	body := make([]byte, n)
	_, err = io.ReadFull(r, body)
	return kind, body, err
}

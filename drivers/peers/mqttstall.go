package peers

import (
	"bufio"
	"io"
	"net"
	"testing"
)

// MQTTNoSubAck returns the URL of an MQTT 3.1.1 broker that accepts every
// CONNECT and PINGREQ and never answers a SUBSCRIBE, like a NATS node
// still loading the retained messages a subscription matches. Publishes
// and the rest are read and dropped.
func MQTTNoSubAck(t testing.TB) string {
	return "tcp://" + listen(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			kind, err := mqttPacket(r)
			if err != nil {
				return
			}
			var answer []byte
			switch kind >> 4 {
			case 1: // CONNECT: CONNACK, accepted
				answer = []byte{0x20, 0x02, 0x00, 0x00}
			case 12: // PINGREQ: PINGRESP
				answer = []byte{0xd0, 0x00}
			case 14: // DISCONNECT
				return
			}
			if answer != nil {
				if _, err := c.Write(answer); err != nil {
					return
				}
			}
		}
	})
}

// mqttPacket reads one MQTT control packet and returns its first byte.
func mqttPacket(r *bufio.Reader) (byte, error) {
	kind, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	n, mult := 0, 1
	for i := 0; ; i++ {
		b, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		n += int(b&0x7f) * mult
		if b&0x80 == 0 {
			break
		}
		if i == 3 {
			return 0, io.ErrUnexpectedEOF // a length takes 4 bytes at most
		}
		mult *= 128
	}
	_, err = r.Discard(n)
	return kind, err
}

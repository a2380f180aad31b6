package alerts

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/argus-edge/argus/drivers/bus"
)

// decodeAnomaly is json.Unmarshal of an anomaly message into a: the same
// result and the same error. Messages as edges write them (the fields'
// own names, once each, strings without escapes) are read by a decoder
// of their own, without reflection (encoding/json was 4% of the gateway's
// CPU in a typhoon); anything else, and any doubt, goes to encoding/json.
func decodeAnomaly(payload []byte, a *bus.Anomaly) error {
	d := anomalyDecoder{b: payload}
	if d.anomaly(a) {
		return nil
	}
	*a = bus.Anomaly{}
	return json.Unmarshal(payload, a)
}

// anomalyDecoder reads one bus.Anomaly; each method reports false when
// the input is not of the plain shape it reads (not necessarily invalid:
// encoding/json decides then).
type anomalyDecoder struct {
	b []byte
	i int
}

func (d *anomalyDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// byte consumes c after white space.
func (d *anomalyDecoder) byte(c byte) bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// anomaly reads the whole input as one object of bus.Anomaly's fields.
func (d *anomalyDecoder) anomaly(a *bus.Anomaly) bool {
	var seen uint32
	ok := d.object(func(key []byte) bool {
		f, known := anomalyFields[string(key)]
		if !known || seen&(1<<f) != 0 {
			return false // an unknown, differently cased or repeated name
		}
		seen |= 1 << f
		return d.field(f, a)
	})
	d.ws()
	return ok && d.i == len(d.b)
}

// object reads {"key": value, ...}, value by value.
func (d *anomalyDecoder) object(value func(key []byte) bool) bool {
	if !d.byte('{') {
		return false
	}
	if d.byte('}') {
		return true
	}
	for {
		d.ws()
		key, ok := d.rawStr()
		if !ok || !d.byte(':') {
			return false
		}
		d.ws()
		if !value(key[1 : len(key)-1]) {
			return false
		}
		if d.byte('}') {
			return true
		}
		if !d.byte(',') {
			return false
		}
	}
}

// The fields of bus.Anomaly, by their JSON names (anomalyFields).
const (
	fID = iota
	fSeq
	fSite
	fCamera
	fEdge
	fKind
	fState
	fSeverity
	fScore
	fBox
	fZone
	fRule
	fRuleVersion
	fShadow
	fFrameTime
	fPublishedAt
	fGeo
	fSnapshot
	fVerifies
	fEpoch
	fIncarnation
)

// anomalyFields are the JSON names of bus.Anomaly's fields.
var anomalyFields = map[string]uint{"id": fID, "seq": fSeq, "site": fSite, "camera": fCamera, "edge": fEdge,
	"kind": fKind, "state": fState, "severity": fSeverity, "score": fScore, "box": fBox, "zone": fZone,
	"rule": fRule, "rule_version": fRuleVersion, "shadow": fShadow, "frame_time": fFrameTime,
	"published_at": fPublishedAt, "geo": fGeo, "snapshot": fSnapshot, "verifies": fVerifies,
	"epoch": fEpoch, "incarnation": fIncarnation}

// field reads field f's value into a.
func (d *anomalyDecoder) field(f uint, a *bus.Anomaly) bool {
	switch f {
	case fID:
		return d.strInto(&a.ID)
	case fSite:
		return d.strInto(&a.Site)
	case fCamera:
		return d.strInto(&a.Camera)
	case fEdge:
		return d.strInto(&a.Edge)
	case fKind:
		return d.strInto(&a.Kind)
	case fState:
		return d.strInto(&a.State)
	case fSeverity:
		return d.strInto(&a.Severity)
	case fZone:
		return d.strInto(&a.Zone)
	case fRule:
		return d.strInto(&a.Rule)
	case fVerifies:
		return d.strInto(&a.Verifies)
	case fIncarnation:
		return d.strInto(&a.Incarnation)
	case fSeq:
		return d.uint(&a.Seq)
	case fEpoch:
		return d.uint(&a.Epoch)
	case fRuleVersion:
		return d.int(&a.RuleVersion)
	case fScore:
		return d.float(&a.Score)
	case fShadow:
		return d.bool(&a.Shadow)
	case fBox:
		return d.box(&a.Box)
	case fFrameTime:
		return d.time(&a.FrameTime)
	case fPublishedAt:
		return d.time(&a.PublishedAt)
	case fGeo:
		return d.geo(a)
	case fSnapshot:
		return d.snapshot(a)
	}
	return false
}

// rawStr is the string token, quotes included.
func (d *anomalyDecoder) rawStr() ([]byte, bool) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return nil, false
	}
	start, ascii := d.i, true
	for j := d.i + 1; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			if !ascii && !utf8.Valid(d.b[start+1:j]) {
				return nil, false // encoding/json would replace the bad bytes
			}
			d.i = j + 1
			return d.b[start:d.i], true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false
}

// strInto reads a string without escapes, of valid UTF-8, into v.
func (d *anomalyDecoder) strInto(v *string) bool {
	raw, ok := d.rawStr()
	if ok {
		*v = string(raw[1 : len(raw)-1])
	}
	return ok
}

// number is a JSON number token: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?;
// integer tells it has no fraction or exponent.
func (d *anomalyDecoder) number() (tok []byte, integer, ok bool) {
	b, i := d.b, d.i
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return nil, false, false
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		i++
		integer = false
		if digits() == 0 {
			return nil, false, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		integer = false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return nil, false, false
		}
	}
	tok, d.i = b[d.i:i], i
	return tok, integer, true
}

func (d *anomalyDecoder) uint(v *uint64) bool {
	tok, integer, ok := d.number()
	if !ok || !integer {
		return false
	}
	n, err := strconv.ParseUint(string(tok), 10, 64)
	*v = n
	return err == nil
}

func (d *anomalyDecoder) int(v *int) bool {
	tok, integer, ok := d.number()
	if !ok || !integer {
		return false
	}
	n, err := strconv.ParseInt(string(tok), 10, strconv.IntSize)
	*v = int(n)
	return err == nil
}

func (d *anomalyDecoder) float(v *float64) bool {
	tok, _, ok := d.number()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	*v = f
	return err == nil
}

func (d *anomalyDecoder) bool(v *bool) bool {
	rest := d.b[d.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		d.i += 4
		*v = true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		d.i += 5
		*v = false
	default:
		return false
	}
	return true
}

// box reads exactly four numbers.
func (d *anomalyDecoder) box(v *[4]float64) bool {
	if !d.byte('[') {
		return false
	}
	for k := range v {
		if k > 0 && !d.byte(',') {
			return false
		}
		d.ws()
		if !d.float(&v[k]) {
			return false
		}
	}
	return d.byte(']')
}

// time hands the string token to bus.Time, as encoding/json does.
func (d *anomalyDecoder) time(v *bus.Time) bool {
	raw, ok := d.rawStr()
	return ok && v.UnmarshalJSON(raw) == nil
}

// geo reads {"lat":…, "lon":…, "alt":…}, each once (null: not this decoder's).
func (d *anomalyDecoder) geo(a *bus.Anomaly) bool {
	g := &bus.Geo{}
	var seen uint8
	ok := d.object(func(key []byte) bool {
		var bit uint8
		var v *float64
		switch string(key) {
		case "lat":
			bit, v = 1, &g.Lat
		case "lon":
			bit, v = 2, &g.Lon
		case "alt":
			bit, v = 4, &g.Alt
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return d.float(v)
	})
	a.Geo = g
	return ok
}

// snapshot reads base64 as encoding/json does for a []byte.
func (d *anomalyDecoder) snapshot(a *bus.Anomaly) bool {
	raw, ok := d.rawStr()
	if !ok {
		return false
	}
	s := raw[1 : len(raw)-1]
	b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(b, s)
	a.Snapshot = b[:n]
	return err == nil
}

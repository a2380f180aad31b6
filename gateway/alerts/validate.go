package alerts

import (
	"errors"
	"fmt"
	"math"
	"unicode"

	"github.com/argus-edge/argus/drivers/bus"
)

// Reasons a message is rejected, the label of the rejected metric.
const (
	rejectTopic    = "topic"          // not an anomaly topic
	rejectJSON     = "bad_json"       // not an anomaly payload
	rejectMismatch = "topic_mismatch" // site or camera differ from the topic's
	rejectInvalid  = "invalid"        // a field out of the contract
	rejectStale    = "stale_owner"    // not from the camera's current owner (fleet)
)

// rejection is why a message was dropped.
type rejection struct {
	reason string
	err    error
}

func (r *rejection) Error() string { return r.reason + ": " + r.err.Error() }
func (r *rejection) Unwrap() error { return r.err }

func reject(reason string, err error) error { return &rejection{reason: reason, err: err} }

// reasonOf is the rejection reason of err.
func reasonOf(err error) string {
	var r *rejection
	if errors.As(err, &r) {
		return r.reason
	}
	return rejectInvalid
}

// parse reads one anomaly message: its topic must be an anomaly topic
// naming the payload's site and camera, and the payload must keep the
// contract. A missing severity becomes medium, the rules' default.
func parse(topic string, payload []byte) (bus.Anomaly, error) {
	t, err := bus.ParseTopic(topic)
	if err != nil {
		return bus.Anomaly{}, reject(rejectTopic, err)
	}
	if t.Kind != bus.KindAnomaly {
		return bus.Anomaly{}, reject(rejectTopic, fmt.Errorf("%s is not an anomaly topic", topic))
	}
	var a bus.Anomaly
	if err := decodeAnomaly(payload, &a); err != nil {
		return bus.Anomaly{}, reject(rejectJSON, err)
	}
	if a.Site != t.Site || a.Camera != t.Camera {
		return bus.Anomaly{}, reject(rejectMismatch,
			fmt.Errorf("payload names site %q camera %q", a.Site, a.Camera))
	}
	if a.Severity == "" {
		a.Severity = "medium"
	}
	if err := check(a); err != nil {
		return bus.Anomaly{}, reject(rejectInvalid, err)
	}
	return a, nil
}

// check holds an anomaly to the bus contract.
func check(a bus.Anomaly) error {
	if err := checkText("id", a.ID, 200); err != nil {
		return err
	}
	if a.Seq == 0 {
		return errors.New("seq 0: the publisher numbers anomalies from 1")
	}
	for _, f := range []struct{ name, v string }{{"edge", a.Edge}, {"kind", a.Kind}} {
		if err := bus.ValidID(f.v); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	switch a.State {
	case bus.StateStart, bus.StateUpdate, bus.StateEnd:
	default:
		return fmt.Errorf("state %q: want start, update or end", a.State)
	}
	if bus.SeverityRank(a.Severity) < 0 {
		return fmt.Errorf("severity %q: want one of %v", a.Severity, bus.Severities)
	}
	for _, f := range []struct{ name, v string }{{"zone", a.Zone}, {"rule", a.Rule}} {
		if f.v != "" {
			if err := checkText(f.name, f.v, 200); err != nil {
				return err
			}
		}
	}
	return checkNumbers(a)
}

// checkNumbers: score and box are fractions, geo a position, versions natural.
func checkNumbers(a bus.Anomaly) error {
	if !fraction(a.Score) {
		return fmt.Errorf("score %v: want 0..1", a.Score)
	}
	for i, v := range a.Box {
		if !fraction(v) {
			return fmt.Errorf("box[%d] %v: want 0..1", i, v)
		}
	}
	if a.RuleVersion < 0 {
		return fmt.Errorf("rule_version %d: negative", a.RuleVersion)
	}
	if g := a.Geo; g != nil && !(math.Abs(g.Lat) <= 90 && math.Abs(g.Lon) <= 180 && !math.IsNaN(g.Alt) && !math.IsInf(g.Alt, 0)) {
		return fmt.Errorf("geo %+v: not a position", *g)
	}
	if len(a.Snapshot) > 0 && (len(a.Snapshot) < 2 || a.Snapshot[0] != 0xff || a.Snapshot[1] != 0xd8) {
		return errors.New("snapshot: not a JPEG")
	}
	return nil
}

func fraction(v float64) bool { return v >= 0 && v <= 1 } // false for NaN

// checkText: 1 to max bytes, no control characters (they would end up in
// logs and the console).
func checkText(name, v string, max int) error {
	if v == "" || len(v) > max {
		return fmt.Errorf("%s %q: want 1 to %d bytes", name, v, max)
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return fmt.Errorf("%s %q: control or invalid character", name, v)
		}
	}
	return nil
}

package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Where NATS's MQTT layer keeps retained messages: one JetStream stream,
// one subject per topic (the topic as a NATS subject after the prefix),
// the payload as published, the flags in a header. A flags value starting
// with '-' marks a deleted (cleared) message. These are nats-server
// v2.15.3's (server/mqtt.go); the tests read them back through a real node.
const (
	retainedStream  = "$MQTT_rmsgs"
	retainedPrefix  = "$MQTT.rmsgs."
	retainedFlags   = "Nmqtt-RFlags"
	retainedDeleted = '-'
)

// ErrRetainedFilter is returned for a topic filter ReadRetained cannot map.
var ErrRetainedFilter = errors.New("retained: want an MQTT topic filter without '$'")

// Retained reads retained messages from JetStream. A new MQTT subscriber
// to thousands of retained topics gets an incomplete set from NATS when
// they were published moments before (its retained index is filled
// asynchronously: 6 to 46 of 50 were seen), and a large one blocks its
// client for seconds; the stream itself holds every one.
type Retained struct {
	js jetstream.JetStream
}

// NewRetained reads retained messages over nc, a nats.go connection whose
// user may use the JetStream API (the gateway's).
func NewRetained(nc *nats.Conn) (*Retained, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("retained: %w", err)
	}
	return &Retained{js: js}, nil
}

// Read calls fn with the topic and payload of every retained message
// whose topic matches the MQTT filter (a cleared one has a nil payload),
// each topic once with its latest message, and returns how many it
// delivered: the broker's retained state at the time of the call.
func (r *Retained) Read(ctx context.Context, filter string, fn func(topic string, payload []byte)) (int, error) {
	subject, err := filterSubject(filter)
	if err != nil {
		return 0, err
	}
	cons, err := r.js.OrderedConsumer(ctx, retainedStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{retainedPrefix + subject},
		DeliverPolicy:  jetstream.DeliverLastPerSubjectPolicy,
	})
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0, nil // nothing was ever retained
	}
	if err != nil {
		return 0, fmt.Errorf("retained %s: %w", filter, err)
	}
	info := cons.CachedInfo()
	if info == nil || info.NumPending == 0 {
		return 0, nil
	}
	it, err := cons.Messages()
	if err != nil {
		return 0, fmt.Errorf("retained %s: %w", filter, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	n := 0
	for {
		m, err := it.Next()
		if err != nil {
			return n, fmt.Errorf("retained %s: after %d: %w", filter, n, err)
		}
		fn(subjectTopic(strings.TrimPrefix(m.Subject(), retainedPrefix)), payloadOf(m))
		n++
		md, err := m.Metadata()
		if err != nil || md.NumPending == 0 {
			return n, err
		}
	}
}

// payloadOf is a retained message's payload, nil when it marks a clear.
func payloadOf(m jetstream.Msg) []byte {
	if f := m.Headers().Get(retainedFlags); f != "" && f[0] == retainedDeleted {
		return nil
	}
	if len(m.Data()) == 0 {
		return nil
	}
	return m.Data()
}

// filterSubject maps an MQTT topic filter to a NATS subject filter.
func filterSubject(filter string) (string, error) {
	if filter == "" || strings.ContainsAny(filter, "$ .*>") {
		return "", fmt.Errorf("%w: %q", ErrRetainedFilter, filter)
	}
	lv := strings.Split(filter, "/")
	for i, l := range lv {
		switch {
		case l == "+":
			lv[i] = "*"
		case l == "#" && i == len(lv)-1:
			lv[i] = ">"
		case l == "" || strings.ContainsAny(l, "+#"):
			return "", fmt.Errorf("%w: %q", ErrRetainedFilter, filter)
		}
	}
	return strings.Join(lv, "."), nil
}

// subjectTopic maps a NATS subject back to its MQTT topic (Argus topics
// hold no '.' or '/' inside a level: their ids are [a-z0-9_-]).
func subjectTopic(subject string) string { return strings.ReplaceAll(subject, ".", "/") }

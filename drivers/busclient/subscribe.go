package busclient

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/backoff"
)

// A broker's answer to a SUBSCRIBE is waited for patiently and read filter
// by filter: NATS answers only once it has made a QoS 1 filter's JetStream
// consumer and loaded the retained messages the filter matches (seconds in
// a cluster electing leaders, up to its 30 s API timeout under load), and
// refuses a filter (0x80) when that fails or permissions deny it. paho
// reports neither as an error.

// Subscription is what to do with one filter's messages.
type Subscription struct {
	// QoS is the quality of service asked for (the broker may grant less).
	QoS byte
	// Handler gets the filter's messages.
	Handler mqtt.MessageHandler
}

// subRefused is the SUBACK code of a refused filter (MQTT 3.1.1 §3.9.3).
const subRefused = 0x80

// subWarnEvery is how often a slow answer is logged.
const subWarnEvery = 10 * time.Second

// subRetry spaces the requests for refused filters: 1 s to 30 s.
func subRetry() backoff.Backoff {
	return backoff.Backoff{Min: time.Second, Max: 30 * time.Second, Jitter: 0.2}
}

// retried logs the refusal of filters and waits out the backoff before
// they are asked for again; it returns pause's error.
func retried(ctx context.Context, c mqtt.Client, refused []string, b *backoff.Backoff, log zerolog.Logger) error {
	wait := b.Next()
	log.Error().Strs("filters", refused).Dur("retry_in", wait).Msg("bus: the broker refused a subscription; asking again")
	return pause(ctx, c, wait)
}

// ErrConnectionGone ends SubscribeUntil: the connection it subscribed on
// dropped or closed; the next connection subscribes again.
var ErrConnectionGone = errors.New("bus: connection gone before every subscription was accepted")

// SubscribeUntil asks the broker for every filter in subs and returns once
// it has accepted them all. A slow answer is logged every 10 s; refused
// filters are asked for again with backoff (1 s to 30 s), each refusal
// logged as an error. It returns ErrConnectionGone when the connection
// drops or closes first, ctx's error when ctx ends.
func SubscribeUntil(ctx context.Context, c mqtt.Client, subs map[string]Subscription, log zerolog.Logger) error {
	pending := slices.Sorted(maps.Keys(subs))
	b := subRetry()
	for {
		refused, err := subscribeOnce(ctx, c, subs, pending, log)
		if err != nil {
			return err
		}
		if len(refused) == 0 {
			return nil
		}
		if err := retried(ctx, c, refused, &b, log); err != nil {
			return err
		}
		pending = refused
	}
}

// subscribeOnce asks for the filters named and returns those refused.
func subscribeOnce(ctx context.Context, c mqtt.Client, subs map[string]Subscription, filters []string, log zerolog.Logger) ([]string, error) {
	toks := make([]mqtt.Token, len(filters))
	for i, f := range filters {
		toks[i] = c.Subscribe(f, subs[f].QoS, subs[f].Handler)
	}
	var refused []string
	for i, tok := range toks {
		if err := awaitAnswer(ctx, c, tok, filters[i], log); err != nil {
			return nil, err
		}
		if Refused(tok, filters[i]) {
			refused = append(refused, filters[i])
		}
	}
	return refused, nil
}

// awaitAnswer waits for a SUBSCRIBE's answer, logging while it is slow.
func awaitAnswer(ctx context.Context, c mqtt.Client, tok mqtt.Token, filter string, log zerolog.Logger) error {
	start := time.Now()
	tick := time.NewTicker(subWarnEvery)
	defer tick.Stop()
	for {
		select {
		case <-tok.Done():
			if err := tok.Error(); err != nil {
				return fmt.Errorf("%w: %v", ErrConnectionGone, err)
			}
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if !c.IsConnectionOpen() {
				return ErrConnectionGone
			}
			log.Warn().Str("filter", filter).Dur("waited", time.Since(start)).Msg("bus: subscription not answered yet; waiting")
		}
	}
}

// Refused tells whether the broker refused filter in a SUBSCRIBE's
// answer (or left it out of it).
func Refused(tok mqtt.Token, filter string) bool {
	st, ok := tok.(*mqtt.SubscribeToken)
	if !ok {
		return false
	}
	code, ok := st.Result()[filter]
	return !ok || code == subRefused
}

// pause waits d; it ends early with ctx's error, or ErrConnectionGone
// when the connection goes (checked every second).
func pause(ctx context.Context, c mqtt.Client, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	check := time.NewTicker(time.Second)
	defer check.Stop()
	for {
		if !c.IsConnectionOpen() {
			return ErrConnectionGone
		}
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-check.C:
		}
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/deploy/bench"
	"github.com/argus-edge/argus/drivers/bus"
)

// district is what the anomalies come from: cameras over sites.
type district struct{ sites, cameras int }

// anomaly is the i-th anomaly of a run (id prefix+i): mostly cameras
// going offline (a typhoon's power cut), some people, vehicles and
// covered lenses; times are now, so its record's started_at is when it
// was published.
func (d district) anomaly(prefix string, i int) bus.Anomaly {
	cam := i % d.cameras
	site := siteName(cam % d.sites)
	kind, severity := bus.KindCameraOffline, "high"
	switch i % 10 {
	case 7:
		kind, severity = bus.KindPerson, "medium"
	case 8:
		kind, severity = bus.KindVehicle, "low"
	case 9:
		kind, severity = bus.KindCameraCovered, "medium"
	}
	now := bus.Now()
	return bus.Anomaly{ID: fmt.Sprintf("%s%d", prefix, i), Seq: 1, Site: site, Camera: fmt.Sprintf("cam-%05d", cam),
		Edge: "edge-" + site, Kind: kind, State: bus.StateStart, Severity: severity, Score: 0.9,
		FrameTime: now, PublishedAt: now}
}

// publisher is one edge's MQTT client publishing at QoS 1, as the edges'
// senders do; its PUBACKs are awaited apart so that publishing never waits
// for one, within a window of unacknowledged messages.
type publisher struct {
	c            mqtt.Client
	acks         chan mqtt.Token
	sent, failed atomic.Int64
	done         chan struct{}
}

func newPublisher(broker, name string) (*publisher, error) {
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + broker).SetClientID(name).
		SetUsername(name).SetPassword(busPassword).SetCleanSession(true))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		return nil, fmt.Errorf("publisher %s: %v", name, tok.Error())
	}
	p := &publisher{c: c, acks: make(chan mqtt.Token, 2048), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for tok := range p.acks {
			if !tok.WaitTimeout(60*time.Second) || tok.Error() != nil {
				p.failed.Add(1)
			}
		}
	}()
	return p, nil
}

// publish sends one anomaly; it waits only when the window is full.
func (p *publisher) publish(a bus.Anomaly) {
	body, _ := json.Marshal(a)
	p.acks <- p.c.Publish(bus.AnomalyTopic(a.Site, a.Camera), 1, false, body)
	p.sent.Add(1)
}

// close waits for the outstanding PUBACKs and disconnects.
func (p *publisher) close() {
	close(p.acks)
	<-p.done
	p.c.Disconnect(250)
}

// publishAll has the publishers send n anomalies (ids prefix+i) in
// total, at rate a second (0: as fast as they can), and returns when all
// are sent (not yet acknowledged).
func publishAll(pubs []*publisher, d district, prefix string, n int, rate float64) {
	var next atomic.Int64
	done := make(chan struct{})
	for _, p := range pubs {
		go func() {
			defer func() { done <- struct{}{} }()
			start := time.Now()
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				due := n
				if rate > 0 {
					due = min(n, int(rate*time.Since(start).Seconds()))
				}
				for int(next.Load()) < due {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					p.publish(d.anomaly(prefix, i))
				}
				if int(next.Load()) >= n {
					return
				}
				<-tick.C // pacing the load, not synchronising
			}
		}()
	}
	for range pubs {
		<-done
	}
}

// console is one browser's event stream: it counts the anomaly events
// and, while measuring, the latency of each (received minus its
// started_at: its publication, truncated to the millisecond).
type console struct {
	events atomic.Int64
	ended  atomic.Bool // the server ended the stream (a dropped client)
}

// openConsole follows /api/events with token until ctx ends.
func openConsole(ctx context.Context, base, token string, lat *bench.Samples, measuring *atomic.Bool) (*console, error) {
	resp, err := bench.OpenEvents(ctx, base, token)
	if err != nil {
		return nil, err
	}
	c := &console{}
	go func() {
		defer resp.Body.Close()
		r := bufio.NewReaderSize(resp.Body, 256<<10)
		anomaly := false
		key := []byte(`"started_at":"`)
		for {
			line, err := r.ReadSlice('\n')
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil {
				c.ended.Store(ctx.Err() == nil)
				return
			}
			switch {
			case bytes.HasPrefix(line, []byte("event: ")):
				anomaly = bytes.HasPrefix(line, []byte("event: anomaly"))
			case anomaly && bytes.HasPrefix(line, []byte("data: ")):
				c.events.Add(1)
				if lat == nil || !measuring.Load() {
					continue
				}
				now := time.Now()
				if i := bytes.Index(line, key); i >= 0 {
					rest := line[i+len(key):]
					if j := bytes.IndexByte(rest, '"'); j > 0 {
						if t, err := time.Parse(time.RFC3339Nano, string(rest[:j])); err == nil {
							lat.Add(now.Sub(t))
						}
					}
				}
			}
		}
	}()
	return c, nil
}

// login signs a console user in and returns the session token.
func login(base, name string) (string, error) {
	b, _ := json.Marshal(map[string]string{"user": name, "password": password})
	resp, err := http.Post(base+"/api/login", "application/json", strings.NewReader(string(b)))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		return "", fmt.Errorf("login %s: %d %v", name, resp.StatusCode, err)
	}
	return out.Token, nil
}

// Command typhoon measures the gateway's anomaly ingest in a typhoon (issue
// 16): the real gateway binary (embedded NATS broker with MQTT, batched
// ingest, incident grouping, event stream) on a SQLite or a PostgreSQL
// store, fed over MQTT at QoS 1 by publishers in this process (not the
// gateway's: simulated edges, one client each) at -rate anomalies a second
// for -window, while -consoles event streams (/api/events, as the
// console reads them) stay open: -wide of them a commander's, who sees
// every site, the others operators' covering a tenth of the sites each.
// Then a burst of -burst anomalies published as fast as the publishers
// can. It prints the sustained rate, the latency from publication to the
// event at the wide consoles (p50, p99, max), the gateway's CPU (from
// /proc, utime+stime) and RSS, the consoles' liveness, and for the burst
// the time to store it all, the ingest queue's peak and the peak RSS; it
// counts the anomalies in the store's own database. It asserts nothing
// on time and fails only if an anomaly is lost. Run it through make bench.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/argus-edge/argus/deploy/bench"
)

// options are the command's flags.
type options struct {
	bin                     string
	stores                  []string
	rate                    float64
	window                  time.Duration
	consoles, wide, burst   int
	publishers, sites, cams int
	profile                 string // folder for the gateway's CPU profile; empty: none
}

func main() {
	var o options
	stores := flag.String("store", "sqlite,postgres", "stores to measure, comma-separated: sqlite, postgres")
	flag.StringVar(&o.bin, "bin", "bin", "folder holding the gateway binary")
	flag.Float64Var(&o.rate, "rate", 10000, "anomalies a second, sustained")
	flag.DurationVar(&o.window, "window", 60*time.Second, "how long the sustained rate lasts")
	flag.IntVar(&o.consoles, "consoles", 100, "event-stream clients")
	flag.IntVar(&o.wide, "wide", 10, "of those, a commander's (every site); the others cover a tenth of the sites")
	flag.IntVar(&o.burst, "burst", 100000, "anomalies of the burst (0: none)")
	flag.IntVar(&o.publishers, "publishers", 4, "MQTT publishers (simulated edges)")
	flag.IntVar(&o.sites, "sites", 100, "sites of the district")
	flag.IntVar(&o.cams, "cameras", 41000, "cameras of the district")
	flag.StringVar(&o.profile, "profile", "", "save a CPU profile of the gateway during the sustained phase in this folder (typhoon-<store>.pprof); empty: none")
	flag.Parse()
	o.stores = strings.Split(*stores, ",")
	for _, st := range o.stores {
		if err := run(o, st); err != nil {
			fmt.Fprintf(os.Stderr, "typhoon bench (%s): %v\n", st, err)
			os.Exit(1)
		}
	}
}

// run measures one store.
func run(o options, kind string) error {
	const operators = 10
	g, err := startGateway(o.bin, kind, o.sites, operators, o.publishers, o.profile != "")
	if err != nil {
		return err
	}
	defer g.stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lat := &bench.Samples{}
	var measuring atomic.Bool
	var wide, scoped []*console
	for i := range o.consoles {
		user, samples := fmt.Sprintf("op-%d", i%operators), (*bench.Samples)(nil)
		if i < o.wide {
			user, samples = "commander", lat
		}
		token, err := login(g.http, user)
		if err != nil {
			return err
		}
		c, err := openConsole(ctx, g.http, token, samples, &measuring)
		if err != nil {
			return err
		}
		if i < o.wide {
			wide = append(wide, c)
		} else {
			scoped = append(scoped, c)
		}
	}
	var pubs []*publisher
	for p := range o.publishers {
		pub, err := newPublisher(g.mqtt, fmt.Sprintf("pub-%d", p))
		if err != nil {
			return err
		}
		pubs = append(pubs, pub)
	}
	d := district{sites: o.sites, cameras: o.cams}
	fmt.Printf("typhoon bench, %s store: %d anomalies/s for %s from %d MQTT publishers (QoS 1) into bin/gateway; %d event streams open (%d see every site, %d a tenth of them); this machine is shared: figures vary\n",
		kind, int(o.rate), o.window, o.publishers, o.consoles, o.wide, o.consoles-o.wide)

	n := int(o.rate * o.window.Seconds())
	measuring.Store(true)
	profiled := make(chan error, 1)
	if o.profile != "" {
		go func() { profiled <- g.profile(o.profile, kind, o.window) }()
	} else {
		profiled <- nil
	}
	ph, err := phase(g, func() { publishAll(pubs, d, "ty-s-", n, o.rate) }, n)
	if err != nil {
		return err
	}
	if err := <-profiled; err != nil {
		return err
	}
	measuring.Store(false)
	p50, p99, mx, count := lat.Percentiles()
	fmt.Printf("  sustained: %d published in %s (%.0f/s), all stored after %s (%.0f/s); gateway CPU %.0f%% of a core, RSS peak %d MiB; this bench (publishers, consoles) %.0f%% of a core\n",
		n, ph.published.Round(time.Millisecond), float64(n)/ph.published.Seconds(), ph.stored.Round(time.Millisecond),
		float64(n)/ph.stored.Seconds(), ph.cpu, ph.rssPeak>>10, ph.selfCPU)
	fmt.Printf("  steady state (from %s to the end of publishing): stored %.0f/s; published and not yet stored: %d at %s, %d at the end\n",
		steadyFrom, ph.steady, ph.backlogEarly, steadyFrom, ph.backlogEnd)
	fmt.Printf("  publication -> anomaly event at a commander's console (%d events over %d consoles): p50 %s, p99 %s, max %s; in the gateway, arrival -> stored and acknowledged: mean %s\n",
		count, len(wide), p50, p99, mx, ph.ingestMean.Round(100*time.Microsecond))
	fmt.Printf("  %d batches, %.0f anomalies each on average, written in %s on average; CPU per anomaly: gateway %s, PostgreSQL %s (0: SQLite, in the gateway); %d delivered again by the broker; load average %s\n",
		ph.batches, ph.batchMean, ph.writeMean.Round(10*time.Microsecond), ph.cpuEach.Round(time.Microsecond), ph.pgEach.Round(time.Microsecond), ph.redelivered, loadAvg())
	if err := liveness(wide, scoped, n, o); err != nil {
		return err
	}
	if o.burst > 0 {
		before := counts(wide)
		ph, err := phase(g, func() { publishAll(pubs, d, "ty-b-", o.burst, 0) }, o.burst)
		if err != nil {
			return err
		}
		peak, _ := g.metric("argus_ingest_queue_peak")
		capacity, _ := g.metric("argus_ingest_queue_capacity")
		full, _ := g.metric("argus_ingest_queue_full_total")
		fmt.Printf("  burst: %d published in %s, all stored after %s (%.0f/s); ingest queue peak %.0f of %.0f (%.0f anomalies waited for room); gateway CPU %.0f%% of a core (%s per anomaly, PostgreSQL %s), RSS peak %d MiB; %d delivered again; load average %s\n",
			o.burst, ph.published.Round(time.Millisecond), ph.stored.Round(time.Millisecond), float64(o.burst)/ph.stored.Seconds(),
			peak, capacity, full, ph.cpu, ph.cpuEach.Round(time.Microsecond), ph.pgEach.Round(time.Microsecond), ph.rssPeak>>10, ph.redelivered, loadAvg())
		got := counts(wide)
		fmt.Printf("  burst at the commander's consoles: %d to %d of %d anomaly events\n", minOf(got)-maxOf(before), maxOf(got)-minOf(before), o.burst)
	}
	for _, p := range pubs {
		p.close()
		if f := p.failed.Load(); f > 0 {
			return fmt.Errorf("%d publications were not acknowledged", f)
		}
	}
	for prefix, want := range map[string]int{"ty-s-": n, "ty-b-": o.burst} {
		got, err := g.count(prefix)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("the store holds %d anomalies %s*, want %d: lost", got, prefix, want)
		}
	}
	fmt.Printf("  the store holds every anomaly: %d + %d\n", n, o.burst)
	return nil
}

// steadyFrom is how long into a phase its steady state starts.
const steadyFrom = 10 * time.Second

// sample is the count stored in a phase at a time.
type sample struct {
	at     time.Time
	stored float64
}

// measured is what one phase took.
type measured struct {
	// steady is the rate stored from steadyFrom to the end of publishing;
	// backlogEarly and backlogEnd are the anomalies published and not yet
	// stored at both ends (the early one from the publishing rate).
	steady                   float64
	backlogEarly, backlogEnd int
	published, stored        time.Duration
	redelivered              int           // messages the broker delivered again (ignored by the store)
	cpu                      float64       // percent of one core, from the start to all stored
	selfCPU                  float64       // the bench's own (publishers, consoles), the same way
	cpuEach, pgEach          time.Duration // the gateway's and PostgreSQL's CPU time per anomaly
	rssPeak                  int64         // KiB
	// ingestMean is the mean time in the gateway from an anomaly's
	// arrival from MQTT to its acknowledgement (argus_ingest_latency_seconds).
	ingestMean time.Duration
	// batches written, their mean size and mean store write time.
	batches   int
	batchMean float64
	writeMean time.Duration
}

// phase runs publish and waits until the gateway has stored n more
// anomalies, sampling its RSS meanwhile.
func phase(g *gateway, publish func(), n int) (measured, error) {
	pid := g.cmd.Process.Pid
	// Applied, not ingested: a message the broker delivered again (its
	// acknowledgement came after the broker's wait) is ingested twice and
	// applied once.
	const applied = "argus_gateway_anomalies_applied_total"
	base, err := g.metric(applied)
	if err != nil {
		return measured{}, err
	}
	dup0, _ := g.metric("argus_gateway_anomalies_duplicates_total")
	var peak atomic.Int64
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if r := bench.RSSKiB(pid); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	defer close(stop)
	sum0, _ := g.metric("argus_ingest_latency_seconds_sum")
	bs0, _ := g.metric("argus_ingest_batch_size_sum")
	bc0, _ := g.metric("argus_ingest_batch_size_count")
	bw0, _ := g.metric("argus_ingest_batch_seconds_sum")
	c0, p0, self0, t0 := bench.CPUTicks(pid), g.pgTicks(), bench.CPUTicks(os.Getpid()), time.Now()
	// The steady state: what was stored from 10 s into the publishing to
	// its end, and how many were published and not yet stored (in the
	// broker, the queue, a batch) at both times. A gateway that keeps up
	// stores at the publishing rate and its backlog stays the same (its
	// latency times the rate); one that does not falls further behind.
	early := make(chan sample, 1)
	timer := time.AfterFunc(steadyFrom, func() {
		v, _ := g.metric(applied)
		early <- sample{time.Now(), v - base}
	})
	publish()
	m := measured{published: time.Since(t0)}
	if timer.Stop() {
		close(early) // a phase shorter than steadyFrom (a burst) has no steady state
	} else if e, ok := <-early; ok {
		v, err := g.metric(applied)
		if err != nil {
			return m, err
		}
		end := sample{time.Now(), v - base}
		m.steady = (end.stored - e.stored) / end.at.Sub(e.at).Seconds()
		m.backlogEarly = int(float64(n)*e.at.Sub(t0).Seconds()/m.published.Seconds() - e.stored)
		m.backlogEnd = n - int(end.stored)
	}
	deadline := time.Now().Add(20 * time.Minute)
	for {
		v, err := g.metric(applied)
		if err != nil {
			return m, err
		}
		if v-base >= float64(n) {
			break
		}
		if time.Now().After(deadline) {
			return m, fmt.Errorf("stored %.0f of %d after 20 minutes", v-base, n)
		}
		time.Sleep(50 * time.Millisecond) // polling the gateway's metrics
	}
	m.stored = time.Since(t0)
	dup1, _ := g.metric("argus_gateway_anomalies_duplicates_total")
	m.redelivered = int(dup1 - dup0)
	sum1, _ := g.metric("argus_ingest_latency_seconds_sum")
	m.ingestMean = time.Duration((sum1 - sum0) / float64(n) * float64(time.Second))
	bs1, _ := g.metric("argus_ingest_batch_size_sum")
	bc1, _ := g.metric("argus_ingest_batch_size_count")
	bw1, _ := g.metric("argus_ingest_batch_seconds_sum")
	if bc1 > bc0 {
		m.batches, m.batchMean = int(bc1-bc0), (bs1-bs0)/(bc1-bc0)
		m.writeMean = time.Duration((bw1 - bw0) / (bc1 - bc0) * float64(time.Second))
	}
	ticks := bench.CPUTicks(pid) - c0
	m.cpu = float64(ticks) / 100 / m.stored.Seconds() * 100 // ticks are 1/100 s
	m.selfCPU = float64(bench.CPUTicks(os.Getpid())-self0) / 100 / m.stored.Seconds() * 100
	m.cpuEach = time.Duration(float64(ticks) / 100 / float64(n) * float64(time.Second))
	if g.pgPID != 0 {
		m.pgEach = time.Duration(float64(g.pgTicks()-p0) / 100 / float64(n) * float64(time.Second))
	}
	m.rssPeak = peak.Load()
	return m, nil
}

// loadAvg is the machine's load average (1, 5, 15 minutes).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

// liveness prints how many events the consoles got and how many
// streams the gateway dropped as too slow.
func liveness(wide, scoped []*console, n int, o options) error {
	ended := 0
	for _, c := range append(append([]*console{}, wide...), scoped...) {
		if c.ended.Load() {
			ended++
		}
	}
	w, s := counts(wide), counts(scoped)
	fmt.Printf("  consoles: commanders got %d to %d anomaly events of %d; operators %d to %d (a tenth of the sites each); streams dropped: %d of %d\n",
		minOf(w), maxOf(w), n, minOf(s), maxOf(s), ended, o.consoles)
	return nil
}

func counts(cs []*console) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.events.Load()
	}
	return out
}

func minOf(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	m := v[0]
	for _, x := range v {
		m = min(m, x)
	}
	return m
}

func maxOf(v []int64) int64 {
	var m int64
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

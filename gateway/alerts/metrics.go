package alerts

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/gateway/store"
)

// counters are the Alerts' tallies since New.
type counters struct {
	received, applied, duplicates, storeErrors, relayErrors        atomic.Uint64
	rejectedTopic, rejectedJSON, rejectedMismatch, rejectedInvalid atomic.Uint64
	rejectedStale                                                  atomic.Uint64
	wallByAnomaly, wallByHand                                      atomic.Uint64
	prunedAnomalies, prunedSnapshots, prunedAudit, prunedSessions  atomic.Int64
	prunedWall, prunedIncidents                                    atomic.Int64
	queueFull, bursts, ingested                                    atomic.Uint64
	queuePeak                                                      atomic.Int64
}

// notePeak keeps the deepest queue seen.
func (c *counters) notePeak(depth int) {
	for {
		peak := c.queuePeak.Load()
		if int64(depth) <= peak || c.queuePeak.CompareAndSwap(peak, int64(depth)) {
			return
		}
	}
}

func (c *counters) reject(reason string) {
	switch reason {
	case rejectTopic:
		c.rejectedTopic.Add(1)
	case rejectJSON:
		c.rejectedJSON.Add(1)
	case rejectMismatch:
		c.rejectedMismatch.Add(1)
	case rejectStale:
		c.rejectedStale.Add(1)
	default:
		c.rejectedInvalid.Add(1)
	}
}

func (c *counters) wall(by string) {
	if by == byHand {
		c.wallByHand.Add(1)
	} else {
		c.wallByAnomaly.Add(1)
	}
}

func (c *counters) pruned(p store.Pruned) {
	c.prunedAnomalies.Add(p.Anomalies)
	c.prunedSnapshots.Add(p.Snapshots)
	c.prunedAudit.Add(p.Audit)
	c.prunedSessions.Add(p.Sessions)
	c.prunedWall.Add(p.Wall)
	c.prunedIncidents.Add(p.Incidents)
}

// Stats is a snapshot of the Alerts' counters.
type Stats struct {
	Received, Applied, Duplicates uint64
	Rejected                      map[string]uint64 // by reason: topic, bad_json, topic_mismatch, invalid, stale_owner
	StoreErrors                   uint64            // anomalies left unacknowledged after the retries
	WallAdditions                 map[string]uint64 // by anomaly or by hand
	RelayErrors                   uint64
	Pruned                        store.Pruned
	Dropped                       uint64 // notifications slow listeners missed
	// QueuePeak is the deepest the ingest queue has been; QueueFull counts
	// anomalies that found it full (and held the broker back), Bursts the
	// times it filled.
	QueuePeak         int
	QueueFull, Bursts uint64
	Ingested          uint64 // anomalies stored in batches and acknowledged
}

// Stats returns the counters now.
func (a *Alerts) Stats() Stats {
	c := &a.stats
	return Stats{
		Received: c.received.Load(), Applied: c.applied.Load(), Duplicates: c.duplicates.Load(),
		Rejected: map[string]uint64{rejectTopic: c.rejectedTopic.Load(), rejectJSON: c.rejectedJSON.Load(),
			rejectMismatch: c.rejectedMismatch.Load(), rejectInvalid: c.rejectedInvalid.Load(),
			rejectStale: c.rejectedStale.Load()},
		StoreErrors:   c.storeErrors.Load(),
		WallAdditions: map[string]uint64{byAnomaly: c.wallByAnomaly.Load(), byHand: c.wallByHand.Load()},
		RelayErrors:   c.relayErrors.Load(),
		Pruned: store.Pruned{Anomalies: c.prunedAnomalies.Load(), Snapshots: c.prunedSnapshots.Load(),
			Audit: c.prunedAudit.Load(), Sessions: c.prunedSessions.Load(), Wall: c.prunedWall.Load(),
			Incidents: c.prunedIncidents.Load()},
		Dropped:   a.anomalies.Dropped() + a.batches.Dropped() + a.walls.Dropped(),
		QueuePeak: int(c.queuePeak.Load()), QueueFull: c.queueFull.Load(), Bursts: c.bursts.Load(),
		Ingested: c.ingested.Load(),
	}
}

var (
	descReceived    = prometheus.NewDesc("argus_gateway_anomalies_received_total", "Anomaly messages received from MQTT.", nil, nil)
	descApplied     = prometheus.NewDesc("argus_gateway_anomalies_applied_total", "Anomaly events the store applied.", nil, nil)
	descDuplicates  = prometheus.NewDesc("argus_gateway_anomalies_duplicates_total", "Anomaly events the store ignored: a QoS 1 redelivery (seq not above the last applied) or an event after its end.", nil, nil)
	descRejected    = prometheus.NewDesc("argus_gateway_anomalies_rejected_total", "Anomaly messages dropped as invalid, by reason.", []string{"reason"}, nil)
	descStoreErrors = prometheus.NewDesc("argus_gateway_anomalies_store_errors_total", "Anomalies the store failed to take after retries (left for the broker to deliver again).", nil, nil)
	descWall        = prometheus.NewDesc("argus_gateway_wall_additions_total", "Cameras put on the incident wall, by anomaly or by hand.", []string{"by"}, nil)
	descRelayErrors = prometheus.NewDesc("argus_gateway_wall_relay_errors_total", "Relays of wall cameras that failed to start.", nil, nil)
	descPruned      = prometheus.NewDesc("argus_gateway_store_pruned_total", "Records deleted by retention, by kind.", []string{"kind"}, nil)
	descDropped     = prometheus.NewDesc("argus_gateway_alerts_notifications_dropped_total", "Anomaly and wall notifications slow listeners missed.", nil, nil)
)

// Describe implements prometheus.Collector.
func (a *Alerts) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descReceived, descApplied, descDuplicates, descRejected, descStoreErrors,
		descWall, descRelayErrors, descPruned, descDropped} {
		ch <- d
	}
	a.describeIngest(ch)
}

// Collect implements prometheus.Collector: one Stats per scrape.
func (a *Alerts) Collect(ch chan<- prometheus.Metric) {
	s := a.Stats()
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	counter(descReceived, float64(s.Received))
	counter(descApplied, float64(s.Applied))
	counter(descDuplicates, float64(s.Duplicates))
	for reason, n := range s.Rejected {
		counter(descRejected, float64(n), reason)
	}
	counter(descStoreErrors, float64(s.StoreErrors))
	for by, n := range s.WallAdditions {
		counter(descWall, float64(n), by)
	}
	counter(descRelayErrors, float64(s.RelayErrors))
	for kind, n := range map[string]int64{"anomalies": s.Pruned.Anomalies, "snapshots": s.Pruned.Snapshots,
		"audit": s.Pruned.Audit, "sessions": s.Pruned.Sessions, "wall": s.Pruned.Wall, "incidents": s.Pruned.Incidents} {
		counter(descPruned, float64(n), kind)
	}
	counter(descDropped, float64(s.Dropped))
	a.collectIngest(ch)
}

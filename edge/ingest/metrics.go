package ingest

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/drivers/rtsp"
)

// Metrics exports the manager's per-camera counters to Prometheus. It reads
// the pulls' atomics at scrape time, so the per-packet path pays nothing for
// metrics and a removed camera's series vanish with it.
type Metrics struct{ m *Manager }

// NewMetrics returns a collector over m's cameras; register it once.
func NewMetrics(m *Manager) *Metrics { return &Metrics{m: m} }

var (
	feedLabels     = []string{"camera", "site", "stream"}
	consumerLabels = []string{"camera", "site", "stream", "consumer"}

	descPackets    = prometheus.NewDesc("argus_camera_packets_total", "RTP packets received.", feedLabels, nil)
	descBytes      = prometheus.NewDesc("argus_camera_bytes_total", "RTP payload bytes received.", feedLabels, nil)
	descFrames     = prometheus.NewDesc("argus_camera_frames_total", "Complete access units received.", feedLabels, nil)
	descKeyframes  = prometheus.NewDesc("argus_camera_keyframes_total", "Keyframes received.", feedLabels, nil)
	descLost       = prometheus.NewDesc("argus_camera_packets_lost_total", "RTP packets lost in transit.", feedLabels, nil)
	descDecodeErrs = prometheus.NewDesc("argus_camera_depacketize_errors_total", "RTP packets that could not be depacketized.", feedLabels, nil)
	descReconnects = prometheus.NewDesc("argus_camera_reconnects_total", "Pull attempts after the first.", feedLabels, nil)
	descOnline     = prometheus.NewDesc("argus_camera_online", "1 while the stream delivers frames.", feedLabels, nil)
	descFPS        = prometheus.NewDesc("argus_camera_fps", "Measured frame rate.", feedLabels, nil)
	descClock      = prometheus.NewDesc("argus_camera_clock_offset_seconds", "Camera clock (RTCP sender reports) minus the edge's.", feedLabels, nil)
	descDelivered  = prometheus.NewDesc("argus_consumer_delivered_total", "Units queued to a hub consumer.", consumerLabels, nil)
	descDropped    = prometheus.NewDesc("argus_consumer_dropped_total", "Units a hub consumer lost to a full queue.", consumerLabels, nil)

	descChunksNew    = prometheus.NewDesc("argus_read_chunks_allocated_total", "64 KiB read buffers of the RTSP/TCP pulls allocated.", nil, nil)
	descChunksReused = prometheus.NewDesc("argus_read_chunks_reused_total", "Read buffers reused once no unit held them.", nil, nil)
	descChunksFree   = prometheus.NewDesc("argus_read_chunks_free", "Read buffers waiting for reuse, resident or with their pages given back to the kernel.", []string{"state"}, nil)
)

// Describe implements prometheus.Collector.
func (x *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPackets, descBytes, descFrames, descKeyframes, descLost,
		descDecodeErrs, descReconnects, descOnline, descFPS, descClock, descDelivered, descDropped,
		descChunksNew, descChunksReused, descChunksFree} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (x *Metrics) Collect(ch chan<- prometheus.Metric) {
	rc := rtsp.ReadChunkStats()
	ch <- prometheus.MustNewConstMetric(descChunksNew, prometheus.CounterValue, float64(rc.Allocated))
	ch <- prometheus.MustNewConstMetric(descChunksReused, prometheus.CounterValue, float64(rc.Reused))
	ch <- prometheus.MustNewConstMetric(descChunksFree, prometheus.GaugeValue, float64(rc.Resident), "resident")
	ch <- prometheus.MustNewConstMetric(descChunksFree, prometheus.GaugeValue, float64(rc.Released), "released")
	for _, f := range x.m.feeds() {
		stream := "main"
		if f.stream.Camera() != f.id {
			stream = "sub"
		}
		site := f.setup.Load().cam.Site
		l := []string{f.id, site, stream}
		c := &f.counters
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l...)
		}
		counter(descPackets, c.Packets.Load())
		counter(descBytes, c.Bytes.Load())
		counter(descFrames, c.Frames.Load())
		counter(descKeyframes, c.Keyframes.Load())
		counter(descLost, c.Lost.Load())
		counter(descDecodeErrs, c.DecodeErrors.Load())
		counter(descReconnects, f.reconnects.Load())
		st := f.status()
		online := 0.0
		if st.State == StateOnline {
			online = 1
		}
		ch <- prometheus.MustNewConstMetric(descOnline, prometheus.GaugeValue, online, l...)
		ch <- prometheus.MustNewConstMetric(descFPS, prometheus.GaugeValue, st.FPS, l...)
		if off, ok := f.clock.Offset(); ok {
			ch <- prometheus.MustNewConstMetric(descClock, prometheus.GaugeValue, off.Seconds(), l...)
		}
		for _, r := range f.stream.Readers() {
			cl := []string{f.id, site, stream, r.Name()}
			ch <- prometheus.MustNewConstMetric(descDelivered, prometheus.CounterValue, float64(r.Delivered()), cl...)
			ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(r.Dropped()), cl...)
		}
	}
}

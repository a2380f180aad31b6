package broker

import (
	"github.com/prometheus/client_golang/prometheus"
)

// The node's figures an operator watches, read from its varz at scrape time.
var (
	descConnections   = prometheus.NewDesc("argus_broker_connections", "Clients connected to the embedded broker now (MQTT and NATS).", nil, nil)
	descTotalConns    = prometheus.NewDesc("argus_broker_connections_total", "Client connections accepted since start.", nil, nil)
	descMsgs          = prometheus.NewDesc("argus_broker_messages_total", "Messages the broker received (in) and sent (out).", []string{"direction"}, nil)
	descBytes         = prometheus.NewDesc("argus_broker_bytes_total", "Payload bytes the broker received (in) and sent (out).", []string{"direction"}, nil)
	descSlow          = prometheus.NewDesc("argus_broker_slow_consumers_total", "Clients disconnected for reading too slowly.", nil, nil)
	descSubscriptions = prometheus.NewDesc("argus_broker_subscriptions", "Subscriptions now.", nil, nil)
	descJSStore       = prometheus.NewDesc("argus_broker_jetstream_store_bytes", "Bytes JetStream holds on disk (retained statuses, sessions, queued messages).", nil, nil)
	descJSAPIErrors   = prometheus.NewDesc("argus_broker_jetstream_api_errors_total", "JetStream API requests answered with an error.", nil, nil)
)

// Describe sends the descriptors of the broker's metrics.
func (b *Broker) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConnections, descTotalConns, descMsgs, descBytes, descSlow, descSubscriptions, descJSStore, descJSAPIErrors} {
		ch <- d
	}
}

// Collect reads the node's varz; a stopped node reports nothing.
func (b *Broker) Collect(ch chan<- prometheus.Metric) {
	v, err := b.srv.Varz(nil)
	if err != nil {
		return
	}
	gauge, counter := prometheus.GaugeValue, prometheus.CounterValue
	ch <- prometheus.MustNewConstMetric(descConnections, gauge, float64(v.Connections))
	ch <- prometheus.MustNewConstMetric(descTotalConns, counter, float64(v.TotalConnections))
	ch <- prometheus.MustNewConstMetric(descMsgs, counter, float64(v.InMsgs), "in")
	ch <- prometheus.MustNewConstMetric(descMsgs, counter, float64(v.OutMsgs), "out")
	ch <- prometheus.MustNewConstMetric(descBytes, counter, float64(v.InBytes), "in")
	ch <- prometheus.MustNewConstMetric(descBytes, counter, float64(v.OutBytes), "out")
	ch <- prometheus.MustNewConstMetric(descSlow, counter, float64(v.SlowConsumers))
	ch <- prometheus.MustNewConstMetric(descSubscriptions, gauge, float64(v.Subscriptions))
	if st := v.JetStream.Stats; st != nil {
		ch <- prometheus.MustNewConstMetric(descJSStore, gauge, float64(st.Store))
		ch <- prometheus.MustNewConstMetric(descJSAPIErrors, counter, float64(st.API.Errors))
	}
}

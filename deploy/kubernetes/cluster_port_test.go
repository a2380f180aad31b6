package kubernetes

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	corev1 "k8s.io/api/core/v1"
)

// Real: nats-server (in this process) with the district's nats.conf as the
// pod reads it, its cluster port on loopback. Simulated: the certificates
// (a throwaway CA, as processNATSConfig makes them); JetStream, MQTT and
// the routes to the other pods are left out, which the cluster port's
// checks do not depend on. A stranger without a certificate of the
// district CA gets no route (the TLS handshake or its first read fails);
// a peer with one gets its CONNECT answered.
func TestClusterPortRefusesAStranger(t *testing.T) {
	var conf string
	for _, o := range render(t, "base") {
		if cm, ok := o.Value.(*corev1.ConfigMap); ok && cm.Data["nats.conf"] != "" {
			conf = cm.Data["nats.conf"]
		}
	}
	t.Setenv("POD_NAME", "argus-nats-0")
	opts, err := processNATSConfig(t, conf, podPaths)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Cluster.TLSConfig == nil || len(opts.Cluster.TLSConfig.Certificates) == 0 {
		t.Fatal("the cluster port has no TLS")
	}
	node := opts.Cluster.TLSConfig.Certificates[0]
	opts.Host, opts.Port = "127.0.0.1", server.RANDOM_PORT
	opts.Cluster.Host, opts.Cluster.Port = "127.0.0.1", server.RANDOM_PORT
	opts.Routes, opts.JetStream, opts.MQTT, opts.HTTPPort, opts.NoSigs = nil, false, server.MQTTOpts{}, 0, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	addr := s.ClusterAddr().String()
	got, err := route(addr, nil)
	t.Logf("stranger: %q %v", got, err)
	if err == nil && !strings.HasPrefix(got, "-ERR") {
		t.Fatalf("a stranger's route without a certificate: %q, want refused", got)
	}
	if got, err := route(addr, &node); err != nil || strings.HasPrefix(got, "-ERR") {
		t.Fatalf("a node's route with the district certificate: %q, %v", got, err)
	}
}

// route dials a cluster port as a route would (TLS first, with cert, if
// any, as the client certificate; then the server's INFO), sends CONNECT
// and PING and returns the first line answered.
func route(addr string, cert *tls.Certificate) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	cfg := &tls.Config{InsecureSkipVerify: true} // the stranger trusts anything; the server is what is tested
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	tc := tls.Client(conn, cfg)
	if err := tc.Handshake(); err != nil {
		return "", err
	}
	r := bufio.NewReader(tc)
	if info, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(info, "INFO ") {
		return info, fmt.Errorf("greeting: %v", err)
	}
	fmt.Fprintf(tc, "CONNECT {\"verbose\":false,\"pedantic\":false,\"tls_required\":true,\"name\":\"peer\",\"cluster\":\"argus\"}\r\nPING\r\n")
	return r.ReadString('\n')
}

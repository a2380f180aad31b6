package kubernetes

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// The NATS configs are loaded by nats-server's own config processor (the
// version the district runs), which refuses unknown keys and bad values and
// loads the TLS files. What is simulated: the certificates (made here, a
// throwaway CA) and the users (testdata/auth.conf, hashes of nothing); the
// file paths of the pod and of the host are moved into a temporary
// directory. No server is started.

// writePEM writes one PEM block.
func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// makeTLS writes ca.crt, tls.crt and tls.key into dir, as the Secret
// argus-nats-tls holds them.
func makeTLS(t *testing.T, dir string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "argus test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:    []string{"*.argus-nats", "argus-nats-mqtt"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, "ca.crt"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(dir, "tls.crt"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(dir, "tls.key"), "EC PRIVATE KEY", keyDER)
}

// processNATSConfig lays conf out in a temporary directory as the node
// sees it, paths moved by the replacer, and runs nats-server's processor.
func processNATSConfig(t *testing.T, conf string, paths *strings.Replacer) (*server.Options, error) {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"tls", "auth", "data", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	makeTLS(t, filepath.Join(dir, "tls"))
	auth, err := os.ReadFile("testdata/auth.conf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "auth", "auth.conf"), auth, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "nats.conf")
	conf = strings.ReplaceAll(paths.Replace(conf), "@DIR@", dir)
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return server.ProcessConfigFile(path)
}

// podPaths moves the pod's mounts (base/nats/statefulset.yaml).
var podPaths = strings.NewReplacer("/etc/nats/tls/", "@DIR@/tls/", "/data/", "@DIR@/data/", "/var/run/nats/", "@DIR@/run/")

// hostPaths moves the bare-metal host's (deploy/systemd).
var hostPaths = strings.NewReplacer("/etc/nats/tls/", "@DIR@/tls/", "/var/lib/argus-nats/", "@DIR@/data/")

func TestNATSServerAcceptsTheDistrictConfig(t *testing.T) {
	for _, dir := range overlays {
		t.Run(dir, func(t *testing.T) {
			objs := render(t, dir)
			var conf string
			for _, o := range objs {
				if cm, ok := o.Value.(*corev1.ConfigMap); ok && cm.Data["nats.conf"] != "" {
					conf = cm.Data["nats.conf"]
				}
			}
			if conf == "" {
				t.Fatal("no ConfigMap holds nats.conf")
			}
			t.Setenv("POD_NAME", "argus-nats-1")
			opts, err := processNATSConfig(t, conf, podPaths)
			if err != nil {
				t.Fatal(err)
			}
			checkNATSOptions(t, opts, "argus-nats-1")
			// JetStream must not promise more disk than the claim holds: it
			// would fail writes, not the scheduler, when the volume fills.
			nats := find[*appsv1.StatefulSet](t, objs, "StatefulSet", "argus-nats")
			claim := nats.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests.Storage()
			if opts.JetStreamMaxStore <= 0 || opts.JetStreamMaxStore > claim.Value()*9/10 {
				t.Errorf("jetstream max_file_store %d bytes: want set and at most 90%% of the claim (%s)", opts.JetStreamMaxStore, claim)
			}
		})
	}
}

func TestNATSServerAcceptsTheHostConfig(t *testing.T) {
	raw, err := os.ReadFile("../systemd/argus-nats.conf")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("NATS_SERVER_NAME", "nats-1.district.example")
	opts, err := processNATSConfig(t, string(raw), hostPaths)
	if err != nil {
		t.Fatal(err)
	}
	checkNATSOptions(t, opts, "nats-1.district.example")
}

// checkNATSOptions asserts the settings DESIGN.md's measurements call for.
func checkNATSOptions(t *testing.T, o *server.Options, name string) {
	t.Helper()
	if o.ServerName != name {
		t.Errorf("server_name = %q, want %q from the environment", o.ServerName, name)
	}
	if !o.JetStream || o.JetStreamRequestQueueLimit != 200000 {
		t.Errorf("jetstream %v, request_queue_limit %d: want on, 200000", o.JetStream, o.JetStreamRequestQueueLimit)
	}
	if o.MQTT.Port != 1883 || o.MQTT.StreamReplicas != 3 || o.MQTT.JSAPITimeout != 30*time.Second || o.MQTT.TLSConfig == nil {
		t.Errorf("mqtt port %d, stream_replicas %d, js_api_timeout %s, tls %v: want 1883, 3, 30s, on",
			o.MQTT.Port, o.MQTT.StreamReplicas, o.MQTT.JSAPITimeout, o.MQTT.TLSConfig != nil)
	}
	if len(o.Routes) != 3 || o.Cluster.TLSConfig == nil || o.TLSConfig == nil {
		t.Errorf("%d routes, cluster TLS %v, client TLS %v: want 3, on, on", len(o.Routes), o.Cluster.TLSConfig != nil, o.TLSConfig != nil)
	}
	if len(o.Users) == 0 || o.NoAuthUser != "" {
		t.Errorf("users %d, no_auth_user %q: want the included users and nobody anonymous", len(o.Users), o.NoAuthUser)
	}
}

func TestNATSServerRefusesAMisspeltKey(t *testing.T) {
	raw, err := os.ReadFile("base/nats/nats.conf")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("POD_NAME", "argus-nats-0")
	conf := strings.Replace(string(raw), "request_queue_limit", "request_queue_limt", 1)
	if _, err := processNATSConfig(t, conf, podPaths); err == nil || !strings.Contains(err.Error(), "request_queue_limt") {
		t.Fatalf("want an error naming request_queue_limt, got %v", err)
	}
}

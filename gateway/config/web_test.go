package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The web sections: TLS files, trusted proxies, the metrics token and the
// limits, with defaults; every mistake at its line and field, no secret echoed.
func TestParseWebSections(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "g.pem"), filepath.Join(dir, "g.key")
	os.WriteFile(cert, []byte("x"), 0o600)
	os.WriteFile(key, []byte("x"), 0o600)
	file := "tokens:\n  - {name: e, role: edge, sites: [\"*\"], edge: e, token_env: T}\n" +
		"tls: {cert_file: " + cert + ", key_file: " + key + "}\n" +
		"trusted_proxies: [10.0.0.0/8, 192.0.2.7, \"2001:db8::/32\"]\n" +
		"metrics: {token_env: M}\n" +
		"limits: {whep_per_user: 3, sse_per_user: 2, body_bytes: 4096}\n"
	c, err := ParseConfig("g.yaml", []byte(file), env(map[string]string{"T": "0123456789abcdef", "M": "metrics-0123456789"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.CertFile != cert || c.KeyFile != key || c.MetricsToken != "metrics-0123456789" {
		t.Errorf("tls %q %q metrics %q", c.CertFile, c.KeyFile, c.MetricsToken)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("2001:db8::/32")}
	if len(c.TrustedProxies) != 3 || c.TrustedProxies[0] != want[0] || c.TrustedProxies[1] != want[1] || c.TrustedProxies[2] != want[2] {
		t.Errorf("proxies %v", c.TrustedProxies)
	}
	l := c.Limits
	if l.WHEPPerUser != 3 || l.SSEPerUser != 2 || l.BodyBytes != 4096 || l.WHEPTotal != DefaultLimits.WHEPTotal || l.ImportBytes != DefaultLimits.ImportBytes {
		t.Errorf("limits %+v", l)
	}

	bad := "tokens:\n  - {name: e, role: edge, sites: [\"*\"], edge: e, token_env: T}\n" +
		"tls: {cert_file: " + cert + "}\n" +
		"trusted_proxies: [10.0.0.0/33, proxy.example]\n" +
		"metrics: {token_env: M}\n" +
		"limits: {whep_total: 0, body_bytes: 10}\n"
	_, err = ParseConfig("g.yaml", []byte(bad), env(map[string]string{"T": "0123456789abcdef", "M": "has spaces in it 0123"}))
	if err == nil {
		t.Fatal("bad web sections accepted")
	}
	for _, w := range []string{"g.yaml:3: tls: name both", "g.yaml:4: trusted_proxies[0]", "trusted_proxies[1]: \"proxy.example\"",
		"metrics.token_env: environment variable M holds characters a bearer token cannot carry", "limits.whep_total: 0", "limits.body_bytes: 10"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if strings.Contains(err.Error(), "has spaces") {
		t.Errorf("the error echoes the token: %v", err)
	}
}

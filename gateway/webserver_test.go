package main

import (
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key
// (peers.SelfSigned) and returns their paths and a client that trusts
// exactly that certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, client *http.Client) {
	t.Helper()
	certFile, keyFile, pool := peers.SelfSigned(t)
	return certFile, keyFile, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// loginCookie logs root in over client and returns the session cookie's Set-Cookie line.
func loginCookie(t *testing.T, client *http.Client, url string, header map[string]string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/api/login", strings.NewReader(`{"user":"root","password":"root password"}`))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	return resp.Header.Get("Set-Cookie")
}

// Real: the gateway's run with a certificate made in the test. It serves
// the console, the API and WHEP over HTTPS only (a plain-HTTP request to
// the port is refused), and the session cookie it sets there is Secure.
// Before the fix the gateway had no TLS flags (run failed on -tls-cert).
func TestGatewayServesHTTPS(t *testing.T) {
	cert, key, client := selfSigned(t)
	httpURL, _, log := startGatewayArgs(t, []string{"-tls-cert", cert, "-tls-key", key}, consoleUsers(t))
	httpsURL := strings.Replace(httpURL, "http://", "https://", 1)
	if !log.Await(`"https":true`, 5*time.Second) {
		t.Fatalf("no https in the log:\n%s", log)
	}
	resp, err := client.Get(httpsURL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("https /healthz: %d", resp.StatusCode)
	}
	if resp, err := http.Get(httpURL + "/healthz"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("plain HTTP to the HTTPS port: %d %s, want refused", resp.StatusCode, b)
		}
	}
	if sc := loginCookie(t, client, httpsURL, nil); !strings.Contains(sc, "Secure") || !strings.Contains(sc, "HttpOnly") {
		t.Fatalf("cookie over HTTPS: %q, want Secure and HttpOnly", sc)
	}
	// WHEP over HTTPS: the viewer token reaches the SFU (the camera is unknown here).
	req, _ := http.NewRequest(http.MethodPost, httpsURL+"/whep/nope", strings.NewReader("v=0\r\n"))
	req.Header.Set("Authorization", "Bearer "+viewerSecret)
	req.Header.Set("Content-Type", "application/sdp")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode >= 500 {
		t.Fatalf("WHEP over HTTPS: %d %s", resp.StatusCode, b)
	}
}

// A broken certificate fails the start and names the file.
func TestGatewayRefusesABadCertificate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	err := run(t.Context(), []string{"-http", "127.0.0.1:0", "-tls-cert", bad, "-tls-key", bad, "-nats", "127.0.0.1:0",
		"-mqtt", "127.0.0.1:0", "-bus-store", t.TempDir(), "-webrtc-udp", "127.0.0.1:0", "-config", writeConfig(t, consoleUsers(t))}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("run with a broken certificate: %v, want an error naming %s", err, bad)
	}
}

// Behind a TLS proxy: the cookie is Secure when a trusted proxy says the
// client spoke HTTPS, and not when anybody else says so (a client cannot
// forge its way to a cookie policy, nor into an address).
func TestSecureCookieBehindTrustedProxy(t *testing.T) {
	for _, c := range []struct {
		name, config string
		secure       bool
	}{
		{"proxy trusted", "trusted_proxies: [127.0.0.1/32]\n", true},
		{"proxy not trusted", "trusted_proxies: [10.0.0.0/8]\n", false},
		{"no proxies", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			httpURL, _, _ := startGateway(t, consoleUsers(t), c.config)
			sc := loginCookie(t, http.DefaultClient, httpURL, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"})
			if strings.Contains(sc, "Secure") != c.secure {
				t.Fatalf("Set-Cookie %q, want Secure %v", sc, c.secure)
			}
			if sc := loginCookie(t, http.DefaultClient, httpURL, nil); strings.Contains(sc, "Secure") {
				t.Fatalf("plain HTTP without a proxy: Set-Cookie %q is Secure (the browser would drop it)", sc)
			}
		})
	}
}

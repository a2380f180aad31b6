package peers

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// SDPRequest sends method to url as a WHIP/WHEP client does: a bearer
// token (none when empty) and an SDP body (none when empty). It returns the
// response with its body read and closed, and the body.
func SDPRequest(t testing.TB, method, url, token, sdp string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(sdp))
	if err != nil {
		t.Fatal(err)
	}
	if sdp != "" {
		req.Header.Set("Content-Type", "application/sdp")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

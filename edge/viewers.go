package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/bearer"
)

// viewers asks the gateway replica a relay goes to (its base URL) how
// many people watch the relayed camera there, so an unwatched relay stops
// on its own (relay.idle_timeout). An error means "unknown", which never
// stops a relay.
func viewers(r configs.Relay) func(gateway, camera string) (int, error) {
	if r.Gateway == "" {
		return nil
	}
	client := &http.Client{Timeout: 5 * time.Second}
	return func(gateway, camera string) (int, error) {
		base := strings.TrimRight(gateway, "/")
		req, err := http.NewRequest("GET", base+"/api/relays/"+url.PathEscape(camera), nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", bearer.Header(r.Token()))
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("gateway: %s", resp.Status)
		}
		var body struct {
			Viewers int `json:"viewers"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return 0, err
		}
		return body.Viewers, nil
	}
}

package sfu_test

import (
	"net/http"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/gateway/sfu"
)

// ExampleNew mounts the SFU on the gateway's HTTP mux: edges POST /whip/{camera},
// viewers POST /whep/{camera}, each with a bearer token.
func ExampleNew() {
	site := func(camera string) (string, bool) { return "riverside", camera == "riverside-walk" }
	s, err := sfu.New(sfu.Options{
		Auth: sfu.NewTokens(map[string]sfu.Grant{
			"edge-secret":   {Role: sfu.RoleEdge, Sites: []string{"riverside"}, Edge: "edge-demo"},
			"viewer-secret": {Role: sfu.RoleViewer, Sites: []string{"*"}, Name: "duty-officer"},
		}, site),
		Site:    site,
		UDPAddr: ":8189", // one UDP port for every session
		Log:     zerolog.Nop(),
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	mux := http.NewServeMux()
	mux.Handle("/whip/", s)
	mux.Handle("/whep/", s)
	_ = mux // served by the gateway's http.Server
}

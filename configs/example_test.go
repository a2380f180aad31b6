package configs_test

import (
	"fmt"

	"github.com/argus-edge/argus/configs"
)

func ExampleParse() {
	doc := []byte(`edge:
  id: edge-1
sites:
  - id: quay
cameras:
  - id: gate
    site: quay
    main: rtsp://192.168.1.64/Streaming/Channels/101
    password_env: GATE_PASSWORD
`)
	e, err := configs.Parse("edge.yaml", doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := e.Cameras[0]
	fmt.Println(c.ID, c.Transport, e.Ingest.ReadTimeout)
	// Output: gate tcp 10s
}

func ExampleParse_problems() {
	doc := []byte(`edge:
  id: edge-1
sites:
  - id: quay
cameras:
  - id: gate
    site: quay
    main: rtsp://admin:hunter2@192.168.1.64/Streaming/Channels/101
    transport: tpc
    pasword_env: GATE_PASSWORD
`)
	_, err := configs.Parse("edge.yaml", doc)
	fmt.Println(err)
	// Output:
	// edge.yaml:8: cameras[0].main: "rtsp://admin:xxxxx@192.168.1.64/Streaming/Channels/101" holds a password: never write it in the config; put it in an environment variable and name that variable in password_env
	// edge.yaml:9: cameras[0].transport: "tpc" is not one of tcp, udp, auto
	// edge.yaml:10: cameras[0].pasword_env: unknown field (did you mean password_env?)
}

func ExampleRedact() {
	fmt.Println(configs.Redact("rtsp://admin:hunter2@192.168.1.64:554/Streaming/Channels/101"))
	// Output: rtsp://admin:xxxxx@192.168.1.64:554/Streaming/Channels/101
}

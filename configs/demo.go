package configs

import _ "embed"

// DemoFile is the name Demo is parsed under, so its problems point at the
// file in the repository.
const DemoFile = "configs/demo.yaml"

// Demo is the demo config: one edge pulling the simulator's nine cameras on
// three sites. It is also the commented example users start from.
//
//go:embed demo.yaml
var Demo []byte

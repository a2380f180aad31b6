package strict_test

import (
	"fmt"

	"github.com/argus-edge/argus/configs/strict"
)

func ExampleDecode() {
	var cfg struct {
		Site    string          `yaml:"site"`
		Timeout strict.Duration `yaml:"timeout"`
		Cameras map[string]struct {
			Fps int `yaml:"fps"`
		} `yaml:"cameras"`
	}
	ps := strict.Decode("site.yaml", []byte("site: quay\ntimeout: 5\ncameras:\n  gate: {fsp: 10}\n"), &cfg)
	if cfg.Site != "quay" { // validators add their own problems by path
		ps.Add("site", "unknown site")
	}
	fmt.Println(ps.Err())
	// Output:
	// site.yaml:2: timeout: "5" is not a duration: write a number with a unit, like 500ms, 5s or 1m
	// site.yaml:4: cameras.gate.fsp: unknown field (did you mean fps?)
}

package configs

import "github.com/argus-edge/argus/configs/strict"

// Duration is a time.Duration written as "500ms", "5s" or "1m" in YAML. It
// is strict.Duration, which the strict decoder reads with line numbers.
type Duration = strict.Duration

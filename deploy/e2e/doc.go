// Package e2e runs Argus end to end, as deployed: the real gateway and edge
// binaries, built by TestMain, pulling simulated cameras (drivers/sim, in
// the test process) and relaying them over WHIP to the gateway, watched over
// WHEP by a real headless Chromium, and driven through the gateway's
// embedded console (console_test.go: a commander's fire alert, wall tile
// and live view; an operator's rule edit, shadow and promotion), and
// deploy/demo.sh as `make run` starts it (demo_test.go). Only the
// cameras are simulated; the MQTT broker is the gateway's embedded one. The
// tests and their helpers are _test files; run with go test ./deploy/e2e
// (minutes, needs ffmpeg and chromium).
package e2e

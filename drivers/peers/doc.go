// Package peers starts the real and the misbehaving peers that Argus
// tests pull from: GStreamer's RTSP server (a third-party implementation),
// a port that answers garbage, a server with a malformed SDP and one that
// never answers, mosquitto, headless Chromium, and mavp2p (a MAVLink
// router). It also holds Await, the one poll-with-a-deadline the tests
// share. It is test support: only _test files import it.
package peers

// Package sim serves simulated RTSP cameras for the Argus demo, tests and
// benchmarks. Scenes (an empty street, walking people, fire, smoke, a lens
// that goes black, a busy 1080p test picture, a pedestrian who stops) are
// encoded once with
// Debian's ffmpeg into a cache, packetized once into RTP, and looped by
// any number of cameras that only rewrite RTP headers, so hundreds of
// cameras cost little. Cameras can misbehave on purpose (flap, stall,
// corrupt NAL units, in-band-only parameter sets, credentials) and every
// scene carries its ground truth for judging detectors. A fleet file may
// also declare simulated MAVLink drones (package drone), whose camera
// feeds it serves like the cameras'.
//
// It imports nothing of edge or gateway: it speaks gortsplib, mediacommon
// and pion/rtp, and drivers/mavlink for the drones' links.
package sim

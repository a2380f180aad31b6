#!/usr/bin/env bash
# The one-command demo (make run): the simulated camera fleet on RTSP :8554
# and the edge pulling it, with its camera state on http://localhost:9100.
# Ctrl-C stops both cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-./bin}
pids=()
stop() {
	trap - INT TERM EXIT
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait
}
trap stop INT TERM EXIT
"$BIN/argus-sim" -listen :8554 -fleet configs/sim-demo.yaml &
pids+=($!)
"$BIN/edge" -config configs/demo.yaml &
pids+=($!)
echo "Argus demo: cameras on rtsp://localhost:8554/<camera>, edge state on http://localhost:9100 — Ctrl-C stops." >&2
wait -n

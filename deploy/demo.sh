#!/usr/bin/env bash
# The one-command demo (make run): the gateway with its embedded MQTT broker
# on :1883, the simulated camera fleet on RTSP :8554 (RTP/UDP :8000-8001)
# and the edge pulling and analysing it, with its camera state on
# http://localhost:9100 and anomalies on argus/v1/anomalies/#. Ctrl-C stops
# everything cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-./bin}
fmt=json
[ -t 2 ] && fmt=console
pids=()
stop() {
	trap - INT TERM EXIT
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait
}
trap stop INT TERM EXIT

# Demo tokens for WHIP (the edge) and WHEP (viewers), unless already set;
# configs/gateway-demo.yaml names these variables. Not for a real deployment.
export ARGUS_DEMO_EDGE_TOKEN=${ARGUS_DEMO_EDGE_TOKEN:-demo-edge-token-change-me}
export ARGUS_DEMO_VIEWER_TOKEN=${ARGUS_DEMO_VIEWER_TOKEN:-demo-viewer-token-change-me}
export ARGUS_DEMO_RIVERSIDE_TOKEN=${ARGUS_DEMO_RIVERSIDE_TOKEN:-demo-riverside-token-change-me}

"$BIN/gateway" -mqtt :1883 -http :8080 -config configs/gateway-demo.yaml -rules configs/rules -log-format "$fmt" &
pids+=($!)
# The demo users of configs/gateway-demo.yaml. DEMO ONLY: these passwords
# are published here and in the file's hashes; replace the users before
# anyone else can reach the gateway.
cat >&2 <<'LOGINS'
argus demo: console on http://localhost:8080 - demo logins (demo-only passwords, printed on purpose):
  chief         / demo-commander  commander, every site
  riverside-op  / demo-operator   operator, site riverside only
  pilot         / demo-pilot      pilot, every site (view)
  admin         / demo-admin      admin, every site: users and the audit log
LOGINS

# The simulator encodes its scenes once (about a minute on first run, then
# cached); the edge starts when every camera serves, so the first screen of
# log is not a wall of "503 preparing" retries. The edge would cope either way.
ready=$(mktemp)
"$BIN/argus-sim" -listen :8554 -udp :8000 -fleet configs/sim-demo.yaml -log-format "$fmt" 2> >(tee "$ready" >&2) &
pids+=($!)
echo "argus demo: preparing the simulated cameras (the first run encodes scenes with ffmpeg)..." >&2
until grep -qE '"message":"ready"|INF ready' "$ready"; do
	kill -0 "${pids[0]}" 2>/dev/null || { echo "argus demo: the simulator exited" >&2; exit 1; }
	sleep 1
done
rm -f "$ready"

"$BIN/edge" -config configs/demo.yaml -log-format "$fmt" &
pids+=($!)
echo "argus demo: 9 cameras on rtsp://localhost:8554/<camera>; edge state on http://localhost:9100;" \
	"anomalies: mosquitto_sub -h 127.0.0.1 -t 'argus/v1/#' -v (Ctrl-C stops)" >&2
wait -n

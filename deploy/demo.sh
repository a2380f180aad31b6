#!/usr/bin/env bash
# The one-command demo (make run): the gateway with its embedded broker
# (NATS: MQTT on :1883, nats.go on 127.0.0.1:4222, logins required), the
# simulated camera fleet on RTSP :8554 (RTP/UDP :8000-8001), two
# simulated drones (MAVLink over UDP to the edge on 127.0.0.1:14550, flown by
# the gateway's patrols over the site airspaces of configs/sites) and the
# edge pulling and analysing it all, with its camera state on
# http://localhost:9100/?token=… (the token is printed) and anomalies on argus/v1/anomalies/#. Ctrl-C stops
# everything cleanly: the script exits 0 once every process has exited 0.
#
# Ports and the state folder may be moved with environment variables (the
# e2e test runs the demo beside other tests this way):
#   ARGUS_DEMO_RTSP (8554)  ARGUS_DEMO_RTP (8000, RTCP on the next port)
#   ARGUS_DEMO_MQTT (1883)  ARGUS_DEMO_NATS (4222, on 127.0.0.1)  ARGUS_DEMO_HTTP (8080, console)
#   ARGUS_DEMO_WEBRTC_UDP (8189)  ARGUS_DEMO_EDGE_HTTP (9100)
#   ARGUS_DEMO_MAVLINK (14550: the edge's MAVLink link on 127.0.0.1, UDP)
#   ARGUS_DEMO_VAR (var: the gateway's store and bus, the edge's anomaly queue)
# With any of them set otherwise, the edge and gateway run on copies of
# their demo configs with those values, written to a temporary folder (the
# log says where; live config changes go there).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-./bin}
rtsp=${ARGUS_DEMO_RTSP:-8554}
rtp=${ARGUS_DEMO_RTP:-8000}
mqtt=${ARGUS_DEMO_MQTT:-1883}
nats=${ARGUS_DEMO_NATS:-4222}
http=${ARGUS_DEMO_HTTP:-8080}
webrtc=${ARGUS_DEMO_WEBRTC_UDP:-8189}
edgehttp=${ARGUS_DEMO_EDGE_HTTP:-9100}
mavlink=${ARGUS_DEMO_MAVLINK:-14550}
state=${ARGUS_DEMO_VAR:-var}
fmt=json
[ -t 2 ] && fmt=console
pids=()
tmp=$(mktemp -d)

# stop ends every process gracefully (Ctrl-C has already reached them all,
# as the terminal signals the whole process group) and waits for each.
# Status: rc, or the first non-zero status of a process. A process that
# `wait -n` already reaped is unknown to `wait` (127).
stop() {
	local rc=$1 p s
	trap - INT TERM EXIT
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}" ${tee_pid:+"$tee_pid"}; do
		s=0
		wait "$p" 2>/dev/null || s=$?
		if [ "$s" -ne 0 ] && [ "$s" -ne 127 ] && [ "$rc" -eq 0 ]; then rc=$s; fi
	done
	rm -rf "$tmp"
	exit "$rc"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

# Configs: the demo's own, or copies with the ports and folder moved.
edgecfg=configs/demo.yaml
gatewaycfg=configs/gateway-demo.yaml
simcfg=configs/sim-demo.yaml
if [ "$rtsp:$mqtt:$http:$edgehttp:$mavlink:$state" != "8554:1883:8080:9100:14550:var" ]; then
	edgecfg=$tmp/demo.yaml
	gatewaycfg=$tmp/gateway-demo.yaml
	simcfg=$tmp/sim-demo.yaml
	sed -e "s|rtsp://127.0.0.1:8554/|rtsp://127.0.0.1:$rtsp/|" \
		-e "s|^\(    link:\) udps://127.0.0.1:14550$|\1 udps://127.0.0.1:$mavlink|" \
		-e "s|^\(  http:\) \":9100\"|\1 \":$edgehttp\"|" \
		-e "s|^\(  broker:\) tcp://127.0.0.1:1883|\1 tcp://127.0.0.1:$mqtt|" \
		-e "s|^\(  gateway:\) http://127.0.0.1:8080|\1 http://127.0.0.1:$http|" \
		-e "s|^\(  queue_dir:\) var/|\1 $state/|" configs/demo.yaml >"$edgecfg"
	sed -e "s|^\(  path:\) var/|\1 $state/|" configs/gateway-demo.yaml >"$gatewaycfg"
	sed -e "s|^\(    link:\) udpc://127.0.0.1:14550$|\1 udpc://127.0.0.1:$mavlink|" configs/sim-demo.yaml >"$simcfg"
	echo "argus demo: configs with the ports and folder moved: $edgecfg, $gatewaycfg, $simcfg" >&2
fi

# Demo tokens for WHIP (the edge) and WHEP (viewers), unless already set;
# configs/gateway-demo.yaml names these variables. Not for a real deployment.
export ARGUS_DEMO_EDGE_TOKEN=${ARGUS_DEMO_EDGE_TOKEN:-demo-edge-token-change-me}
export ARGUS_DEMO_VIEWER_TOKEN=${ARGUS_DEMO_VIEWER_TOKEN:-demo-viewer-token-change-me}
export ARGUS_DEMO_RIVERSIDE_TOKEN=${ARGUS_DEMO_RIVERSIDE_TOKEN:-demo-riverside-token-change-me}
# The edge's :9100 token (configs/demo.yaml's edge.http_token_env: every
# path but /healthz needs it, loopback callers too) and the gateway's
# /metrics scrape token (configs/gateway-demo.yaml's metrics.token_env).
export ARGUS_EDGE_TOKEN=${ARGUS_EDGE_TOKEN:-demo-edge-http-token-change-me}
export ARGUS_DEMO_METRICS_TOKEN=${ARGUS_DEMO_METRICS_TOKEN:-demo-metrics-token-change-me}
# Demo bus passwords (the edge's MQTT login and a gateway-role login for
# watching), unless already set; the configs name these variables.
export ARGUS_DEMO_EDGE_BUS_PASSWORD=${ARGUS_DEMO_EDGE_BUS_PASSWORD:-demo-edge-bus-change-me}
export ARGUS_DEMO_BUS_PASSWORD=${ARGUS_DEMO_BUS_PASSWORD:-demo-watcher-bus-change-me}
# Demo MAVLink signing key (64 hex digits: "argus-demo-mavlink-key-change-me") shared by the edge and argus-sim's
# drones, unless already set; configs/demo.yaml and sim-demo.yaml name it.
export ARGUS_DEMO_MAVLINK_KEY=${ARGUS_DEMO_MAVLINK_KEY:-61726775732d64656d6f2d6d61766c696e6b2d6b65792d6368616e67652d6d65}

"$BIN/gateway" -mqtt ":$mqtt" -nats "127.0.0.1:$nats" -bus-store "$state/nats" -http ":$http" -webrtc-udp ":$webrtc" \
	-config "$gatewaycfg" -rules configs/rules -airspace configs/sites -log-format "$fmt" &
pids+=($!)
# The demo users of configs/gateway-demo.yaml. DEMO ONLY: these passwords
# are published here and in the file's hashes; replace the users before
# anyone else can reach the gateway.
cat >&2 <<LOGINS
argus demo: console on http://localhost:$http - demo logins (demo-only passwords, printed on purpose):
  chief         / demo-commander  commander, every site
  riverside-op  / demo-operator   operator, site riverside only
  pilot         / demo-pilot      pilot, every site (view)
  admin         / demo-admin      admin, every site: users and the audit log
argus demo: bus logins on mqtt://localhost:$mqtt and nats://127.0.0.1:$nats (demo-only passwords, printed on purpose):
  bus user edge-demo : $ARGUS_DEMO_EDGE_BUS_PASSWORD   the demo edge: its own topics only
  bus user watcher   : $ARGUS_DEMO_BUS_PASSWORD   role gateway: all of argus/v1
argus demo: tokens (demo-only, printed on purpose):
  edge state page    http://localhost:$edgehttp/?token=$ARGUS_EDGE_TOKEN   (then a cookie; curl -H "Authorization: Bearer $ARGUS_EDGE_TOKEN")
  gateway /metrics   curl -H "Authorization: Bearer $ARGUS_DEMO_METRICS_TOKEN" http://localhost:$http/metrics
LOGINS

# The simulator encodes its scenes once (about a minute on first run, then
# cached); the edge starts when every camera serves, so the first screen of
# log is not a wall of "503 preparing" retries. The edge would cope either way.
# Its log goes through tee, which ignores Ctrl-C so that it passes on the
# simulator's last lines, and is waited for like the others.
ready=$tmp/sim.log
exec {simlog}> >(trap '' INT TERM; exec tee "$ready" >&2)
tee_pid=$!
"$BIN/argus-sim" -listen ":$rtsp" -udp ":$rtp" -fleet "$simcfg" -log-format "$fmt" 2>&"$simlog" &
pids+=($!)
exec {simlog}>&-
echo "argus demo: preparing the simulated cameras (the first run encodes scenes with ffmpeg)..." >&2
until grep -qE '"message":"ready"|INF ready' "$ready"; do
	kill -0 "${pids[1]}" 2>/dev/null || { echo "argus demo: the simulator exited" >&2; exit 1; }
	sleep 1
done

"$BIN/edge" -config "$edgecfg" -log-format "$fmt" &
pids+=($!)
echo "argus demo: 9 cameras on rtsp://localhost:$rtsp/<camera>; drones drone-hillside and drone-riverside" \
	"(simulated, MAVLink on udp 127.0.0.1:$mavlink; the console's Drones view); edge state on http://localhost:$edgehttp/?token=$ARGUS_EDGE_TOKEN;" \
	"anomalies: mosquitto_sub -h 127.0.0.1 -p $mqtt -u watcher -P $ARGUS_DEMO_BUS_PASSWORD -t 'argus/v1/#' -v (Ctrl-C stops)" >&2
# The processes run until stopped: one that ends on its own is a failure.
s=0
wait -n || s=$?
echo "argus demo: a process ended on its own (status $s); stopping the others" >&2
exit 1

#!/usr/bin/env bash
# A district on one machine (make district): a 3-node NATS cluster on
# loopback (JetStream replicas 3, MQTT on every node, logins required), the
# gateway joining it (-backbone: no embedded node), 4 edges in fleet mode
# (no camera list: the gateway's assigner gives them cameras), and the
# simulator serving 400 light cameras (320x180 at 5 fps, the "empty"
# street scene), registered in the gateway's inventory by a CSV import as
# the admin. Kill an edge (its pid and the command are printed) and its
# cameras move to the others: the console's Edges view shows it. Ctrl-C
# stops everything; the script exits 0 once every process has exited 0.
#
# Light on purpose, to fit 2 cores: small pictures at a low rate, and no
# site has a rule set, so the edges pull and watch the cameras' health but
# run no detector (publish a site's rules in the console to turn detection
# on). A real district's edges pull 1080p streams with detection: see the
# README, "District deployment", for their sizing.
#
# Ports and the state folder may be moved with environment variables (the
# e2e test does):
#   ARGUS_DISTRICT_NATS (4222: nodes on it and the next two, 127.0.0.1)
#   ARGUS_DISTRICT_ROUTES (6222, and the next two)  ARGUS_DISTRICT_MQTT (1883, and the next two)
#   ARGUS_DISTRICT_HTTP (8080, console)  ARGUS_DISTRICT_WEBRTC_UDP (8189)
#   ARGUS_DISTRICT_RTSP (8554)  ARGUS_DISTRICT_RTP (8000, RTCP on the next port)
#   ARGUS_DISTRICT_EDGE_HTTP (9101, and the next three)
#   ARGUS_DISTRICT_VAR (var/district: JetStream, the store, the edges' queues)
#   ARGUS_DISTRICT_CAMERAS (400)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-./bin}
nats=${ARGUS_DISTRICT_NATS:-4222}
routes=${ARGUS_DISTRICT_ROUTES:-6222}
mqtt=${ARGUS_DISTRICT_MQTT:-1883}
http=${ARGUS_DISTRICT_HTTP:-8080}
webrtc=${ARGUS_DISTRICT_WEBRTC_UDP:-8189}
rtsp=${ARGUS_DISTRICT_RTSP:-8554}
rtp=${ARGUS_DISTRICT_RTP:-8000}
edgehttp=${ARGUS_DISTRICT_EDGE_HTTP:-9101}
state=${ARGUS_DISTRICT_VAR:-var/district}
cameras=${ARGUS_DISTRICT_CAMERAS:-400}
fmt=json
[ -t 2 ] && fmt=console
pids=()
tmp=$(mktemp -d)
mkdir -p "$state"
state=$(cd "$state" && pwd)

# stop ends every process gracefully and waits for each (as demo.sh).
stop() {
	local rc=$1 p s
	trap - INT TERM EXIT
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		s=0
		wait "$p" 2>/dev/null || s=$?
		# An edge the user killed (-9) on purpose is not a failure.
		if [ "$s" -ne 0 ] && [ "$s" -ne 127 ] && [ "$s" -ne 137 ] && [ "$rc" -eq 0 ]; then rc=$s; fi
	done
	rm -rf "$tmp"
	exit "$rc"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

say() { echo "argus district: $*" >&2; }

# await_port waits until something listens on 127.0.0.1:$1 ($2 names it).
await_port() {
	local i
	for i in $(seq 1 300); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	say "$2 not listening on 127.0.0.1:$1 after 30 s"
	exit 1
}

# Demo-only bus passwords (printed below on purpose), unless already set.
export ARGUS_DISTRICT_GATEWAY_BUS_PASSWORD=${ARGUS_DISTRICT_GATEWAY_BUS_PASSWORD:-district-gateway-bus-change-me}
export ARGUS_DISTRICT_EDGE_BUS_PASSWORD=${ARGUS_DISTRICT_EDGE_BUS_PASSWORD:-district-edge-bus-change-me}
export ARGUS_DEMO_EDGE_TOKEN=${ARGUS_DEMO_EDGE_TOKEN:-demo-edge-token-change-me}
export ARGUS_DEMO_VIEWER_TOKEN=${ARGUS_DEMO_VIEWER_TOKEN:-demo-viewer-token-change-me}
export ARGUS_DEMO_RIVERSIDE_TOKEN=${ARGUS_DEMO_RIVERSIDE_TOKEN:-demo-riverside-token-change-me}
# The NATS nodes' route password (the cluster port takes no other peer).
export ARGUS_DISTRICT_ROUTE_PASSWORD=${ARGUS_DISTRICT_ROUTE_PASSWORD:-district-route-change-me}
# The edges' :9100 token (every path but /healthz needs it) and the gateway's /metrics token.
export ARGUS_DISTRICT_EDGE_HTTP_TOKEN=${ARGUS_DISTRICT_EDGE_HTTP_TOKEN:-district-edge-http-token-change-me}
export ARGUS_DEMO_METRICS_TOKEN=${ARGUS_DEMO_METRICS_TOKEN:-demo-metrics-token-change-me}

# The gateway's config: the demo's users and tokens, the store in the
# state folder, and the bus users of the cluster (the gateway's own login
# and one per edge), from which `gateway nats-auth` writes the cluster's
# authorization block.
gatewaycfg=$tmp/gateway.yaml
sed -e "s|^\(  path:\) var/gateway.db|\1 $state/gateway.db|" -e '/^bus:/,$d' configs/gateway-demo.yaml >"$gatewaycfg"
{
	echo "bus:"
	echo "  users:"
	echo "    - {name: gateway, role: gateway, password_env: ARGUS_DISTRICT_GATEWAY_BUS_PASSWORD}"
	for i in 1 2 3 4; do
		echo "    - {name: edge-$i, role: edge, edge: edge-$i, sites: [\"*\"], password_env: ARGUS_DISTRICT_EDGE_BUS_PASSWORD}"
	done
	echo "edge_http: {token_env: ARGUS_DISTRICT_EDGE_HTTP_TOKEN}"
} >>"$gatewaycfg"
"$BIN/gateway" nats-auth -config "$gatewaycfg" >"$tmp/auth.conf"

# Three NATS nodes: JetStream on disk, MQTT on each, one cluster; the
# settings DESIGN.md measured for a district (request_queue_limit, and
# stream replicas 3 for MQTT's sessions and retained messages).
urls=() mqtturls=() routelist=()
for i in 0 1 2; do
	urls+=("nats://127.0.0.1:$((nats + i))")
	mqtturls+=("tcp://127.0.0.1:$((mqtt + i))")
	routelist+=("\"nats-route://argus-route:$ARGUS_DISTRICT_ROUTE_PASSWORD@127.0.0.1:$((routes + i))\"")
done
for i in 0 1 2; do
	cat >"$tmp/n$i.conf" <<CONF
server_name: district-n$i
listen: 127.0.0.1:$((nats + i))
jetstream {
  store_dir: "$state/nats/n$i"
  request_queue_limit: 200000
}
cluster {
  name: argus-district
  listen: 127.0.0.1:$((routes + i))
  # Routes carry every message and bypass the users' permissions: on a
  # shared host, only a node with the route password may join.
  authorization {
    user: argus-route
    password: "$ARGUS_DISTRICT_ROUTE_PASSWORD"
  }
  routes: [$(IFS=,; echo "${routelist[*]}")]
}
mqtt {
  listen: 127.0.0.1:$((mqtt + i))
  stream_replicas: 3
}
include "auth.conf"
CONF
	"$BIN/nats-server" -c "$tmp/n$i.conf" 2>"$state/nats-n$i.log" &
	pids+=($!)
done
for i in 0 1 2; do await_port $((nats + i)) "NATS node n$i"; done
say "NATS cluster: ${urls[*]} (MQTT ${mqtturls[*]}); logs in $state/nats-n*.log"

"$BIN/gateway" -backbone "$(IFS=,; echo "${urls[*]}")" -mqtt-broker "$(IFS=,; echo "${mqtturls[*]}")" \
	-backbone-user gateway -backbone-password-env ARGUS_DISTRICT_GATEWAY_BUS_PASSWORD -id district-gateway \
	-http ":$http" -webrtc-udp ":$webrtc" -config "$gatewaycfg" -log-format "$fmt" &
pids+=($!)

# The light cameras: 320x180 at 5 fps of an empty street.
ready=$state/sim.log
"$BIN/argus-sim" -listen ":$rtsp" -udp ":$rtp" -fleet "" -clone "$cameras" -clone-scene empty \
	-clone-size 320x180 -clone-fps 5 -log-format json 2>"$ready" &
pids+=($!)
say "preparing $cameras simulated cameras (the first run encodes the scene with ffmpeg; log in $ready)..."
until grep -q '"message":"ready"' "$ready"; do
	kill -0 "${pids[4]}" 2>/dev/null || { say "the simulator exited"; exit 1; }
	sleep 1
done
await_port "$http" "the gateway's HTTP"

# Register the cameras as the admin: one CSV import, 4 sites of a quarter each.
csv=$tmp/cameras.csv
echo "id,site,name,main,transport" >"$csv"
sites=(north south east west)
for i in $(seq 0 $((cameras - 1))); do
	site=${sites[$((i * 4 / cameras))]}
	printf 'cam-%03d,%s,%s camera %d,rtsp://127.0.0.1:%d/empty/%d,tcp\n' "$i" "$site" "$site" "$i" "$rtsp" "$i" >>"$csv"
done
token=$(curl -fsS -H 'Content-Type: application/json' -d '{"user":"admin","password":"demo-admin"}' \
	"http://127.0.0.1:$http/api/login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { say "could not log in as admin"; exit 1; }
curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' --data-binary "@$csv" \
	"http://127.0.0.1:$http/api/cameras/import" >/dev/null
say "$cameras cameras registered (sites ${sites[*]})"

# Four edges in fleet mode, each on its own NATS node for MQTT and every
# node for the fleet; capacity 150 each, so three carry the 400 when one dies.
edgepids=()
for i in 1 2 3 4; do
	node=$(((i - 1) % 3))
	mkdir -p "$state/edge-$i"
	cat >"$tmp/edge-$i.yaml" <<CONF
edge:
  id: edge-$i
  http: "127.0.0.1:$((edgehttp + i - 1))"
  http_token_env: ARGUS_DISTRICT_EDGE_HTTP_TOKEN
mqtt:
  broker: tcp://127.0.0.1:$((mqtt + node))
  username: edge-$i
  password_env: ARGUS_DISTRICT_EDGE_BUS_PASSWORD
  queue_dir: $state/edge-$i/queue
fleet:
  nats: [${urls[0]}, ${urls[1]}, ${urls[2]}]
  capacity: 150
  sites: ["*"]
detect:
  rules_dir: $tmp/no-rules
CONF
	mkdir -p "$tmp/no-rules"
	"$BIN/edge" -config "$tmp/edge-$i.yaml" -log-format "$fmt" 2>"$state/edge-$i.log" &
	pids+=($!)
	edgepids+=($!)
done

cat >&2 <<LOGINS
argus district: console on http://localhost:$http (Edges view: http://localhost:$http/#/edges) - demo logins (demo-only passwords, printed on purpose):
  admin         / demo-admin      admin, every site: users, the audit log, drain an edge
  chief         / demo-commander  commander, every site
  pilot         / demo-pilot      pilot, every site (view)
argus district: bus logins on ${mqtturls[*]} and ${urls[*]} (demo-only passwords, printed on purpose):
  bus user gateway         : $ARGUS_DISTRICT_GATEWAY_BUS_PASSWORD   role gateway: all of argus/v1 and the fleet's buckets
  bus users edge-1..edge-4 : $ARGUS_DISTRICT_EDGE_BUS_PASSWORD   each its own topics and keys
argus district: edges (logs in $state/edge-N.log; state pages need ?token=$ARGUS_DISTRICT_EDGE_HTTP_TOKEN once):
  edge-1 pid ${edgepids[0]}  http://127.0.0.1:$edgehttp
  edge-2 pid ${edgepids[1]}  http://127.0.0.1:$((edgehttp + 1))
  edge-3 pid ${edgepids[2]}  http://127.0.0.1:$((edgehttp + 2))
  edge-4 pid ${edgepids[3]}  http://127.0.0.1:$((edgehttp + 3))
argus district: kill an edge to see its cameras move (Edges view):  kill -9 ${edgepids[1]}   (edge-2)
argus district: drain one instead (admin):  curl -X POST -H 'Authorization: Bearer <token>' http://127.0.0.1:$http/api/edges/edge-3/drain
argus district: Ctrl-C stops everything.
LOGINS

# The processes run until stopped; an edge killed on purpose may end, the
# cluster, the gateway and the simulator may not.
core=("${pids[@]:0:5}")
while :; do
	for p in "${core[@]}"; do
		if ! kill -0 "$p" 2>/dev/null; then
			s=0
			wait "$p" || s=$?
			say "a process ended on its own (pid $p, status $s); stopping the others"
			exit 1
		fi
	done
	sleep 1
done

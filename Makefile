# Argus — drone and video-stream edge gateway.
# `make run` sets everything up on a fresh Debian machine and starts the demo;
# `make test` runs the whole suite. Both install what they need (`make deps`).

GO       ?= go
SUDO     := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
CACHE    := $(CURDIR)/.cache
BIN      := $(CURDIR)/bin
export ARGUS_CACHE ?= $(CACHE)/scenes
export ARGUS_VTEST ?= $(CACHE)/vtest.avi
export ARGUS_NODE_DIR ?= $(CACHE)/node

# Debian packages, installed by name. ffmpeg: scene encoding and ffprobe in
# tests; mosquitto: the real broker of the tests; GStreamer's RTSP server:
# a third-party RTSP peer; libav*: decoding (cgo); OpenCV 4.6 (gocv) and
# its Haar cascades: the detectors; chromium: the real browser of the
# WebRTC tests; postgresql: the gateway store's second backend, a
# throwaway cluster per test (peers.Postgres); systemd: systemd-analyze
# verifies the bare-metal units (deploy/systemd); nodejs: node-mavlink, the
# independent MAVLink codec the drone driver's frames are checked with (npm
# comes with deps-npm: NodeSource's nodejs ships its own and conflicts
# with Debian's).
APT_PACKAGES := ffmpeg mosquitto mosquitto-clients pkg-config gcc g++ \
	libavcodec-dev libavutil-dev libswscale-dev libopencv-dev opencv-data \
	python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base \
	gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly chromium postgresql \
	systemd nodejs curl

.PHONY: deps deps-go-version deps-apt deps-go deps-npm vtest build mediamtx run district test bench demo-check eval fuzz clean

deps: deps-go-version deps-apt deps-go deps-npm vtest

# Go comes from /usr/local/go (Debian's golang package is too old): without
# a Go at least as new as go.mod's go line, stop at once and say so.
GO_NEED := $(shell sed -n 's/^go //p' go.mod)
deps-go-version:
	@have=$$(GOTOOLCHAIN=local $(GO) version 2>/dev/null | awk '{print $$3}' | sed 's/^go//'); \
	if [ -z "$$have" ] || [ "$$(printf '%s\n%s\n' "$(GO_NEED)" "$$have" | sort -V | head -n1)" != "$(GO_NEED)" ]; then \
		echo "argus needs Go >= $(GO_NEED) (the go line of go.mod) at /usr/local/go, with /usr/local/go/bin" \
			"on the PATH (Debian's golang package is too old); found: $${have:-no '$(GO)' command}" >&2; \
		exit 1; \
	fi

deps-apt: deps-go-version
	@dpkg -s $(APT_PACKAGES) >/dev/null 2>&1 || { \
		echo "installing Debian packages: $(APT_PACKAGES)"; \
		$(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(APT_PACKAGES); }

deps-go: deps-go-version
	$(GO) mod download
	cd deploy/kubernetes && $(GO) mod download

# node-mavlink 2.3.0 (npm) in a directory of its own: drivers/mavlink's
# tests decode the driver's frames with it (ARGUS_NODE_DIR tells them where).
deps-npm: deps-apt
	@command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends npm
	@grep -qs '"version": "2.3.0"' $(ARGUS_NODE_DIR)/node_modules/node-mavlink/package.json || \
		npm install --no-audit --no-fund --prefix $(ARGUS_NODE_DIR) node-mavlink@2.3.0

# OpenCV's vtest.avi (768x576 pedestrians, real footage) from Debian's
# opencv-doc, extracted alone: the package is 95 MB and pulls in MathJax.
vtest: $(ARGUS_VTEST)
$(ARGUS_VTEST):
	@mkdir -p $(CACHE)/deb
	cd $(CACHE)/deb && apt-get download opencv-doc && \
		dpkg-deb --fsys-tarfile opencv-doc_*.deb | tar -x ./usr/share/doc/opencv-doc/examples/data/vtest.avi && \
		mv usr/share/doc/opencv-doc/examples/data/vtest.avi $(ARGUS_VTEST) && cd $(CACHE) && rm -rf deb

build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/edge ./edge
	$(GO) build -o $(BIN)/argus-sim ./drivers/sim/cmd/argus-sim
	$(GO) build -o $(BIN)/gateway ./gateway

# mediamtx, the RTSP server the ingest bench compares the edge with
# (deploy/bench/ingest). `go install` of it is refused by the module proxy
# here, so its module is downloaded and built as a main module: it needs its
# VERSION file and the HLS player (fetched by its go generate), which the
# bench does not use and gets as a stub.
MEDIAMTX_VERSION := v1.20.1
mediamtx: $(BIN)/mediamtx
$(BIN)/mediamtx:
	@mkdir -p $(BIN)
	set -e; dir=$$($(GO) mod download -json github.com/bluenviron/mediamtx@$(MEDIAMTX_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; cp -r $$dir/. $$tmp; chmod -R u+w $$tmp; \
	echo $(MEDIAMTX_VERSION) > $$tmp/internal/core/VERSION; \
	echo '// stub: the bench serves no HLS player' > $$tmp/internal/servers/hls/hls.min.js; \
	cd $$tmp && $(GO) build -o $(BIN)/mediamtx .

# The demo: the gateway's broker on :1883, the simulated fleet on :8554 and
# the edge on :9100, until Ctrl-C.
run: deps build
	ARGUS_DEMO_CAM_PASSWORD=$${ARGUS_DEMO_CAM_PASSWORD:-demo-only-secret} BIN=$(BIN) ./deploy/demo.sh

# A district on one machine: a 3-node NATS cluster, the gateway joining
# it, 4 fleet-mode edges and 400 light simulated cameras, until Ctrl-C
# (README, "District deployment").
district: deps build
	$(GO) build -o $(BIN)/nats-server github.com/nats-io/nats-server/v2
	BIN=$(BIN) ./deploy/district.sh

# The whole suite (the Kubernetes manifests' checks are a module of their
# own, deploy/kubernetes), then the race detector over the concurrent core (hub,
# ingest, the RTSP driver) in -short mode (20 flaps instead of 200). Fire,
# health and motion start no goroutine and share nothing: the race detector
# has nothing to find there, and their footage tests took 10 of its minutes.
# The end-to-end tests (deploy/e2e: make run's whole demo, ten processes)
# run alone after the rest: beside another package's tests on 2 cores the
# demo's analysis lagged and skipped to keyframes for minutes (a CI run
# saw no smoke in 3 minutes).
RACE_PKGS = $(shell $(GO) list ./edge/... ./drivers/rtsp/... ./drivers/bus/... ./drivers/busclient/... ./drivers/spool/... | grep -Ev '/edge/detect/(fire|health|motion)$$')
UNIT_PKGS = $(shell $(GO) list ./... | grep -v '/deploy/e2e$$')
test: deps
	$(GO) vet ./...
	cd deploy/kubernetes && $(GO) vet ./... && $(GO) test -count=1 ./...
	$(GO) test -count=1 -timeout 20m $(UNIT_PKGS)
	$(GO) test -count=1 -timeout 20m ./deploy/e2e/
	$(GO) test -race -short -count=1 -timeout 20m $(RACE_PKGS)

# Benchmarks print figures; none asserts a time.
bench: deps build mediamtx
	$(GO) test -run XXX -bench . -benchmem ./edge/hub/
	$(GO) test -run XXX -bench . -benchtime 1x ./edge/analyze/ ./edge/decode/
	$(GO) test -run XXX -bench EmptySceneHour ./edge/rules/
	$(GO) test -run XXX -bench TakePackets -benchmem ./drivers/rtsp/
	$(GO) run ./deploy/bench/ingest -bin $(BIN) -cameras 50
	$(GO) run ./deploy/bench/ingest -bin $(BIN) -cameras 200
	$(GO) run ./deploy/bench/latency -bin $(BIN) -cameras 8
	$(GO) run ./deploy/bench/sizing -bin $(BIN)
	$(GO) test -run XXX -bench 'AddedLatency|ViewerStreamsPerCore' -benchtime 20s ./gateway/sfu/
	$(GO) test -run XXX -bench EdgeToViewerLatency -benchtime 20s ./edge/relay/
	$(GO) run ./deploy/bench/viewers -bin $(BIN) $(if $(wildcard $(BIN)/mediamtx),-mediamtx $(BIN)/mediamtx)
	$(GO) test -run XXX -bench FiftyDrones -benchtime 1x ./edge/drone/
	$(GO) test -run XXX -bench WANDrain -benchtime 1x ./drivers/busclient/
	$(GO) test -run XXX -bench RecordUnit -benchtime 30000x ./edge/record/
	$(GO) test -run XXX -bench ReplaySpeed -benchtime 1x ./edge/replay/
	$(GO) test -run XXX -bench Record1080p -benchtime 10000x ./edge/record/
	$(GO) run ./deploy/bench/record -bin $(BIN) -cameras 40
	$(GO) test -run XXX -bench IncidentStorm -benchtime 1x ./gateway/
	$(GO) run ./deploy/bench/telemetry -bin $(BIN) -drones 10
	$(GO) run ./deploy/bench/telemetry -bin $(BIN) -drones 50 -window 30s
	ARGUS_BENCH_FIRST_FRAMES=10 $(GO) test -run TestFirstFrame -v -count=1 ./deploy/e2e/
	$(GO) test -run TestDemoScript -v -count=1 ./deploy/e2e/
	$(GO) test -run XXX -bench CameraAPI41k -benchtime 200x ./gateway/
	$(GO) test -run XXX -bench 'Catalog41k' ./gateway/directory/
	$(GO) test -run XXX -bench 'Rebuild41k' -benchtime 1x ./gateway/directory/
	$(GO) test -run XXX -bench 'Anomalies|PutAnomaly' ./gateway/store/
	$(GO) test -run XXX -bench Ingest ./gateway/alerts/
	$(GO) run ./deploy/bench/typhoon -bin $(BIN)
	$(GO) run ./deploy/bench/typhoon -bin $(BIN) -rate 12000 -burst 0
	$(GO) test -run XXX -bench Import41k -benchtime 3x ./gateway/api/
	$(GO) test -run XXX -bench 'ImportCameras41k' -benchtime 3x ./gateway/store/
	$(GO) test -run XXX -bench Parse41k -benchtime 3x ./gateway/inventory/
	$(GO) test -run XXX -bench 'PlaceDistrict' ./drivers/fleet/
	$(GO) test -run XXX -bench 'FleetDistrict|StatusRebuild41k' -benchtime 1x ./drivers/fleet/
	$(GO) test -run XXX -bench 'StatusRebuild41k|InventorySync41k' -benchtime 1x ./gateway/
	$(MAKE) demo-check

# The demo (make run's system) after 5 minutes: the Alerts view's
# incidents in headless Chromium, one per real condition with its count
# and timeline (docs/incidents.md); make test makes the same check in
# TestDemoScript, after its drone patrol.
demo-check: deps build
	ARGUS_DEMO_CHECK=5m $(GO) test -run XXX -bench DemoIncidents -benchtime 1x -v -count=1 -timeout 20m ./deploy/e2e/

# Detection judged on recorded footage (edge/eval, docs/eval.md):
# every clip of EVAL_DIR played through the edge's own analysis against
# the truth file TRUTH; per kind the event recall, time to alert and false
# alerts per camera-hour, and a report with snapshots in EVAL_OUT. With
# EVAL_REQUIRE (e.g. 'recall>=0.95,false_per_hour<=1') it fails when a
# threshold is not met. EVAL_FLAGS passes more (-speed 1, -parallel 2…).
EVAL_DIR     ?= edge/eval/devset
TRUTH        ?= $(EVAL_DIR)/truth.yaml
EVAL_OUT     ?= var/eval
EVAL_REQUIRE ?=
EVAL_FLAGS   ?=
eval: deps-apt vtest
	$(GO) run ./edge/eval/cmd/argus-eval -dir $(EVAL_DIR) -truth $(TRUTH) -out $(EVAL_OUT) \
		$(if $(EVAL_REQUIRE),-require '$(EVAL_REQUIRE)') $(EVAL_FLAGS)

# Full fuzzing, FUZZTIME per target (the tests run the seeds only).
FUZZTIME ?= 60s
FUZZ_TARGETS := configs:FuzzParse configs:FuzzRedact configs/ruleset:FuzzParse edge/rules:FuzzParse edge/decode:FuzzDecode \
	drivers/rtsp:FuzzTrack drivers/spool:FuzzDecodeRecord drivers/bus:FuzzParseTopic \
	drivers/sim:FuzzParseFleet drivers/sim:FuzzSplitNALUs drivers/sim:FuzzAccessUnits drivers/sim:FuzzCorrupter \
	drivers/mavlink/link:FuzzParse drivers/mavlink:FuzzItems drivers/mavlink:FuzzPatrolItems \
	gateway/inventory:FuzzImport configs/airspace:FuzzParse configs/airspace:FuzzGeometry \
	edge/eval:FuzzParseTruth
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzzing $${t#*:} in ./$${t%%:*} for $(FUZZTIME)"; \
		$(GO) test -run XXX -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) ./$${t%%:*}/ || exit 1; \
	done

clean:
	rm -rf $(BIN)

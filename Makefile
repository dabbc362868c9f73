# x0tta6bl4 build, test and demo targets. `make test` is what CI runs.

export GOTOOLCHAIN := go1.26.10
export CGO_ENABLED ?= 0

GO          ?= go
TOOLS       := $(CURDIR)/.tools/bin
STATICCHECK := $(TOOLS)/staticcheck
STATICCHECK_VERSION := v0.8.2
BIN         := bin/x0tta6bl4
FUZZTIME    ?= 3s
COVER_TOTAL ?= 90
COVER_PKG   ?= 85
DATA        ?= ../shared/data/planetoid
BENCH_PASSES ?= 5
BENCH_TIME  ?= 200ms
LDFLAGS     := -s -w -buildid= -X main.version=$(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all build demo demo-udp test fmt-check vet staticcheck test-race fuzz cover-gate cora-check walkthrough docs-check fl-check censor-check a11y bench bench-check clean tools anomaly-check image image-check sbom vulncheck helm-check

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/x0tta6bl4

## demo: a live 25-node simulated mesh healing itself under chaos; dashboard at http://127.0.0.1:8080/ (docs/demo.md)
demo: build
	./$(BIN) demo

## demo-udp: three real nodes on 127.0.0.1 (UDP) with a throw-away CA exchange checked datagrams over 1 and 2 hops
demo-udp: build
	./$(BIN) demo --udp

## test: everything CI checks — formatting, vet, staticcheck, race tests with coverage gate, fuzzing
test: fmt-check vet staticcheck test-race cover-gate fuzz

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go') $$(git ls-files --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi; echo "gofmt: clean"

vet:
	CGO_ENABLED=1 $(GO) vet ./...

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

tools: $(STATICCHECK)

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

test-race:
	@mkdir -p coverage
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m -covermode=atomic -coverprofile=coverage/cover.out ./...

cover-gate:
	@awk -v total=$(COVER_TOTAL) -v pkg=$(COVER_PKG) -f .ci/covergate.awk coverage/cover.out

fuzz:
	@bash .ci/fuzz-all $(FUZZTIME)

## cora-check: GraphSAGE on the Planetoid Cora split must reach 81% mean test accuracy over 10 seeds
## a11y: WCAG 2.1 AA audit of the dashboard: axe-core and keyboard tests in headless chromium against real nodes (docs/dashboard.md; needs chromium, nodejs, npm)
a11y: build
	.ci/a11y/run

## docs-check: run the commands of docs/deploy.md and docs/operations.md as written, and check the
## systemd unit with systemd-analyze (needs curl, systemd)
docs-check: build
	.ci/docs-commands

## walkthrough: run the README's "Run a network by hand" commands and check their output (needs python3, curl)
walkthrough: build
	.ci/walkthrough

cora-check: build
	./$(BIN) bench graphsage --data $(DATA) --name cora --seeds 10 --min-accuracy 0.81

## censor-check: the obfuscated transport against the GFW fully-encrypted rule, byte statistics and
## active probing over 2,000 real handshakes per mode, then nDPI on captured loopback traffic
## (needs root; installs libndpi-bin and tcpdump; docs/censorship.md)
censor-check:
	$(GO) test -count=1 -run 'TestRun$$|TestProbe$$' ./internal/transport/obfs/validate/ -args -validate.samples=2000 -validate.probes=2000
	.ci/ndpi-check

## fl-check: GraphSAGE federated over 20 clients on Cora must come within 2 points of centralised
## training in the same run (docs/federated-learning.md)
fl-check: build
	./$(BIN) fl sim --data $(DATA) --name cora --clients 20 --rounds 40 --local-epochs 5 --seed 1 --max-gap 2

# Mesh anomaly detector: save/load corruption, determinism, Scorer and the CLI on small networks
# (about 15 s); the full table is `./bin/x0tta6bl4 bench anomaly` (docs/anomaly.md).
anomaly-check:
	$(GO) test -count=1 ./internal/anomaly/meshdetect/
	$(GO) test -count=1 -run 'BenchAnomaly' ./cmd/x0tta6bl4/
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime=$(FUZZTIME) ./internal/anomaly/meshdetect/

## image: the container image in build/image (OCI layout, docker-loadable tar, digest, SBOM), built
## without a Docker engine or registry (docs/images.md)
image:
	.ci/image/build build/image

## image-check: build the image twice from scratch (once with an empty Go build cache), require one
## digest, then run two nodes from it by digest in a real Docker engine (needs root; docs/images.md)
image-check:
	.ci/image/check

## sbom: (re)write and check build/image/x0tta6bl4.cdx.json, the CycloneDX SBOM of the image's binary
sbom:
	.ci/image/sbom build/image

## vulncheck: govulncheck (source and binary) against a local, pinned copy of the Go vulnerability database
vulncheck:
	.ci/vulncheck

## helm-check: the Helm chart offline: chartcheck tests, then helm lint --strict, helm template, strict
## k8s.io/api decoding + policy and `x0tta6bl4 config check` for each deploy/helm/x0tta6bl4/ci values
## file, the expected rejections of deploy/helm/ci-rejects, and as root three rendered nodes run in network
## namespaces (deploy/helm/podsim; needs busybox). No cluster: deploy/helm/x0tta6bl4/README.md
helm-check:
	.ci/helm-check $(FUZZTIME)

## bench: the benchmark suite of .ci/bench, BENCH_PASSES passes (1.5-3.5 min on 2 cores) ->
## bench/results.txt (benchstat format) and bench/results.json (docs/benchmarks.md)
bench:
	BENCH_PASSES=$(BENCH_PASSES) BENCH_TIME=$(BENCH_TIME) GO=$(GO) .ci/bench

## bench-check: make bench, then fail on a regression past .ci/bench-thresholds (allocations, sizes,
## ratios of two benchmarks of the same run; never absolute times)
bench-check: bench
	$(GO) run ./cmd/benchgate check -rules .ci/bench-thresholds bench/results.txt

clean:
	rm -rf bin coverage build bench

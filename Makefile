# Entry point for people and CI. `make` builds everything into build/ (binaries in build/bin);
# `make test` installs dependencies, builds and runs the whole suite; see README.md.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithAssert
CTEST_FLAGS ?= --output-on-failure --timeout 900

# ccache keys on paths relative to the clone, so a fresh CI clone reuses this machine's cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps configure build test test-unit bench playground format format-check clean \
        tools tools-k8s tools-kwok tools-csi-sanity tools-helm tools-minio tools-csi-sidecars \
        images test-charts e2e-cluster-up e2e-cluster-down e2e playground-down playground-local

all: build

deps:
	@scripts/deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: $(BUILD_DIR)/build.ninja

build: configure
	ninja -C $(BUILD_DIR)

# The Go tools (Kubernetes binaries, kwok, csi-sanity, helm, minio) are a fast no-op once cached.
test: deps tools
	@$(MAKE) --no-print-directory build
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS)

test-unit: build
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS) -L unit

bench: build
	scripts/bench.sh $(BUILD_DIR)

# The demo on a single-node Kubernetes (cluster, images, charts, a CurveCluster, a PVC in a
# pod); stays up until `make playground-down`. playground-local: the same data path without
# Kubernetes (curve-cluster on loopback).
playground: deps tools-k8s tools-helm
	@$(MAKE) --no-print-directory build
	tests/playground.sh up $(BUILD_DIR)

playground-down:
	tests/playground.sh down

playground-local: deps
	@$(MAKE) --no-print-directory build
	tests/playground-local.sh $(BUILD_DIR)

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

format-check:
	git ls-files '*.h' '*.cc' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD_DIR)

# Go tools for later test tiers, built from the Go module proxy into ~/.cache/curve-tools.
tools: ; scripts/go-tools.sh all
tools-k8s: ; scripts/go-tools.sh k8s
tools-kwok: ; scripts/go-tools.sh kwok
tools-csi-sanity: ; scripts/go-tools.sh csi-sanity
tools-helm: ; scripts/go-tools.sh helm
tools-minio: ; scripts/go-tools.sh minio
tools-csi-sidecars: ; scripts/go-tools.sh csi-sidecars

# Container images with the local Docker engine (images/README.md); IMAGES picks some of
# base pause sidecars operator csi services kubectl.
IMAGES ?= all
images: deps
	@$(MAKE) --no-print-directory build
	images/build.sh --bin-dir $(BUILD_DIR)/bin $(IMAGES)

# helm lint + helm template checks of charts/ (charts/README.md).
test-charts: tools-helm
	charts/test.sh

# A real single-node Kubernetes on this machine (e2e/README.md), with every built image imported.
# `export KUBECONFIG=$$(e2e/cluster/cluster.sh kubeconfig)` to use it.
e2e-cluster-up: deps tools-k8s
	e2e/cluster/cluster.sh up
	e2e/cluster/cluster.sh import

e2e-cluster-down:
	e2e/cluster/cluster.sh down

# The end-to-end test on that cluster (e2e/README.md); removes everything it made.
e2e: deps tools-k8s tools-helm
	@$(MAKE) --no-print-directory build
	CURVE_BIN_DIR=$(abspath $(BUILD_DIR))/bin e2e/run.sh

# The README's two commands are `make run` and `make test`; everything else is for developers.
SHELL := /bin/bash
export OPENBLAS_CORETYPE ?= Haswell
SPEC ?= pipelines/lema.yaml
JOBS ?= 2
FUZZ_SECONDS ?= 60

.PHONY: deps build release run test test-release bench-engine bench-kernels bench-ui fuzz-spec clean

deps:
	@scripts/ensure-deps.sh

build: deps
	swift build

release: deps
	swift build -c release

# The main job: the default miniature LeMa experiment (resumes if interrupted; just run it again).
run: release
	.build/release/lema run $(SPEC) --jobs $(JOBS)

# The test suite (numeric modules are compiled optimised even in this debug build; see Package.swift).
# The endpoint tests host HTTP servers inside the test process, whose async handlers run on Swift's cooperative
# thread pool (one thread per core); CPU-bound synchronous tests running in parallel occupy that pool and the servers
# then answer late, so those suites (and `lema ui`'s, which also drive a browser) run afterwards on their own, one
# test at a time. `lema` itself runs stages on Dispatch threads, so the pool stays free for its HTTP client.
# As root, a one-node Slurm cluster (scripts/slurm-cluster.sh) runs for the Slurm tests, started here when none is
# up and stopped again afterwards; a root run fails when it cannot start one (CI must run those tests).
# LEMA_SLURM_TESTS=0 skips the cluster; without it (or not as root) the Slurm tests say why they are skipped.
# As root, Debian's chromium and chromium-driver are installed for `lema ui`'s browser tests (LEMA_BROWSER_TESTS=0
# skips that); without them the browser tests say why they are skipped.
test: deps
	@if [[ "$${LEMA_BROWSER_TESTS:-1}" != 0 ]]; then scripts/ensure-browser.sh; fi
	@started=; \
	if [[ $$(id -u) -eq 0 && "$${LEMA_SLURM_TESTS:-1}" != 0 ]] && ! scripts/slurm-cluster.sh status >/dev/null; then \
	  scripts/slurm-cluster.sh start || exit 1; started=1; \
	fi; \
	trap '[[ -z $$started ]] || scripts/slurm-cluster.sh stop' EXIT; \
	swift test --skip EndpointTests --skip RunViewTests && swift test --skip-build --filter "EndpointTests|RunViewTests" --no-parallel

bench-engine: release
	.build/release/lema-bench engine

# `lema ui` on a 10,000-node run in headless Chromium (needs chromium and chromium-driver; see docs/operations.md).
bench-ui: release
	.build/release/lema-bench ui

# Runs the PyTorch peer (../shared/bench/kernels/torch_gpt.py) in the same run when LEMA_PYTHON or
# ~/venv-bench/bin/python has torch; extra options: make bench-kernels KERNELS_ARGS="--configs M --no-gemm".
bench-kernels: release
	.build/release/lema-bench kernels $(KERNELS_ARGS)

# libFuzzer on the spec front end for FUZZ_SECONDS (default 60); not part of `test`. See docs/operations.md.
fuzz-spec: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz-spec.sh

clean:
	rm -rf .build runs/*/

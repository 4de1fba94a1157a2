#!/usr/bin/env bash
# Fuzzes the spec front end (YAML → node tree → spec → graph) with libFuzzer: `make fuzz-spec FUZZ_SECONDS=600`.
# Not part of `make test` or CI. Builds fuzz/spec (a package whose Sources/ link to this checkout's Engine,
# StageAPI, LemaCore and the C module maps) with -sanitize=fuzzer,address into .build-fuzz/, then runs it
# at nice 19 on the committed seeds (fuzz/spec/corpus) plus what earlier runs found (.build-fuzz/corpus).
# A crash, a hang (> FUZZ_TIMEOUT s per input) or a memory blow-up (> FUZZ_RSS_MB) stops the run and leaves the
# input in .build-fuzz/artifacts/; turn it into a regression test (Tests/EngineTests/SpecLimitsTests.swift),
# do not commit it. Extra libFuzzer options: FUZZ_ARGS="-jobs=2 -workers=2".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${FUZZ_SECONDS:-60}
scratch=$root/.build-fuzz
mkdir -p "$scratch/corpus" "$scratch/artifacts"

nice -n 19 swift build --package-path fuzz/spec --scratch-path "$scratch" -c release \
    -Xswiftc -sanitize=fuzzer,address
binary=$(swift build --package-path fuzz/spec --scratch-path "$scratch" -c release --show-bin-path)/FuzzSpec

# LeakSanitizer off at exit too: one-time globals (the documented kinds) would be reported as a crash of the
# empty input after the run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
# Inputs slower than one second (the bar) are saved as slow-unit-* for a look in the release build; -timeout
# (wall time) stops the run on a real hang, and is higher than the bar because at nice 19 on a busy machine a
# fast input can wait seconds for a core. Leak detection is off: Swift's runtime keeps metadata caches that
# LeakSanitizer reports.
exec nice -n 19 "$binary" "$scratch/corpus" fuzz/spec/corpus \
    -dict=fuzz/spec/spec.dict -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" -report_slow_units=1 \
    -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -max_len="${FUZZ_MAX_LEN:-16384}" -detect_leaks=0 \
    -artifact_prefix="$scratch/artifacts/" -print_final_stats=1 ${FUZZ_ARGS:-}

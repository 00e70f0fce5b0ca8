#!/usr/bin/env bash
# Sets up the machine and runs every test: the default workspace members
# (primitives, pallets, runtime, client) with the pallets' and runtime's
# benchmarks as tests, and the node's tests (which build the runtime's wasm,
# the no_std check, and the node, then run a dev chain and a 4-validator
# network on loopback), then the whole loop end to end (the dev node and
# four clients) and the player app in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
source scripts/sweep.sh
sweep_target
# CI builds in a fresh clone each time: incremental caches would only pile up.
if [[ -n "${CI:-}" ]]; then
	export CARGO_INCREMENTAL=0
fi
start=$(date +%s)
log="${TMPDIR:-/tmp}/musicchain-test.log"
fail() {
	echo "$1 failed after $(( $(date +%s) - start )) s (log: $log)" >&2
	exit 1
}
: > "$log"

# One build serves the tests and the benchmarks-as-tests: the runtime's
# `runtime-benchmarks` feature turns on every pallet's. A second build
# without it would compile some 270 crates again (about 15 minutes cold).
# The pallets' tests that do not need the feature run the same with it.
benchmarks=(--features musicchain-runtime/runtime-benchmarks)

echo "== tests (with the benchmarks as tests)"
SKIP_WASM_BUILD=1 cargo test --locked "${benchmarks[@]}" 2>&1 | tee -a "$log" || fail "tests"

echo "== node (dev chain, 4-validator network)"
cargo test --locked -p musicchain-node 2>&1 | tee -a "$log" || fail "node tests"

echo "== end to end (the dev node and four clients; a node restart under a client; the player app in a browser)"
# The end-to-end tests are the workspace's ignored tests (with one that
# measures fingerprints on real music, which skips itself unless
# scripts/bench-fingerprint.sh points it at some). They run from
# the test binaries the first step built: selecting the same packages (all
# default members) and features keeps the same build, where
# `-p musicchain-cli` alone would compile some 260 crates again.
SKIP_WASM_BUILD=1 cargo test --locked "${benchmarks[@]}" --tests -- --ignored --nocapture 2>&1 |
	tee -a "$log" || fail "end-to-end test"

echo "tests passed in $(( $(date +%s) - start )) s"

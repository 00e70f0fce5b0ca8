#!/usr/bin/env bash
# Sets up the machine and runs every test of the default workspace members
# (primitives, pallets, runtime, client), the pallets' and runtime's
# benchmarks as tests, and builds the runtime's wasm (the no_std check).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
start=$(date +%s)
log="${TMPDIR:-/tmp}/musicchain-test.log"
fail() {
	echo "$1 failed after $(( $(date +%s) - start )) s (log: $log)" >&2
	exit 1
}
: > "$log"

echo "== tests"
SKIP_WASM_BUILD=1 cargo test --locked 2>&1 | tee -a "$log" || fail "tests"

echo "== benchmarks as tests"
SKIP_WASM_BUILD=1 cargo test --locked --features runtime-benchmarks \
	-p pallet-musicchain-songs -p pallet-musicchain-plays -p pallet-musicchain-royalties \
	-p musicchain-runtime 2>&1 | tee -a "$log" || fail "benchmark tests"

echo "== runtime wasm"
cargo build --locked -p musicchain-runtime 2>&1 | tee -a "$log" || fail "the runtime's wasm build"

echo "tests passed in $(( $(date +%s) - start )) s"

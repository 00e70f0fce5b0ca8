#!/usr/bin/env bash
# Measures the musicchain pallets' weights on this machine and writes them
# to pallets/*/src/weights.rs (benchmarks v2; heartbeat and split counts are
# components). Also measures balances.transfer_keep_alive for comparison.
#
# Usage: scripts/benchmark.sh [STEPS] [REPEAT]     (default 50 20)
# Builds `musicchain-node --release --features runtime-benchmarks` first
# (a long build: the host functions must be optimised to be measured).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
steps=${1:-50}
repeat=${2:-20}
cargo build --locked --release -p musicchain-node --features runtime-benchmarks
node="$CARGO_TARGET_DIR/release/musicchain-node"

bench() { # PALLET [OUTPUT]
	local args=(benchmark pallet --chain dev --pallet "$1" --extrinsic '*'
		--steps "$steps" --repeat "$repeat" --wasm-execution compiled --heap-pages 4096)
	if [[ -n "${2:-}" ]]; then
		args+=(--template scripts/frame-weight-template.hbs --header scripts/weights-header.txt --output "$2")
	fi
	echo "== $1"
	"$node" "${args[@]}"
}

bench pallet_musicchain_songs pallets/songs/src/weights.rs
bench pallet_musicchain_plays pallets/plays/src/weights.rs
bench pallet_musicchain_royalties pallets/royalties/src/weights.rs
# The yardstick of the design's "submit <= 3x transfer" target.
bench pallet_balances | tee "${TMPDIR:-/tmp}/musicchain-balances-bench.txt" | grep -A3 'transfer_keep_alive' || true
echo "weights written; compare plays.submit(h=60) with balances.transfer_keep_alive above"

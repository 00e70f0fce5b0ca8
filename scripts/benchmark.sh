#!/usr/bin/env bash
# Measures the runtime's weights on this machine and writes them: the
# musicchain pallets' to pallets/*/src/weights.rs (benchmarks v2; heartbeat
# and split counts are components), and those of the polkadot-sdk pallets
# the runtime benchmarks (system, balances, timestamp, sudo) to
# runtime/src/weights/. balances.transfer_keep_alive is the yardstick of the
# design's "plays.submit <= 3x a transfer" target.
#
# Usage: scripts/benchmark.sh [STEPS] [REPEAT]     (default 50 20)
# MUSICCHAIN_BENCH_ONLY="pallet_a pallet_b" measures only those pallets.
# Builds `musicchain-node --release --features runtime-benchmarks` first
# (a long build: the host functions must be optimised to be measured).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
steps=${1:-50}
repeat=${2:-20}
# frame-benchmarking-cli's storage-access test runtime is only for
# `benchmark storage`; its wasm build cannot find itself in this workspace's
# metadata (the metadata is taken without the benchmark feature), so skip it.
SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1 \
	cargo build --locked --release -p musicchain-node --features runtime-benchmarks
node="$CARGO_TARGET_DIR/release/musicchain-node"

bench() { # PALLET TEMPLATE OUTPUT
	if [[ -n "${MUSICCHAIN_BENCH_ONLY:-}" && " $MUSICCHAIN_BENCH_ONLY " != *" $1 "* ]]; then
		return
	fi
	echo "== $1 -> $3"
	"$node" benchmark pallet --chain dev --pallet "$1" --extrinsic '*' \
		--steps "$steps" --repeat "$repeat" --wasm-execution compiled --heap-pages 4096 \
		--template "$2" --header scripts/weights-header.txt --output "$3" \
		2>&1 | tee "${TMPDIR:-/tmp}/musicchain-bench-$1.txt" ||
		{ echo "benchmark of $1 failed (log: ${TMPDIR:-/tmp}/musicchain-bench-$1.txt)" >&2; exit 1; }
}

mkdir -p runtime/src/weights
for pallet in songs plays royalties; do
	bench "pallet_musicchain_$pallet" scripts/frame-weight-template.hbs "pallets/$pallet/src/weights.rs"
done
for pallet in frame_system pallet_balances pallet_timestamp pallet_sudo; do
	bench "$pallet" scripts/runtime-weight-template.hbs "runtime/src/weights/$pallet.rs"
done
echo "weights written; SKIP_WASM_BUILD=1 cargo test -p musicchain-runtime --test chain -- --nocapture figures"
echo "prints plays.submit (60 heartbeats) against balances.transfer_keep_alive"

#!/usr/bin/env bash
# Measures an idle `musicchain-node --dev`: starts it on a fresh temporary
# chain, waits until block BLOCKS (default 100, 6 s each: about 10 minutes)
# is imported, and prints its resident memory (RSS, and the peak) every 10
# blocks and at the end.
#
# Usage: scripts/bench-node-memory.sh [BLOCKS]
# Binary: $MUSICCHAIN_NODE (default: the release build, else the debug build,
# in the shared target directory). Ports: RPC $MUSICCHAIN_BENCH_RPC_PORT
# (default 9988), p2p $MUSICCHAIN_BENCH_P2P_PORT (default 30988).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
blocks=${1:-100}
rpc_port=${MUSICCHAIN_BENCH_RPC_PORT:-9988}
p2p_port=${MUSICCHAIN_BENCH_P2P_PORT:-30988}
node=${MUSICCHAIN_NODE:-}
if [[ -z "$node" ]]; then
	for candidate in "$CARGO_TARGET_DIR/release/musicchain-node" "$CARGO_TARGET_DIR/debug/musicchain-node"; do
		if [[ -x "$candidate" ]]; then node=$candidate; break; fi
	done
fi
[[ -n "$node" && -x "$node" ]] || { echo "no musicchain-node binary: cargo build --release -p musicchain-node (or set MUSICCHAIN_NODE)" >&2; exit 1; }

dir=$(mktemp -d)
"$node" --dev --base-path "$dir" --rpc-port "$rpc_port" --port "$p2p_port" --no-mdns --no-prometheus \
	>"$dir/node.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

# The best block's number; 0 while the RPC server is not up yet.
best() {
	local n
	n=$(block_number "$rpc_port" chain_getHeader)
	[[ "$n" == "?" ]] && n=0
	echo "$n"
}
rss() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status"; }
peak() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status"; }

echo "node: $node (pid $pid), waiting for block #$blocks"
next=10
start=$(date +%s)
while :; do
	kill -0 "$pid" 2>/dev/null || { tail -20 "$dir/node.log"; echo "the node stopped" >&2; exit 1; }
	n=$(best)
	if (( n >= next || n >= blocks )); then
		echo "block #$n after $(( $(date +%s) - start )) s: RSS $(rss) MiB (peak $(peak) MiB)"
		next=$(( (n / 10 + 1) * 10 ))
	fi
	(( n >= blocks )) && break
	sleep 3
done
echo "idle after $blocks blocks: RSS $(rss) MiB, peak $(peak) MiB"

#!/usr/bin/env bash
# Sets up the machine and runs the main job: a development chain (one
# validator, Alice, blocks every 6 s, state under the demo folder) and the
# client's audio pipeline on generated demo music (a folder of real encoded
# songs added to a fresh library, scanned: fingerprints, tags, pieces), then
# the swarm on loopback (scripts/swarm-demo.sh: a mini-node, the library
# served, a second client downloading a song from it).
# The node keeps running until Ctrl-C; connect polkadot.js apps or any
# wallet to ws://127.0.0.1:9944 meanwhile.
#
# MUSICCHAIN_DEMO_DIR (default ~/.cache/musicchain/demo) holds the music, the
# library and the chain; MUSICCHAIN_RUN_ONCE=1 stops the node after the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
echo "== building the node and the client (the first build takes a while)"
cargo build --locked -p musicchain-node
cargo build --locked --release -p musicchain-client
node="$CARGO_TARGET_DIR/debug/musicchain-node"
client="$CARGO_TARGET_DIR/release/musicchain"
demo="${MUSICCHAIN_DEMO_DIR:-$HOME/.cache/musicchain/demo}"
mkdir -p "$demo"

echo "== starting the development chain (log: $demo/node.log)"
"$node" --dev --base-path "$demo/chain" --rpc-port 9944 >"$demo/node.log" 2>&1 &
node_pid=$!
trap 'kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
	grep -q "Imported #1" "$demo/node.log" 2>/dev/null && break
	kill -0 "$node_pid" 2>/dev/null || { tail -20 "$demo/node.log"; echo "the node stopped; see $demo/node.log" >&2; exit 1; }
	sleep 1
done
grep -q "Imported #1" "$demo/node.log" || { echo "no block after 120 s; see $demo/node.log" >&2; exit 1; }
echo "chain running: JSON-RPC on ws://127.0.0.1:9944"

echo "== the client on demo music"
scripts/make-fixtures.sh "$demo/music"
export MUSICCHAIN_DATA_DIR="$demo/data"
"$client" library add "$demo/music"
"$client" library scan
"$client" library list
scripts/swarm-demo.sh
echo
echo "The client does not talk to the chain yet (registering and playing: issue #6)."
echo "Explore the chain: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944"
if [[ "${MUSICCHAIN_RUN_ONCE:-}" == 1 ]]; then
	exit 0
fi
echo "The node runs until Ctrl-C (log: $demo/node.log)."
wait "$node_pid"

#!/usr/bin/env bash
# Sets up the machine and runs the main job: a development chain (one
# validator, Alice, blocks every 6 s, state under the demo folder) and the
# whole loop of the client on a default library of generated music (three
# real encoded songs, made by scripts/make-fixtures.sh):
#   - Alice imports her dev account, adds the library: each file is
#     fingerprinted and registered on chain, then she serves it;
#   - Bob discovers the songs online, plays one past half of it from Alice
#     (streamed, paced in real time, heartbeats to her), and the receipt
#     settles: Bob +1 MUSIC, Alice +1 MUSIC as the server, +1 MUSIC into her
#     escrow as the artist.
# Then Bob's player app (`musicchain app`) starts and prints its address.
# The node keeps running until Ctrl-C; connect polkadot.js apps or any
# wallet to ws://127.0.0.1:9944 meanwhile. (scripts/swarm-demo.sh shows the
# swarm alone: a mini-node and a download.)
#
# MUSICCHAIN_DEMO_DIR (default ~/.cache/musicchain/demo) holds the music, the
# clients' data and the chain; MUSICCHAIN_RUN_ONCE=1 stops the node after the
# demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
echo "== building the node and the client (the first build takes a while)"
cargo build --locked -p musicchain-node
cargo build --locked --release -p musicchain-cli
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

echo "== the default library: three generated songs"
scripts/make-fixtures.sh "$demo/fixtures"
rm -rf "$demo/music" "$demo/alice" "$demo/bob"
mkdir -p "$demo/music"
cp "$demo/fixtures/good/a.flac" "$demo/fixtures/other/b-320k.mp3" "$demo/fixtures/album/c.flac" "$demo/music/"
export MUSICCHAIN_NODE=ws://127.0.0.1:9944
# The demo's dev accounts stay in its own folders, out of the OS keyring.
export MUSICCHAIN_KEYRING=off
alice_password="alice's demo password"
alice() { MUSICCHAIN_PASSWORD="$alice_password" "$client" --data-dir "$demo/alice" "$@"; }
bob_password="bob's demo password"
bob() { MUSICCHAIN_PASSWORD="$bob_password" "$client" --data-dir "$demo/bob" "$@"; }
# The first match of PATTERN in FILE, waiting up to 30 s while PID runs.
first_match() { # PATTERN FILE PID
	local found=""
	for _ in $(seq 1 300); do
		found=$(grep -m1 -o "$1" "$2" 2>/dev/null || true)
		[[ -n "$found" ]] && break
		kill -0 "$3" 2>/dev/null || break
		sleep 0.1
	done
	echo "$found"
}

echo "== Alice: her wallet (the dev account //Alice), her library, registered on chain"
echo "//Alice" | alice wallet import --uri
alice library add "$demo/music" | tee "$demo/alice-sync.log"
fixture=$(grep -m1 "Fixture Song" "$demo/alice-sync.log" | awk '{print $2}')
echo "waiting for the validators' dedupe verdicts"
for _ in $(seq 1 60); do
	pending=$(alice search song 2>/dev/null | grep -c "pending" || true)
	[[ "$pending" == 0 ]] && break
	sleep 2
done
alice search song

echo "== Alice bonds to serve (only a bonded server's receipts earn) and serves her library"
alice bond
# The client itself in the background, not the `alice` function: `$!`
# would be the function's subshell, and killing it would leave the client
# serving after this script ends.
MUSICCHAIN_PASSWORD="$alice_password" "$client" --data-dir "$demo/alice" \
	serve --listen /ip4/127.0.0.1/tcp/0 >"$demo/alice-serve.log" 2>&1 &
serve_pid=$!
trap 'kill "$serve_pid" "$node_pid" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
addr=$(first_match '/ip4/127.0.0.1/tcp/[0-9]*/p2p/[A-Za-z0-9]*' "$demo/alice-serve.log" "$serve_pid")
[[ -n "$addr" ]] || { cat "$demo/alice-serve.log"; echo "Alice's client did not start" >&2; exit 1; }
echo "Alice: $addr"

echo "== Bob: discovers what is online, plays 'Fixture Song' past half, the play settles"
echo "//Bob" | bob wallet import --uri
bob discover --bootstrap "$addr" --no-listen
bob balance
bob play "fixture song" --segments 0-17 --output "$demo/bob-heard.wav" --bootstrap "$addr" --no-listen
bob balance
echo "== the moderators (Alice and Bob are two of the dev chain's three) approve 'Fixture Song' (song $fixture):"
echo "   Alice's deposit comes back and the play's pending credits are paid out"
alice moderate approve "$fixture"
bob moderate approve "$fixture"
sleep 7
bob balance
alice balance
echo
echo "Bob heard $demo/bob-heard.wav. Explore the chain: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944"
if [[ "${MUSICCHAIN_RUN_ONCE:-}" == 1 ]]; then
	exit 0
fi
echo "== Bob's player app: the same, in a browser (musicchain app)"
# (The client itself, not the `bob` function: see Alice's.)
MUSICCHAIN_PASSWORD="$bob_password" "$client" --data-dir "$demo/bob" \
	app --bootstrap "$addr" --no-listen >"$demo/bob-app.log" 2>&1 &
app_pid=$!
trap 'kill "$app_pid" "$serve_pid" "$node_pid" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
url=$(first_match 'http://127\.0\.0\.1:[0-9]*/?t=[0-9a-f]*' "$demo/bob-app.log" "$app_pid")
if [[ -n "$url" ]]; then
	echo "Open Bob's player app: $url"
else
	echo "Bob's player app did not start; see $demo/bob-app.log" >&2
fi
echo "The node, Alice's client and Bob's app run until Ctrl-C (log: $demo/node.log)."
wait "$node_pid"

#!/usr/bin/env bash
# The swarm on loopback, with the release client: a mini-node, the library
# in $MUSICCHAIN_DATA_DIR served to it, and a second client (its own data
# directory) that downloads one file from the swarm, verifies it and adds it
# to its library. Called by scripts/run.sh; runs alone once the client is
# built (`cargo build --release -p musicchain-cli`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
client="${MUSICCHAIN_CLIENT:-$CARGO_TARGET_DIR/release/musicchain}"
demo="${MUSICCHAIN_DEMO_DIR:-$HOME/.cache/musicchain/demo}"
data="${MUSICCHAIN_DATA_DIR:-$demo/data}"
mkdir -p "$demo"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

# Prints the first "listening on" address in a log, waiting up to 30 s.
first_addr() {
	for _ in $(seq 1 300); do
		addr=$(grep -m1 -o '/ip4/127.0.0.1/tcp/[0-9]*/p2p/[A-Za-z0-9]*' "$1" 2>/dev/null || true)
		[[ -n "$addr" ]] && { echo "$addr"; return 0; }
		sleep 0.1
	done
	echo "no listen address in $1" >&2
	return 1
}

echo "== a mini-node (musicchain relay) on loopback"
"$client" --data-dir "$demo/mini" relay --listen /ip4/127.0.0.1/tcp/0 --advertise-listen \
	>"$demo/relay.log" 2>&1 &
pids+=($!)
mini=$(first_addr "$demo/relay.log")
echo "mini-node: $mini"

echo "== serving the library ($data)"
"$client" --data-dir "$data" serve --bootstrap "$mini" --listen /ip4/127.0.0.1/tcp/0 \
	--advertise-listen >"$demo/serve.log" 2>&1 &
pids+=($!)
first_addr "$demo/serve.log" >/dev/null
hash=$("$client" --data-dir "$data" library list --hashes | awk -F'\t' 'NR > 1 && NF >= 7 { print $7; exit }')
[[ -n "$hash" ]] || { echo "the library is empty" >&2; exit 1; }

echo "== a second client downloads $hash"
rm -rf "$demo/listener"
"$client" --data-dir "$demo/listener" peers --bootstrap "$mini" --listen /ip4/127.0.0.1/tcp/0 --wait 3
"$client" --data-dir "$demo/listener" download "$hash" --bootstrap "$mini" \
	--listen /ip4/127.0.0.1/tcp/0 --advertise-listen
"$client" --data-dir "$demo/listener" library list

#!/usr/bin/env bash
# A 4-validator musicchain network on this machine's loopback: Alice, Bob,
# Charlie and Dave, each with its own base path, node key and ports, and
# all logs in one folder.
#
# Usage:
#   scripts/local-network.sh start [NAME...]   start all (or the named) validators
#   scripts/local-network.sh stop [NAME...]    stop all (or the named) validators
#   scripts/local-network.sh status            running or not, best and finalized block
#   scripts/local-network.sh purge             stop all and delete the network's data
#
# Node NAME (alice=0, bob=1, charlie=2, dave=3) listens on
#   p2p  $MUSICCHAIN_NET_P2P_PORT + i         (default 30333)
#   RPC  $MUSICCHAIN_NET_RPC_PORT + i         (default 9944: Alice is ws://127.0.0.1:9944)
#   Prometheus $MUSICCHAIN_NET_PROMETHEUS_PORT + i (default 9615)
# Data: $MUSICCHAIN_NET_DIR (default ~/.cache/musicchain/local-net), one folder
# per node, logs in logs/. Binary: $MUSICCHAIN_NODE (default: the release
# build, else the debug build, in the shared target directory). Chain:
# $MUSICCHAIN_NET_CHAIN (default `local`, the node's built-in 4-validator spec;
# chain-specs/local-raw.json is the same chain as a file).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

names=(alice bob charlie dave)
dir=${MUSICCHAIN_NET_DIR:-$HOME/.cache/musicchain/local-net}
chain=${MUSICCHAIN_NET_CHAIN:-local}
p2p_base=${MUSICCHAIN_NET_P2P_PORT:-30333}
rpc_base=${MUSICCHAIN_NET_RPC_PORT:-9944}
prom_base=${MUSICCHAIN_NET_PROMETHEUS_PORT:-9615}

node=${MUSICCHAIN_NODE:-}
if [[ -z "$node" ]]; then
	for candidate in "$CARGO_TARGET_DIR/release/musicchain-node" "$CARGO_TARGET_DIR/debug/musicchain-node"; do
		if [[ -x "$candidate" ]]; then node=$candidate; break; fi
	done
fi

die() { echo "local-network: $*" >&2; exit 1; }
need_node() {
	[[ -n "$node" && -x "$node" ]] || die "no musicchain-node binary: build it with
  cargo build --release -p musicchain-node   (or set MUSICCHAIN_NODE)"
}
index_of() {
	local i
	for i in "${!names[@]}"; do [[ "${names[$i]}" == "$1" ]] && { echo "$i"; return; }; done
	die "unknown validator '$1' (one of: ${names[*]})"
}
pid_of() { cat "$dir/$1/pid" 2>/dev/null || true; }
running() { local pid; pid=$(pid_of "$1"); [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }

# Every node gets the well-known node key of its index (Alice 1, Bob 2,
# Charlie 3, Dave 4: public, like the development account keys), so its
# peer id is the one the `local` chain spec lists as a boot node.
ensure_keys() {
	local name i
	for name in "${names[@]}"; do
		i=$(index_of "$name")
		mkdir -p "$dir/$name"
		printf '%064x' $((i + 1)) >"$dir/$name/node-key"
		"$node" key inspect-node-key --file "$dir/$name/node-key" >"$dir/$name/peer-id"
	done
}

start_one() {
	local name=$1 i others=() other j
	i=$(index_of "$name")
	if running "$name"; then
		echo "$name is already running (pid $(pid_of "$name"))"
		return
	fi
	for other in "${names[@]}"; do
		[[ "$other" == "$name" ]] && continue
		j=$(index_of "$other")
		others+=("/ip4/127.0.0.1/tcp/$((p2p_base + j))/p2p/$(cat "$dir/$other/peer-id")")
	done
	mkdir -p "$dir/logs"
	nohup "$node" --chain "$chain" "--$name" \
		--base-path "$dir/$name" \
		--node-key-file "$dir/$name/node-key" \
		--listen-addr "/ip4/127.0.0.1/tcp/$((p2p_base + i))" \
		--rpc-port "$((rpc_base + i))" \
		--prometheus-port "$((prom_base + i))" \
		--bootnodes "${others[@]}" \
		--no-mdns \
		>>"$dir/logs/$name.log" 2>&1 &
	echo $! >"$dir/$name/pid"
	echo "$name: started (pid $!), RPC ws://127.0.0.1:$((rpc_base + i)), p2p $((p2p_base + i)), log $dir/logs/$name.log"
}

stop_one() {
	local name=$1 pid waited=0
	index_of "$name" >/dev/null
	pid=$(pid_of "$name")
	if ! running "$name"; then
		echo "$name is not running"
		rm -f "$dir/$name/pid"
		return
	fi
	kill -TERM "$pid"
	while kill -0 "$pid" 2>/dev/null; do
		if (( waited >= 60 )); then
			echo "$name did not stop in 30 s; killing it"
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.5
		waited=$((waited + 1))
	done
	rm -f "$dir/$name/pid"
	echo "$name: stopped"
}

status() {
	local name i port finalized
	for name in "${names[@]}"; do
		i=$(index_of "$name")
		port=$((rpc_base + i))
		if running "$name"; then
			finalized=$(curl -s -m 5 -H 'Content-Type: application/json' \
				-d '{"jsonrpc":"2.0","id":1,"method":"chain_getFinalizedHead","params":[]}' \
				"http://127.0.0.1:$port" 2>/dev/null | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p')
			echo "$name: running (pid $(pid_of "$name")), best #$(block_number "$port" chain_getHeader), finalized #$(block_number "$port" chain_getHeader "[\"$finalized\"]"), RPC ws://127.0.0.1:$port"
		else
			echo "$name: stopped"
		fi
	done
}

command=${1:-}
shift || true
selected=("$@")
[[ ${#selected[@]} -gt 0 ]] || selected=("${names[@]}")
case "$command" in
start)
	need_node
	ensure_keys
	for name in "${selected[@]}"; do start_one "$name"; done
	;;
stop)
	for name in "${selected[@]}"; do stop_one "$name"; done
	;;
status) status ;;
purge)
	for name in "${names[@]}"; do stop_one "$name"; done
	rm -rf "$dir"
	echo "removed $dir"
	;;
*)
	sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac

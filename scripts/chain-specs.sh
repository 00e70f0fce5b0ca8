#!/usr/bin/env bash
# Regenerates chain-specs/ from the runtime's genesis presets: dev, local
# (4 validators) and staging (the public-network template), each plain
# (readable genesis patch) and raw (storage, what nodes load), with
# tokenSymbol MUSIC, tokenDecimals 12 and ss58Format 42 in the properties.
#
# Usage: scripts/chain-specs.sh   (builds the node first; the runtime wasm
# it embeds is the same optimised build in debug and release nodes, so the
# debug node that the tests keep built is used; MUSICCHAIN_NODE overrides)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
node=${MUSICCHAIN_NODE:-$CARGO_TARGET_DIR/debug/musicchain-node}
if [[ -z "${MUSICCHAIN_NODE:-}" ]]; then
	cargo build --locked -p musicchain-node
fi
mkdir -p chain-specs
for chain in dev local staging; do
	"$node" export-chain-spec --chain "$chain" >"chain-specs/$chain-plain.json"
	"$node" export-chain-spec --chain "$chain" --raw >"chain-specs/$chain-raw.json"
	echo "chain-specs/$chain-plain.json, chain-specs/$chain-raw.json"
done

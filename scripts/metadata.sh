#!/usr/bin/env bash
# Regenerates client/chain/metadata/musicchain.scale, the runtime metadata (V16)
# the client's chain code is generated from (subxt, at compile time), from
# the runtime crate itself, as the node builds it. node/tests/metadata.rs
# fails when the copy is stale; run this after changing a pallet's calls,
# storage, events or types, or their docs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
MUSICCHAIN_WRITE_METADATA=1 cargo test --locked -p musicchain-node --test metadata -- --nocapture

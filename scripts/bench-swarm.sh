#!/usr/bin/env bash
# Copies one 50 MB file over loopback with plain TCP and through the swarm
# (1 seeder, 3 seeders, 1 seeder over QUIC) and prints MB/s, the ratio to
# plain TCP and the time to the first verified piece. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
SKIP_WASM_BUILD=1 cargo bench --locked -p musicchain-swarm --bench swarm "$@"

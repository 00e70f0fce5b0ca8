#!/usr/bin/env bash
# Sets up the machine and runs every test of the default workspace members
# (primitives, pallets, client). The runtime's wasm is not needed for tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
export SKIP_WASM_BUILD=1
start=$(date +%s)
cargo test --locked 2>&1 | tee "${TMPDIR:-/tmp}/musicchain-test.log" || {
	echo "tests failed after $(( $(date +%s) - start )) s" >&2
	exit 1
}
echo "tests passed in $(( $(date +%s) - start )) s"

# Sourced by the scripts: one shared Cargo target directory for every
# checkout on this machine (CI reuses the developers' build).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/musicchain/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# The runtime's wasm build looks for Cargo.lock from the target directory,
# which is outside the checkout: point it at this checkout so the wasm is
# built with the locked versions.
export WASM_BUILD_WORKSPACE_HINT="${WASM_BUILD_WORKSPACE_HINT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

# Sourced by the scripts: one shared Cargo target directory for every
# checkout on this machine (CI reuses the developers' build).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/musicchain/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

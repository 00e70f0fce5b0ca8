#!/usr/bin/env bash
# Sets up the machine and runs the main job. Today that is the client's
# audio pipeline on generated demo music: make a folder of real encoded
# songs, add it to a fresh library, scan it (fingerprints, tags, pieces) and
# list the result. The dev chain joins this job when the node lands.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
cargo build --locked --release -p musicchain-client
bin="$CARGO_TARGET_DIR/release/musicchain"
demo="${MUSICCHAIN_DEMO_DIR:-$HOME/.cache/musicchain/demo}"
scripts/make-fixtures.sh "$demo/music"
export MUSICCHAIN_DATA_DIR="$demo/data"
"$bin" library add "$demo/music"
"$bin" library scan
"$bin" library list
echo
echo "The chain part (dev node, registering, playing, rewards) is not built yet; see README."

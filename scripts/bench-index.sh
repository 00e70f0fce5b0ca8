#!/usr/bin/env bash
# The fingerprint index at scale: fills the dedupe index (the same
# `musicchain_primitives::fingerprint::index` code the offchain worker and
# the `musicchain_matchFingerprint` RPC run) with up to a million songs and
# prints a table per size: query time (p50, p99), recall of re-encodes,
# false matches, index bytes per song, build time, and the offchain
# worker's time to judge one song.
#
# The songs are generated with the statistics of real Chromaprint output:
# the per-classifier transition rates of the fingerprints of real music
# (Battle for Wesnoth's soundtrack, GPL, 41 orchestral tracks of 5 s to
# 9 min, from Debian's wesnoth-1.16-music package), and re-encodes with
# the per-bit error rates measured between those tracks and their MP3 and
# Opus encodings. The real tracks and their real encodings are indexed and
# looked up too.
#
# Usage: scripts/bench-index.sh [SONGS ...]   (default: 10000 100000 1000000)
# Needs: apt-get (to download the package once; nothing is installed),
# ffmpeg. About 8 GB of memory at a million songs. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 100000 1000000)

music=${MUSICCHAIN_MUSIC_DIR:-$HOME/.cache/musicchain/music}
src=$music/wesnoth-extract/usr/share/games/wesnoth/1.16/data/core/music
if [[ ! -d $src ]]; then
	echo "== downloading Debian's wesnoth-1.16-music (153 MB, once) into $music"
	mkdir -p "$music"
	(cd "$music" && apt-get download wesnoth-1.16-music && dpkg-deb -x wesnoth-1.16-music_*.deb wesnoth-extract &&
		rm -f wesnoth-1.16-music_*.deb)
fi

echo "== building the client (for its fingerprints) and the benchmark"
SKIP_WASM_BUILD=1 cargo test --locked --features musicchain-runtime/runtime-benchmarks --tests --no-run -q
client=$CARGO_TARGET_DIR/debug/musicchain

# Real fingerprints: each track of 40 s or more as shipped (Vorbis), as a
# 128 kbit/s MP3 and as 64 kbit/s Opus. One line each: NAME ENCODING ITEMS.
real=$music/wesnoth-fingerprints.tsv
if [[ ! -s $real ]]; then
	echo "== fingerprinting the real music and its re-encodes"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	: >"$real.part"
	for f in "$src"/*.ogg; do
		name=$(basename "$f" .ogg)
		(($(printf %.0f "$(soxi -D "$f" 2>/dev/null || echo 0)") >= 40)) || continue
		ffmpeg -nostdin -hide_banner -loglevel error -y -i "$f" -b:a 128k "$tmp/$name.mp3"
		ffmpeg -nostdin -hide_banner -loglevel error -y -i "$f" -c:a libopus -b:a 64k "$tmp/$name.opus"
		for enc in ogg mp3 opus; do
			file=$f
			[[ $enc == ogg ]] || file=$tmp/$name.$enc
			items=$("$client" fingerprint -raw "$file" | sed -n 's/^FINGERPRINT=//p')
			printf '%s\t%s\t%s\n' "$name" "$enc" "$items" >>"$real.part"
		done
	done
	mv "$real.part" "$real"
fi
echo "== $(cut -f1 "$real" | sort -u | wc -l) real tracks, $(wc -l <"$real") fingerprints ($real)"

MUSICCHAIN_REAL_FINGERPRINTS=$real SKIP_WASM_BUILD=1 \
	cargo bench --locked -p musicchain-primitives --bench index -- "${sizes[@]}"

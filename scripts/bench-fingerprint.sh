#!/usr/bin/env bash
# Fingerprint throughput of the musicchain client against fpcalc (Chromaprint's
# reference tool), on the same generated files, in one run.
#
#  1. CPU cost: every file fingerprinted once by `musicchain fingerprint` and
#     once by `fpcalc -length 120` (one process per file for both: fpcalc
#     1.5.1 stops at the first file that ends with its "End of file" error),
#     reported as audio-seconds fingerprinted per CPU second (user + sys).
#  2. Wall clock: a full `musicchain library` scan of the files (decode,
#     fingerprint, tags, SHA-256 of file and pieces; all cores) against a
#     sequential fpcalc loop over the same files.
#
# Usage: scripts/bench-fingerprint.sh [ROUNDS]   (copies of the fixture set, default 3)
# Needs: ffmpeg, fpcalc (libchromaprint-tools), cargo. Builds the client in release.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
target=${CARGO_TARGET_DIR:-$root/target}
command -v fpcalc >/dev/null || { echo "bench-fingerprint: fpcalc not found (apt-get install libchromaprint-tools)" >&2; exit 1; }

echo "building musicchain (release)..."
cargo build --release -p musicchain-cli --manifest-path "$root/Cargo.toml" >&2
bin="$target/release/musicchain"

fixtures="$target/bench-fixtures"
"$root/scripts/make-fixtures.sh" "$fixtures"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/music"
for r in $(seq 1 "$rounds"); do
	mkdir -p "$work/music/$r"
	cp "$fixtures"/good/* "$fixtures"/other/* "$fixtures"/long/* "$work/music/$r/"
done
mapfile -t files < <(find "$work/music" -type f | sort)
bytes=$(du -cb "${files[@]}" | tail -1 | cut -f1)

# Audio seconds each tool fingerprints: min(duration, 120) per file.
audio=0
for f in "${files[@]}"; do
	d=$(fpcalc -length 120 "$f" 2>/dev/null | sed -n 's/^DURATION=//p' || true)
	d=${d:-0}
	audio=$((audio + (d < 120 ? d : 120)))
done
cores=$(nproc)
echo "files: ${#files[@]} ($((bytes / 1024 / 1024)) MiB), audio fingerprinted: ${audio} s, cores: $cores"

# cpu_seconds CMD...: user+sys CPU seconds of CMD (and its children).
cpu_seconds() {
	local out
	# fpcalc exits non-zero after a complete fingerprint; GNU time then adds a
	# "Command exited" line before the figures.
	/usr/bin/time -f '%U %S' -o "$work/time" "$@" >/dev/null 2>&1 || true
	out=$(tail -1 "$work/time")
	awk -v a="${out% *}" -v b="${out#* }" 'BEGIN { printf "%.3f", a + b }'
}
sum_cpu() { # TOOL: total CPU seconds over every file, one process per file
	local total=0 s
	for f in "${files[@]}"; do
		if [[ $1 == ours ]]; then s=$(cpu_seconds "$bin" fingerprint "$f"); else s=$(cpu_seconds fpcalc -length 120 "$f"); fi
		total=$(awk -v t="$total" -v s="$s" 'BEGIN { printf "%.3f", t + s }')
	done
	echo "$total"
}
now() { date +%s.%N; }

echo
echo "== CPU: one process per file, sequential"
ours_cpu=$(sum_cpu ours)
fp_cpu=$(sum_cpu fpcalc)
awk -v a="$audio" -v o="$ours_cpu" -v f="$fp_cpu" 'BEGIN {
	printf "musicchain fingerprint: %8.3f CPU s  %8.1f audio-s per CPU-s\n", o, a / o
	printf "fpcalc:                 %8.3f CPU s  %8.1f audio-s per CPU-s\n", f, a / f
	printf "ratio (musicchain / fpcalc, per CPU second): %.2fx\n", f / o
}'

echo
echo "== Wall clock: library scan on all cores vs sequential fpcalc loop"
t0=$(now)
"$bin" --data-dir "$work/data" library add "$work/music" --no-progress >"$work/scan.out" 2>&1
t1=$(now)
for f in "${files[@]}"; do fpcalc -length 120 "$f" >/dev/null 2>&1 || true; done
t2=$(now)
tail -1 "$work/scan.out"
awk -v a="$audio" -v s0="$t0" -v s1="$t1" -v s2="$t2" 'BEGIN {
	scan = s1 - s0; loop = s2 - s1
	printf "musicchain library scan: %7.2f s wall  %8.1f audio-s per s\n", scan, a / scan
	printf "fpcalc sequential loop:  %7.2f s wall  %8.1f audio-s per s\n", loop, a / loop
	printf "ratio (scan / fpcalc loop, wall clock): %.2fx\n", loop / scan
}'

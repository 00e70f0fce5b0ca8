#!/usr/bin/env bash
# Fingerprint speed of the musicchain client against fpcalc (Chromaprint's
# reference tool), on real music of real length in every container
# (scripts/make-real-music.sh: 3-4 minute orchestral tracks as mp3, ogg,
# flac, m4a, aac, opus, wav, aiff, wma, mka, alac and ape).
#
#  1. CPU, per container: every file fingerprinted by `musicchain
#     fingerprint FILE` and by `fpcalc -length 120 FILE`, one process per
#     file for both (as a user runs them); user + sys CPU seconds, the best
#     of ROUNDS runs of each file, summed over the container's files.
#  2. Agreement with fpcalc per container (the ignored test
#     `real_music_agrees_with_fpcalc_in_every_container`).
#  3. Wall clock: a `musicchain library` scan of all the files (decode,
#     fingerprint, tags, SHA-256 of file and pieces; every core) against
#     fpcalc over the same files, one after another and on every core.
#
# fpcalc 1.5.1 (Debian 12) does not fingerprint APE files whole: it keeps
# one of the ~16 frames FFmpeg's APE decoder makes of a packet, so it
# decodes and analyses about a sixteenth of the audio. Its APE row is shown
# as measured, with that said, and beside it what FFmpeg's APE decoder alone
# takes on the same audio (what fpcalc would need at least, done whole).
#
# Usage: scripts/bench-fingerprint.sh [ROUNDS]   (default 3)
# Needs: ffmpeg, fpcalc (libchromaprint-tools), GNU time, cargo. Builds the
# client in release.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
source "$root/scripts/env.sh"
target=$CARGO_TARGET_DIR
command -v fpcalc >/dev/null || { echo "bench-fingerprint: fpcalc not found (apt-get install libchromaprint-tools)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench-fingerprint: GNU time not found (apt-get install time)" >&2; exit 1; }

echo "building musicchain (release)..."
SKIP_WASM_BUILD=1 cargo build --locked --release -p musicchain-cli --manifest-path "$root/Cargo.toml" >&2
bin="$target/release/musicchain"
music=$("$root/scripts/make-real-music.sh")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# container FILE: the row a file belongs to.
container() {
	case $1 in
	*.alac.m4a) echo alac ;;
	*) echo "${1##*.}" ;;
	esac
}
# cpu_seconds CMD...: user+sys CPU seconds of CMD.
cpu_seconds() {
	# fpcalc exits non-zero after a complete fingerprint of a file shorter
	# than -length; GNU time then adds a "Command exited" line first.
	/usr/bin/time -f '%U %S' -o "$work/time" "$@" >/dev/null 2>&1 || true
	tail -1 "$work/time" | awk '{ printf "%.3f", $1 + $2 }'
}
best_of() { # ROUNDS CMD...: the least CPU seconds of ROUNDS runs
	local n=$1 best="" s
	shift
	for _ in $(seq 1 "$n"); do
		s=$(cpu_seconds "$@")
		best=$(awk -v b="$best" -v s="$s" 'BEGIN { print (b == "" || s < b) ? s : b }')
	done
	echo "$best"
}

mapfile -t files < <(find "$music" -maxdepth 1 -type f ! -name '.*' | sort)
audio_of() { # FILE: seconds fingerprinted, min(duration, 120)
	local d
	d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$1" | cut -d. -f1)
	echo $((d < 120 ? d : 120))
}
echo "files: ${#files[@]} in $music; cores: $(nproc); rounds: $rounds (best of)"
echo
echo "== CPU seconds, one process per file"
printf "%-10s %5s %9s %12s %12s %10s\n" container files audio-s musicchain fpcalc "x fpcalc"
declare -A ours theirs count audio
for f in "${files[@]}"; do
	c=$(container "$f")
	o=$(best_of "$rounds" "$bin" fingerprint "$f")
	t=$(best_of "$rounds" fpcalc -length 120 "$f")
	ours[$c]=$(awk -v a="${ours[$c]:-0}" -v b="$o" 'BEGIN { print a + b }')
	theirs[$c]=$(awk -v a="${theirs[$c]:-0}" -v b="$t" 'BEGIN { print a + b }')
	count[$c]=$((${count[$c]:-0} + 1))
	audio[$c]=$((${audio[$c]:-0} + $(audio_of "$f")))
done
total_o=0 total_t=0
for c in $(printf '%s\n' "${!count[@]}" | sort); do
	note=""
	[[ $c == ape ]] && note="  (fpcalc analyses ~1/16 of an APE file: see above)"
	awk -v c="$c" -v n="${count[$c]}" -v a="${audio[$c]}" -v o="${ours[$c]}" -v t="${theirs[$c]}" -v note="$note" \
		'BEGIN { printf "%-10s %5d %9d %12.3f %12.3f %9.2fx%s\n", c, n, a, o, t, t / o, note }'
	if [[ $c != ape ]]; then
		total_o=$(awk -v a="$total_o" -v b="${ours[$c]}" 'BEGIN { print a + b }')
		total_t=$(awk -v a="$total_t" -v b="${theirs[$c]}" 'BEGIN { print a + b }')
	fi
done
awk -v o="$total_o" -v t="$total_t" \
	'BEGIN { printf "%-10s %5s %9s %12.3f %12.3f %9.2fx\n", "all but ape", "", "", o, t, t / o }'
if [[ -n ${count[ape]:-} ]]; then
	# What fpcalc would take, at least, to analyse APE whole: FFmpeg's decode
	# of the same 120 s alone (the ffmpeg program, its output thrown away).
	decode=0
	for f in "${files[@]}"; do
		[[ $(container "$f") == ape ]] || continue
		d=$(best_of "$rounds" ffmpeg -nostdin -v error -threads 1 -t 120 -i "$f" -f null -)
		decode=$(awk -v a="$decode" -v b="$d" 'BEGIN { print a + b }')
	done
	awk -v o="${ours[ape]}" -v d="$decode" \
		'BEGIN { printf "ape: FFmpeg decoding the same audio alone (ffmpeg -t 120 -f null): %.3f s; musicchain is %.2fx that\n", d, d / o }'
fi

echo
echo "== agreement with fpcalc (similarity at the best alignment; APE against fpcalc of its WAV decode)"
MUSICCHAIN_REAL_MUSIC=$music SKIP_WASM_BUILD=1 cargo test --locked -q --manifest-path "$root/Cargo.toml" \
	-p musicchain-audio --test fpcalc -- --ignored --nocapture real_music 2>/dev/null |
	awk '/^container/ { table = 1; print; next } table && !/^[a-z0-9]+ +[0-9]/ { exit } table'

echo
echo "== wall clock: library scan on every core vs fpcalc"
now() { date +%s.%N; }
t0=$(now)
/usr/bin/time -f '%P' -o "$work/cpu" "$bin" --data-dir "$work/data" library add "$music" --offline --no-progress >"$work/scan.out" 2>&1 || true
t1=$(now)
for f in "${files[@]}"; do fpcalc -length 120 "$f" >/dev/null 2>&1 || true; done
t2=$(now)
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 1 fpcalc -length 120 >/dev/null 2>&1 || true
t3=$(now)
head -1 "$work/scan.out"
awk -v s0="$t0" -v s1="$t1" -v s2="$t2" -v s3="$t3" -v cpu="$(tail -1 "$work/cpu")" 'BEGIN {
	scan = s1 - s0; loop = s2 - s1; par = s3 - s2
	printf "musicchain library scan:      %7.2f s wall (%s of one core)\n", scan, cpu
	printf "fpcalc, one after another:    %7.2f s wall  (%.2fx the scan)\n", loop, loop / scan
	printf "fpcalc, one per core at once: %7.2f s wall  (%.2fx the scan)\n", par, par / scan
}'

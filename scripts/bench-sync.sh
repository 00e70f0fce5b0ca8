#!/usr/bin/env bash
# Library sync at scale, on a fresh development chain: how long `musicchain
# library sync` takes for N new files of distinct recordings (registered by
# Alice), then for N re-encodes of those recordings in another listener's
# library (Bob's MP3s, claimed and folded into Alice's songs by the dedupe
# verdicts), then for N re-encodes of her own songs in Alice's library
# (added to them as variants). Prints one line per sync with its wall time
# and what it did, and checks that every file ended in the right song.
#
# Usage: scripts/bench-sync.sh [N ...]            (default: 100 1000)
# MUSICCHAIN_BIN_DIR: take musicchain and musicchain-node from there instead
# of building them (to time an older build).
# The music (32 s generated recordings, FLAC and MP3) is made once under
# $CARGO_TARGET_DIR/tmp/bench-sync/music; nothing is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(100 1000)
max=0
for n in "${sizes[@]}"; do ((n > max)) && max=$n; done

if [[ -n "${MUSICCHAIN_BIN_DIR:-}" ]]; then
	bin=$MUSICCHAIN_BIN_DIR
else
	echo "== building the node and the client (debug, as scripts/test.sh builds them)"
	cargo test --locked -p musicchain-node --no-run
	SKIP_WASM_BUILD=1 cargo test --locked --features musicchain-runtime/runtime-benchmarks --tests --no-run
	bin=$CARGO_TARGET_DIR/debug
fi
work=$CARGO_TARGET_DIR/tmp/bench-sync
music=$work/music
mkdir -p "$music/flac" "$music/mp3"

# Recording I: 64 notes of 0.5 s, each a random pitch and timbre from the
# seed I, so that no two recordings sound alike.
make_recording() {
	local i=$1 out=$2 chain=() n
	RANDOM=$i
	local voices=(sine pluck square triangle)
	for ((n = 0; n < 64; n++)); do
		((n > 0)) && chain+=(:)
		chain+=(synth 0.5 "${voices[RANDOM % 4]}" $((110 + RANDOM % 1650)))
	done
	sox -n -r 22050 -c 1 "$out.tmp.flac" "${chain[@]}" 2>/dev/null
	ffmpeg -nostdin -hide_banner -loglevel error -y -i "$out.tmp.flac" \
		-metadata title="Recording $i" -metadata artist="Bench Artist $((i / 10))" \
		-metadata album="Bench Album $((i / 10))" "$out"
	rm -f "$out.tmp.flac"
}
made=0
for ((i = 0; i < max; i++)); do
	f=$music/flac/$(printf %05d "$i").flac
	if [[ ! -f $f ]]; then
		make_recording "$i" "$f"
		((made += 1))
	fi
	m=$music/mp3/$(printf %05d "$i").mp3
	[[ -f $m ]] || ffmpeg -nostdin -hide_banner -loglevel error -y -i "$f" -b:a 128k "$m"
	if ((i % 100 == 99)); then echo "   music: $((i + 1))/$max recordings"; fi
done
((made == 0)) || echo "== made $made recordings in $music"

export MUSICCHAIN_KEYRING=off MUSICCHAIN_PASSWORD=bench-password
port=9977
node_pid=
stop_node() { [[ -z $node_pid ]] || { kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; }; node_pid=; }
trap stop_node EXIT

# Runs `library sync` for the client data dir $1, prints the wall time and
# the summary line; the output is kept in $1.log.
timed_sync() { # DATA_DIR WHAT
	local dir=$1 what=$2 start end
	start=$(date +%s.%N)
	"$bin/musicchain" --data-dir "$dir" --node "ws://127.0.0.1:$port" library sync \
		>"$dir.log" 2>&1 || true
	end=$(date +%s.%N)
	printf '%-40s %8.1f s   %s\n' "$what" "$(echo "$end - $start" | bc)" \
		"$(grep -E '^[0-9]+ files:' "$dir.log" | tail -1)"
}

for n in "${sizes[@]}"; do
	run=$work/run-$n
	rm -rf "$run"
	mkdir -p "$run/alice-new" "$run/bob-re" "$run/alice-re"
	for ((i = 0; i < n; i++)); do
		name=$(printf %05d "$i")
		ln "$music/flac/$name.flac" "$run/alice-new/"
		ln "$music/mp3/$name.mp3" "$run/bob-re/"
		# Alice's own re-encodes differ from Bob's files (another bitrate).
		ffmpeg -nostdin -hide_banner -loglevel error -y -i "$music/flac/$name.flac" -b:a 96k \
			"$run/alice-re/$name-own.mp3"
	done

	"$bin/musicchain-node" --dev --tmp --rpc-port $port --port 30377 --no-prometheus \
		>"$run/node.log" 2>&1 &
	node_pid=$!
	for _ in $(seq 120); do grep -q "Imported #1" "$run/node.log" && break; sleep 1; done
	grep -q "Imported #1" "$run/node.log" || { echo "no block after 120 s; see $run/node.log" >&2; exit 1; }

	for who in alice bob; do
		uri="//Alice"
		[[ $who == bob ]] && uri="//Bob"
		echo "$uri" | "$bin/musicchain" --data-dir "$run/$who" wallet import --uri >/dev/null 2>&1
	done
	"$bin/musicchain" --data-dir "$run/alice" library add "$run/alice-new" --offline --no-progress >/dev/null 2>&1
	"$bin/musicchain" --data-dir "$run/bob" library add "$run/bob-re" --offline --no-progress >/dev/null 2>&1

	echo "== $n files (node log: $run/node.log)"
	timed_sync "$run/alice" "$n new recordings (Alice registers)"
	timed_sync "$run/bob" "$n re-encodes (Bob's, claimed)"
	"$bin/musicchain" --data-dir "$run/alice" library add "$run/alice-re" --offline --no-progress >/dev/null 2>&1
	timed_sync "$run/alice" "$n + $n own re-encodes (Alice adds)"

	# Every file must now be in one of Alice's N songs: Bob's once the
	# verdicts folded them (wait for them), Alice's at once.
	for _ in $(seq 120); do
		"$bin/musicchain" --data-dir "$run/bob" --node "ws://127.0.0.1:$port" library sync --all \
			>"$run/bob-check.log" 2>&1 || true
		grep -qE "^$n files: $n already on chain" "$run/bob-check.log" && break
		sleep 6
	done
	songs=$(grep -oE '^song +[0-9]+' "$run/bob-check.log" | awk '{print $2}' | sort -u | wc -l)
	echo "   check: $(grep -E '^[0-9]+ files:' "$run/bob-check.log" | tail -1); Bob's files are in $songs songs (want $n)"
	stop_node
done

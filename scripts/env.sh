# Sourced by the scripts: one shared Cargo target directory for every
# checkout on this machine (CI reuses the developers' build).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/musicchain/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# FFmpeg's WMA and APE decoders, built once by scripts/build-ffmpeg.sh and
# linked into the client (ffmpeg-sys-next reads FFMPEG_DIR).
export FFMPEG_DIR="${FFMPEG_DIR:-$HOME/.cache/musicchain/ffmpeg}"
if [[ ! -f $FFMPEG_DIR/lib/libavformat.a && -z ${MUSICCHAIN_BUILDING_FFMPEG:-} ]]; then
	echo "env: $FFMPEG_DIR holds no FFmpeg build yet (the client's WMA and APE decoders): run scripts/setup.sh once" >&2
fi
# The runtime's wasm build looks for Cargo.lock from the target directory,
# which is outside the checkout: point it at this checkout so the wasm is
# built with the locked versions.
export WASM_BUILD_WORKSPACE_HINT="${WASM_BUILD_WORKSPACE_HINT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

# The number in a JSON-RPC header answer of the node on 127.0.0.1:PORT, or
# "?" when it does not answer (yet).
block_number() { # PORT METHOD [PARAMS]
	local port=$1 method=$2 params=${3:-[]} out
	out=$(curl -s -m 5 -H 'Content-Type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$method\",\"params\":$params}" \
		"http://127.0.0.1:$port" 2>/dev/null) || { echo "?"; return 0; }
	echo "$out" | sed -n 's/.*"number":"0x\([0-9a-fA-F]*\)".*/\1/p' |
		{ read -r hex && echo $((16#$hex)) || echo "?"; }
}

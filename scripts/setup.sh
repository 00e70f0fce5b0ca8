#!/usr/bin/env bash
# Installs what building and testing musicchain needs on a Debian machine,
# skipping whatever is already there. Safe to run again.
set -euo pipefail

packages=(
	build-essential pkg-config clang libclang-dev protobuf-compiler # node build
	ffmpeg sox lame libchromaprint-tools libopus-dev time           # audio fixtures (lame: dual-channel MP3), fpcalc, opus, GNU time (benchmarks)
	nasm xz-utils                                                  # WMA and APE: FFmpeg's decoders, built from Debian's source (scripts/build-ffmpeg.sh)
	curl                                                           # JSON-RPC from the scripts (local-network status, node benchmark)
	libasound2-dev                                                 # the player's audio device (ALSA)
	dbus-daemon dbus-bin gnome-keyring libsecret-tools             # the wallet's OS keyring (Secret Service), tested on a private session bus
	chromium chromium-driver xdg-utils                             # the player app's browser tests (headless, WebDriver); opening its page
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
	echo "setup: cargo not found. Install the stable Rust toolchain with rustup (https://rustup.rs) and run again." >&2
	exit 1
fi
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx wasm32v1-none; then
	echo "setup: adding the wasm32v1-none target"
	rustup target add wasm32v1-none
fi
"$(dirname "$0")/build-ffmpeg.sh"

#!/usr/bin/env bash
# Builds the FFmpeg the client decodes WMA and APE with: Debian's FFmpeg
# source (the version its packages carry, with its security fixes), with
# nothing but the ASF and APE demuxers and the WMA (v1, v2, Pro, Lossless)
# and Monkey's Audio decoders, as static libraries the client links in
# (ffmpeg-sys-next, through $FFMPEG_DIR; scripts/env.sh sets it).
#
# Why not Debian's own libraries: they pull in ~130 libraries (x265, gnutls,
# Blu-ray, ...), 25-30 ms of CPU to load in every process that opens a WMA or
# APE file, a third of fingerprinting a WMA track; and the client would need
# them installed.
#
# Usage: scripts/build-ffmpeg.sh   (run by scripts/setup.sh; nothing to do
# when $FFMPEG_DIR already holds this build). Needs apt's source packages
# (a deb-src entry is added for Debian's archive when missing), nasm, a C
# compiler. About a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
MUSICCHAIN_BUILDING_FFMPEG=1 source scripts/env.sh

# The build's settings; change `version` with them so every machine rebuilds.
version=1
decoders=wmav1,wmav2,wmapro,wmalossless,ape
demuxers=asf,ape
stamp="$FFMPEG_DIR/.musicchain-ffmpeg-v$version"
[[ -f $stamp ]] && exit 0
if [[ $FFMPEG_DIR != "$HOME/.cache/musicchain/ffmpeg" ]]; then
	# Somebody's own FFmpeg build: used as it is, never replaced.
	[[ -f $FFMPEG_DIR/lib/libavformat.a ]] && exit 0
	echo "build-ffmpeg: FFMPEG_DIR=$FFMPEG_DIR holds no static FFmpeg (lib/libavformat.a); unset it to have this script build one into ~/.cache/musicchain/ffmpeg" >&2
	exit 1
fi

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
src=$HOME/.cache/musicchain/ffmpeg-src
mkdir -p "$src"
if ! ls "$src"/ffmpeg_*.orig.tar.xz >/dev/null 2>&1; then
	if ! apt-get source --download-only --print-uris ffmpeg >/dev/null 2>&1; then
		# Debian's archive, as the machine's own entries name it, for sources.
		list=/etc/apt/sources.list.d/musicchain-deb-src.sources
		echo "build-ffmpeg: adding Debian's source packages to apt ($list)"
		if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
			sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | $SUDO tee "$list" >/dev/null
		else
			grep -h '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
				$SUDO tee "${list%.sources}.list" >/dev/null
		fi
		$SUDO apt-get update -qq
	fi
	echo "build-ffmpeg: downloading Debian's FFmpeg source (10 MB, once) into $src"
	(cd "$src" && apt-get -qq source --download-only ffmpeg 2>&1 | grep -v "^W: Download is performed unsandboxed" >&2) || true
	ls "$src"/ffmpeg_*.orig.tar.xz >/dev/null 2>&1 ||
		{ echo "build-ffmpeg: apt-get could not download FFmpeg's source" >&2; exit 1; }
fi
tarball=$(ls "$src"/ffmpeg_*.orig.tar.xz | sort -V | tail -1)
command -v nasm >/dev/null || { echo "build-ffmpeg: nasm not found (apt-get install nasm)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/musicchain-ffmpeg.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/build.log
tar -xf "$tarball" -C "$work" --strip-components=1
start=$(date +%s)
echo "build-ffmpeg: building $(basename "$tarball" .orig.tar.xz)'s WMA and APE decoders into $FFMPEG_DIR (once, about a minute)"
rm -rf "$FFMPEG_DIR"
(
	cd "$work"
	./configure --prefix="$FFMPEG_DIR" \
		--disable-everything --disable-autodetect --disable-programs --disable-doc \
		--disable-network --disable-avdevice --disable-avfilter --disable-swscale \
		--disable-swresample --disable-postproc --disable-debug \
		--enable-decoder="$decoders" --enable-demuxer="$demuxers" \
		--enable-static --disable-shared --enable-pic
	make -j"$(nproc)"
	make install
) >"$log" 2>&1 || {
	tail -30 "$log" >&2
	echo "build-ffmpeg: building FFmpeg failed (the log's end is above)" >&2
	exit 1
}
touch "$stamp"
echo "build-ffmpeg: done in $(($(date +%s) - start)) s"

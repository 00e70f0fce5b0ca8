#!/usr/bin/env bash
# Real music of real length in every container, for the benchmarks (never
# for the tests: it is downloaded once, not generated).
#
# The source is Debian's wesnoth-1.16-music package (GPL-2+, orchestral
# tracks by several composers), fetched once with `apt-get download` (nothing
# is installed). It has 18 tracks of 3 to 5 minutes; every third of them (6
# tracks of 211 to 246 s) is encoded, from the original
# Ogg Vorbis, as: mp3 (LAME 192k), ogg (the original), flac, m4a (AAC 192k),
# aac (ADTS 192k), opus (128k), wav, aiff, wma (WMA v2 192k), mka (FLAC in
# Matroska), alac (ALAC in m4a) and ape (Monkey's Audio, level 2000).
#
# APE needs a Monkey's Audio encoder: the SDK's `mac` on the PATH or at
# ~/.cache/musicchain/bin/mac (see client/testkit/fixtures/README.md), or
# else JMAC, its Java port (Debian: apt-get install libjmac-java, with a
# Java runtime); without either, APE is left out and said so.
#
# Usage: scripts/make-real-music.sh [OUTDIR]   (default ~/.cache/musicchain/music/real)
# Prints the folder. Re-running with a complete OUTDIR does nothing.
set -euo pipefail

music=${MUSICCHAIN_MUSIC_DIR:-$HOME/.cache/musicchain/music}
out=${1:-$music/real}
version=1
src=$music/wesnoth-extract/usr/share/games/wesnoth/1.16/data/core/music
mac=$(command -v mac || echo "$HOME/.cache/musicchain/bin/mac")
jmac=/usr/share/java/jmac.jar
if [[ -x $mac ]]; then
	ape() { "$mac" "$1" "$2" -c2000; } # level 2000: "normal"
elif [[ -f $jmac ]] && command -v java >/dev/null; then
	mac=$jmac
	ape() { java -jar "$jmac" c2 "$1" "$2"; } # c2: "normal", level 2000
else
	mac=""
fi
stamp="$out/.real-v$version${mac:+-ape}"
if [[ -f $stamp ]]; then
	echo "$out"
	exit 0
fi
for tool in ffmpeg ffprobe; do
	command -v $tool >/dev/null || { echo "make-real-music: $tool not found (apt-get install ffmpeg)" >&2; exit 1; }
done
if [[ ! -d $src ]]; then
	echo "make-real-music: downloading Debian's wesnoth-1.16-music (153 MB, once) into $music" >&2
	mkdir -p "$music"
	(cd "$music" && apt-get download wesnoth-1.16-music >&2 &&
		dpkg-deb -x wesnoth-1.16-music_*.deb wesnoth-extract && rm -f wesnoth-1.16-music_*.deb)
fi

mkdir -p "$out"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y -threads 1 "$@"; }
n=0
seen=0
for track in "$src"/*.ogg; do
	seconds=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$track" | cut -d. -f1)
	((seconds >= 180 && seconds <= 300)) || continue
	seen=$((seen + 1))
	(((seen - 1) % 3 == 0)) || continue
	name=$(basename "$track" .ogg)
	n=$((n + 1))
	echo "make-real-music: $name ($seconds s)" >&2
	get() { ffprobe -v error -show_entries stream_tags="$1" -of default=nw=1:nk=1 "$track"; }
	tags=(-map 0:a:0 -map_metadata -1 -metadata "title=$(get TITLE)" -metadata "artist=$(get ARTIST)"
		-metadata "album=$(get ALBUM)")
	cd44=(-ar 44100 -ac 2)
	cp -f "$track" "$out/$name.ogg"
	ff -i "$track" "${tags[@]}" "${cd44[@]}" -c:a pcm_s16le "$out/$name.wav"
	ff -i "$track" "${tags[@]}" "${cd44[@]}" -c:a libmp3lame -b:a 192k "$out/$name.mp3"
	ff -i "$track" "${tags[@]}" "${cd44[@]}" -c:a flac -sample_fmt s16 "$out/$name.flac"
	ff -i "$track" "${tags[@]}" "${cd44[@]}" -c:a aac -b:a 192k "$out/$name.m4a"
	ff -i "$track" "${tags[@]}" "${cd44[@]}" -c:a aac -b:a 192k -f adts "$out/$name.aac"
	ff -i "$track" "${tags[@]}" -ac 2 -c:a libopus -b:a 128k "$out/$name.opus"
	ff -i "$track" "${tags[@]}" "${cd44[@]}" -c:a pcm_s16be -write_id3v2 1 "$out/$name.aiff"
	ff -i "$track" "${tags[@]}" "${cd44[@]}" -c:a wmav2 -b:a 192k "$out/$name.wma"
	ff -i "$track" "${tags[@]}" "${cd44[@]}" -c:a flac -sample_fmt s16 "$out/$name.mka"
	# From the WAV: some of these Oggs start before zero, and an MP4 made from
	# them drops those samples.
	ff -i "$out/$name.wav" "${tags[@]}" -c:a alac -sample_fmt s16p "$out/$name.alac.m4a"
	if [[ -n $mac ]]; then
		ape "$out/$name.wav" "$out/$name.ape" >/dev/null 2>&1 ||
			{ echo "make-real-music: $mac could not encode $name.wav to APE" >&2; exit 1; }
	fi
done
if [[ -z $mac ]]; then
	echo "make-real-music: APE left out: no Monkey's Audio encoder (mac on the PATH or at ~/.cache/musicchain/bin/mac, or JMAC: apt-get install libjmac-java)" >&2
fi
echo "make-real-music: $n tracks of 3-5 minutes in $out" >&2
touch "$stamp"
echo "$out"

#!/usr/bin/env bash
# Generates the audio fixtures used by the client tests, the fingerprint
# benchmark and the demo library: two distinct 32-33 s musical signals (the
# chain takes songs of 30 s and longer) encoded
# in every container the client supports (several bitrates), a third (the
# next track of the first one's album) as FLAC and MP3, plus the bad-input
# cases.
#
# Usage: scripts/make-fixtures.sh OUTDIR
# Needs: ffmpeg (with libmp3lame, libvorbis, libopus, aac, flac encoders),
# lame (a dual-channel MP3, which FFmpeg's libmp3lame cannot make).
# Nothing is fetched from the network. Re-running with a complete OUTDIR is a
# no-op (the stamp file records the script version).
set -euo pipefail

out=${1:?usage: make-fixtures.sh OUTDIR}
version=10
stamp="$out/.fixtures-v$version"
if [[ -f "$stamp" ]]; then
	exit 0
fi
command -v ffmpeg >/dev/null || { echo "make-fixtures: ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }
command -v lame >/dev/null || { echo "make-fixtures: lame not found (apt-get install lame)" >&2; exit 1; }

tmp="$out/.tmp"
rm -rf "$out/good" "$out/other" "$out/album" "$out/bad" "$out/long" "$out/split" "$tmp"
mkdir -p "$out/good" "$out/other" "$out/album" "$out/bad" "$out/long" "$out/split" "$tmp"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

# Source A, 32 s: a melody (cycle of fifths with a slow drift) over a bass
# voice, with noise hits on every half beat. Source B, 33 s: a different note
# sequence, square-ish timbre, triplet rhythm, another key.
srcA="$tmp/a.wav"
srcB="$tmp/b.wav"
ff -f lavfi -i "aevalsrc=exprs='0.35*sin(2*PI*t*220*pow(2,mod(floor(t*4)*7+floor(t/3)*5,24)/12))+0.25*sin(2*PI*t*55*pow(2,mod(floor(t/2)*5,12)/12))+0.2*(random(0)-0.5)*lt(mod(t,0.5),0.06)|0.35*sin(2*PI*t*220*pow(2,mod(floor(t*4)*7+floor(t/3)*5,24)/12))+0.25*sin(2*PI*t*82.4*pow(2,mod(floor(t/2)*5,12)/12))+0.2*(random(1)-0.5)*lt(mod(t,0.5),0.06)':s=44100:d=32" -c:a pcm_s16le "$srcA"
ff -f lavfi -i "aevalsrc=exprs='0.3*tanh(4*sin(2*PI*t*311*pow(2,mod(floor(t*3)*5+floor(t*3)*floor(t*3)*3,19)/12)))+0.2*sin(2*PI*t*98*pow(2,mod(floor(t*0.75)*3,10)/12))+0.25*(random(0)-0.5)*lt(mod(t,1/3),0.04)':s=48000:d=33" -ac 2 -c:a pcm_s16le "$srcB"

# Source C, 31 s: an arpeggio over a slow bass, the next track of A's album.
srcC="$tmp/c.wav"
ff -f lavfi -i "aevalsrc=exprs='0.3*sin(2*PI*t*440*pow(2,mod(floor(t*2)*4,12)/12))*(0.6+0.4*sin(2*PI*t*0.5))+0.2*sin(2*PI*t*130.8*pow(2,mod(floor(t/4)*7,12)/12))+0.15*(random(2)-0.5)*lt(mod(t,0.25),0.03)':s=44100:d=31" -ac 2 -c:a pcm_s16le "$srcC"

meta=(-metadata title="Fixture Song" -metadata artist="The Generators" -metadata album="Synthetic Sessions"
	-metadata genre="Electronic" -metadata date=2024 -metadata track=3)
metaB=(-metadata title="Other Song" -metadata artist="Noise Makers" -metadata album="Second Album"
	-metadata genre="Ambient" -metadata date=2021 -metadata track=7)

encode() { # SRC DIR NAME-PREFIX META...
	local src=$1 dir=$2 p=$3
	shift 3
	ff -i "$src" "$@" -c:a pcm_s16le "$dir/$p.wav"
	ff -i "$src" "$@" -c:a pcm_s16be -write_id3v2 1 "$dir/$p.aiff"
	ff -i "$src" "$@" -c:a flac "$dir/$p.flac"
	ff -i "$src" "$@" -c:a libmp3lame -b:a 320k "$dir/$p-320k.mp3"
	ff -i "$src" "$@" -c:a libmp3lame -b:a 128k "$dir/$p-128k.mp3"
	ff -i "$src" "$@" -c:a libmp3lame -q:a 6 -ac 1 -ar 22050 "$dir/$p-vbr-mono.mp3"
	ff -i "$src" "$@" -c:a libvorbis -q:a 6 "$dir/$p-q6.ogg"
	ff -i "$src" "$@" -c:a libvorbis -q:a 1 "$dir/$p-q1.ogg"
	ff -i "$src" "$@" -c:a aac -b:a 192k "$dir/$p-192k.m4a"
	ff -i "$src" "$@" -c:a aac -b:a 64k "$dir/$p-64k.m4a"
	ff -i "$src" -c:a aac -b:a 128k -f adts "$dir/$p-128k.aac"
	ff -i "$src" "$@" -c:a libvorbis -q:a 4 "$dir/$p-vorbis.mka"
	ff -i "$src" "$@" -c:a libopus -b:a 128k "$dir/$p-opus.mka"
	ff -i "$src" "$@" -c:a libopus -b:a 96k "$dir/$p-96k.opus"
	ff -i "$src" "$@" -c:a libopus -b:a 32k "$dir/$p-32k.opus"
	ff -i "$src" "$@" -c:a wmav2 -b:a 128k "$dir/$p-wmav2.wma"
	ff -i "$src" "$@" -c:a wmav1 -b:a 96k "$dir/$p-wmav1.wma"
	ff -i "$src" "$@" -c:a alac "$dir/$p-alac.m4a"
}
encode "$srcA" "$out/good" a "${meta[@]}"
# An ID3v2 tag larger than the 64 KiB content sniff (a ~0.5 MB cover picture).
ff -f lavfi -i "nullsrc=s=600x600,geq=random(1)*255:128:128" -frames:v 1 "$tmp/cover.png"
ff -i "$out/good/a-128k.mp3" -i "$tmp/cover.png" -map 0 -map 1 -c copy -id3v2_version 3 "$out/good/a-cover-art.mp3"
# Content beats extension: a FLAC file named .mp3 must be detected as FLAC.
cp "$out/good/a.flac" "$out/good/a-flac-named.mp3"
# Monkey's Audio has no encoder in Debian: a committed file (see its README).
cp "$(dirname "$0")/../client/testkit/fixtures/a-11k-mono.ape" "$out/good/"
# A damaged length field: STREAMINFO's 36-bit total samples all ones (432
# hours). The audio is whole; its duration comes from the audio.
cp "$out/good/a.flac" "$out/good/a-bad-length.flac"
b=$(od -An -tu1 -j21 -N1 "$out/good/a-bad-length.flac")
printf "$(printf '\\x%02x\\xff\\xff\\xff\\xff' $((b | 15)))" |
	dd of="$out/good/a-bad-length.flac" bs=1 seek=21 conv=notrunc status=none
encode "$srcB" "$out/other" b "${metaB[@]}"
metaC=(-metadata title="Third Song" -metadata artist="The Generators" -metadata album="Synthetic Sessions"
	-metadata genre="Electronic" -metadata date=2024 -metadata track=4)
ff -i "$srcC" "${metaC[@]}" -c:a flac "$out/album/c.flac"
ff -i "$srcC" "${metaC[@]}" -c:a libmp3lame -b:a 192k "$out/album/c-192k.mp3"

# A long recording (162 s: A, B, A, B, A) to show the 120 s fingerprint
# window, as MP3 and as Opus in Matroska (whose blocks carry no durations, so
# the length past the window comes from their timestamps).
ff -i "$srcA" -i "$srcB" -i "$srcA" -i "$srcB" -i "$srcA" -filter_complex \
	"[0:a]aresample=44100,aformat=channel_layouts=stereo[x0];[1:a]aresample=44100,aformat=channel_layouts=stereo[x1];[2:a]aresample=44100,aformat=channel_layouts=stereo[x2];[3:a]aresample=44100,aformat=channel_layouts=stereo[x3];[4:a]aresample=44100,aformat=channel_layouts=stereo[x4];[x0][x1][x2][x3][x4]concat=n=5:v=0:a=1" \
	-c:a pcm_s16le "$tmp/long.wav"
ff -i "$tmp/long.wav" -c:a libmp3lame -b:a 192k "$out/long/long.mp3"
ff -i "$tmp/long.wav" -c:a libopus -b:a 96k "$out/long/long.mka"

# Channels unlike each other (clicks on the left, a steady chord on the
# right), 12 s: dual-channel MP3 and stereo AAC give each channel its own
# block types and windows (joint stereo MP3 keeps them alike), which the
# decoders that mix to mono for the fingerprint handle apart.
srcS="$tmp/split.wav"
ff -f lavfi -i "aevalsrc=exprs='0.7*(random(0)-0.5)*lt(mod(t,0.25),0.004)|0.3*sin(2*PI*t*330)+0.2*sin(2*PI*t*495)':s=44100:d=12" -c:a pcm_s16le "$srcS"
lame --quiet -m d -b 192 "$srcS" "$out/split/split.mp3"
ff -i "$srcS" -c:a aac -b:a 160k "$out/split/split.m4a"
ff -i "$srcS" -c:a libvorbis -q:a 5 "$out/split/split.ogg"
ff -i "$srcS" -c:a libopus -b:a 128k "$out/split/split.opus"

# Bad input. Each must be reported as "path: reason" while the scan goes on.
bad="$out/bad"
: >"$bad/empty.flac"                                     # empty file
head -c 60000 "$out/good/a-128k.mp3" >"$bad/truncated.mp3"      # cut after ~3.7 s of 32 s
head -c 200000 "$out/good/a.flac" >"$bad/truncated.flac"        # cut after ~2 s of 32 s
head -c 100000 "$out/good/a-192k.m4a" >"$bad/truncated.m4a"     # index (moov) lost
{ head -c 8192 "$out/good/a.flac"; head -c 400000 /dev/urandom; } >"$bad/corrupt.flac"
{ head -c 4096 "$out/good/a-q6.ogg"; head -c 300000 /dev/urandom; } >"$bad/corrupt.ogg"
for i in $(seq 1 400); do echo "this is a text file, not audio ($i)"; done >"$bad/notaudio.mp3"
head -c 65536 /dev/urandom >"$bad/random.m4a"                   # random bytes
ln -sfn does-not-exist.ogg "$bad/dangling.ogg"                  # unreadable: dangling link
mkfifo "$bad/fifo.wav"                                          # unreadable: not a regular file
printf 'unreadable' >"$bad/noperm.flac"; chmod 000 "$bad/noperm.flac" # unreadable unless root
# A WMA and an APE file that are only a header followed by filler.
{ printf '\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c'; head -c 4096 /dev/zero; } >"$bad/song.wma"
{ printf 'MAC \x96\x0f'; head -c 4096 /dev/zero; } >"$bad/song.ape"
# Audio in formats musicchain does not take: named by the scan, not analysed.
head -c 4096 /dev/urandom >"$bad/song.wv"
head -c 4096 /dev/urandom >"$bad/song.mpc"
head -c 4096 /dev/urandom >"$bad/song.dsf"
mkdir -p "$bad/nested"
ln -sfn .. "$bad/nested/loop"                                   # directory loop

rm -rf "$tmp"
touch "$stamp"

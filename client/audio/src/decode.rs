//! Decoding to PCM (symphonia, plus the libopus adapter) and fingerprinting
//! the first [`FINGERPRINT_SECONDS`] with rusty-chromaprint.

use super::{
	format_name, opus,
	resample::{Resampler, TARGET_RATE},
	AudioError,
};
use musicchain_primitives::{fingerprint::Fingerprint, Format};
use rusty_chromaprint::{Configuration, Fingerprinter};
use symphonia::core::{
	audio::SampleBuffer,
	codecs::{
		CodecParameters, Decoder, DecoderOptions, CODEC_TYPE_AAC, CODEC_TYPE_MP3, CODEC_TYPE_NULL,
		CODEC_TYPE_OPUS, CODEC_TYPE_VORBIS,
	},
	errors::Error as SymError,
	formats::{FormatOptions, FormatReader, Packet},
	io::{MediaSource, MediaSourceStream},
	meta::{MetadataOptions, StandardTagKey},
	probe::Hint,
};

/// Seconds of audio the fingerprint covers (as `fpcalc`'s default `-length`).
pub const FINGERPRINT_SECONDS: u64 = 120;

/// Demuxer errors in a row after which a stream is given up as corrupt.
const MAX_CONSECUTIVE_ERRORS: u32 = 64;

/// The longest duration taken as a song (24 hours). A header that declares
/// more is taken as damaged and the duration comes from the audio.
pub const MAX_DURATION_MS: u64 = 24 * 3600 * 1000;

/// The longest gap between two packets' timestamps, and the longest packet,
/// taken as real: beyond it a timestamp is damaged.
const MAX_PACKET_SECONDS: u64 = 10;

/// `seconds` in a track's time base (`rate` is the sample rate, for a
/// track without one).
fn time_base_units(
	time_base: Option<symphonia::core::units::TimeBase>,
	rate: u64,
	seconds: u64,
) -> u64 {
	match time_base {
		Some(tb) if tb.numer > 0 => {
			let units = u128::from(seconds) * u128::from(tb.denom) / u128::from(tb.numer);
			u64::try_from(units).unwrap_or(u64::MAX)
		},
		_ => rate.saturating_mul(seconds),
	}
}

/// The time covered by packets only demuxed, from their timestamps: from
/// the first one's start to the last one's end, leaving out timestamps that
/// go back or leap ahead (damage).
#[derive(Default)]
struct Spans {
	/// The start of the last packet taken, and its end.
	last: Option<(u64, u64)>,
	/// From the first packet's start to the last one's start.
	covered: u64,
	/// The longest time from one packet's start to the next one's.
	longest: u64,
}

impl Spans {
	/// Takes a packet spanning `start..end`; false (and not taken) when its
	/// timestamps are not believable: more than `max_step` after the last
	/// packet, before it, or a packet longer than `max_step`.
	fn add(&mut self, start: u64, end: u64, max_step: u64) -> bool {
		if end.saturating_sub(start) > max_step {
			return false;
		}
		if let Some((last, _)) = self.last {
			if start < last || start - last > max_step {
				return false;
			}
			self.covered += start - last;
			self.longest = self.longest.max(start - last);
		}
		self.last = Some((start, end));
		true
	}

	/// The whole span, in the track's time base.
	fn covered(&self) -> u64 {
		self.last.map_or(0, |(start, end)| self.covered.saturating_add(end - start))
	}

	/// Whether the last packet's duration was unknown (its end is its start).
	fn open_ended(&self) -> bool {
		self.last.is_some_and(|(start, end)| start == end)
	}

	/// The longest time between two packets' starts.
	fn longest_step(&self) -> u64 {
		self.longest
	}
}

/// What decoding a stream yields.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
	/// Sample rate of the decoded audio.
	pub sample_rate: u32,
	/// Channels of the decoded audio.
	pub channels: u16,
	/// Duration of the whole stream in milliseconds.
	pub duration_ms: u64,
	/// The Chromaprint (TEST2) fingerprint of the first 120 s.
	pub fingerprint: Fingerprint,
	/// Tags found by the demuxer (used where the tag library finds none).
	pub tags: Vec<(StandardTagKey, String)>,
}

/// The fingerprinter, the samples it still takes, and the layout it was
/// started with.
struct Printer {
	fp: Fingerprinter,
	/// Samples it still takes.
	left: u64,
	rate: u32,
	/// Channels of the stream.
	channels: usize,
	/// Channels of the samples it is fed (1: downmixed before).
	interleaved: usize,
	/// Mono audio not at 11025 Hz is resampled here, not by rusty-chromaprint
	/// (see [`resample`](super::resample)).
	resampler: Option<(Resampler, Vec<i16>)>,
}

impl Printer {
	fn start(
		rate: u32,
		channels: usize,
		interleaved: usize,
		seconds: u64,
	) -> Result<Printer, String> {
		let mut fp = Fingerprinter::new(&Configuration::preset_test2());
		let resampler = (interleaved == 1 && rate != TARGET_RATE && rate > 0)
			.then(|| (Resampler::new(rate), Vec::new()));
		let fed = if resampler.is_some() { TARGET_RATE } else { rate };
		fp.start(fed, interleaved as u32)
			.map_err(|e| format!("cannot fingerprint {rate} Hz, {channels} channels: {e:?}"))?;
		let left = seconds.saturating_mul(u64::from(rate)).saturating_mul(interleaved as u64);
		Ok(Printer { fp, left, rate, channels, interleaved, resampler })
	}

	/// Takes the next samples (of the window).
	fn consume(&mut self, samples: &[i16]) {
		match &mut self.resampler {
			Some((resampler, out)) => {
				out.clear();
				resampler.process(samples, out);
				self.fp.consume(out);
			},
			None => self.fp.consume(samples),
		}
	}
}

/// Packets that failed to demux or decode: in all, and in a row.
#[derive(Default)]
struct Damage {
	failed: u64,
	in_a_row: u32,
}

impl Damage {
	/// Counts one more damaged packet; true when the stream is to be given
	/// up as corrupt.
	fn hit(&mut self) -> bool {
		self.failed += 1;
		self.in_a_row += 1;
		self.in_a_row >= MAX_CONSECUTIVE_ERRORS
	}
}

enum Codec {
	Symphonia {
		dec: Box<dyn Decoder>,
		buf: Option<SampleBuffer<i16>>,
		/// Frames still to drop (MP4 priming).
		skip: usize,
		/// The mono downmix.
		down: Vec<i16>,
		/// The stream's channels when `dec` mixes them to one itself.
		mixes: Option<usize>,
	},
	/// Decoder, frames still to drop, mono downmix.
	Opus(opus::OpusDecoder, usize, Vec<i16>),
}

/// The interleaved samples of one decoded packet and their layout.
pub(crate) struct Pcm<'a> {
	pub samples: &'a [i16],
	pub rate: u32,
	/// Channels of the stream.
	pub channels: usize,
	/// Channels in `samples`: `channels`, or 1 when downmixed.
	pub interleaved: usize,
}

/// What to do with the next packet.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Want {
	/// Only demux it (its time span is enough).
	Span,
	/// Decode it, downmixed to mono (what the fingerprint takes).
	Mono,
	/// Decode it, every channel (for playback).
	All,
}

/// What reading one packet of a track gave.
pub(crate) enum Step<'a> {
	/// Its decoded samples.
	Pcm(Pcm<'a>),
	/// Only demuxed, not decoded: its time span in the track's time base.
	Span(u64, u64),
	/// A packet that failed to demux or decode.
	Damaged,
	/// The end of the stream.
	End,
}

/// Appends the mono downmix of interleaved `samples` to `out` as
/// Chromaprint's audio processor makes it (rusty-chromaprint's too, so a
/// fingerprint does not depend on who downmixes): the integer mean of the
/// channels, rounded toward zero.
pub(crate) fn downmix(samples: &[i16], channels: usize, out: &mut Vec<i16>) {
	match channels {
		0 => {},
		1 => out.extend_from_slice(samples),
		2 => out.extend(
			samples.chunks_exact(2).map(|f| ((i32::from(f[0]) + i32::from(f[1])) / 2) as i16),
		),
		n => out.extend(
			samples
				.chunks_exact(n)
				.map(|f| (f.iter().map(|s| i32::from(*s)).sum::<i32>() / n as i32) as i16),
		),
	}
}

/// A decoder's `f32` sample in 16 bits exactly as symphonia converts it
/// (`IntoSample<i16>`: clamped to ±1, scaled by 2^15, truncated toward zero,
/// saturated; NaN gives 0).
#[inline(always)]
fn f32_to_i16(s: f32) -> i32 {
	let c = if s > 1.0 { 1.0 } else { s };
	let c = if c < -1.0 { -1.0 } else { c };
	i32::from((c * 32_768.0) as i16)
}

/// Four samples converted as [`f32_to_i16`], with SSE2 (every x86_64 CPU).
/// Scaling by 2^15 is exact, so clamping after it to [-32768, 32767] gives
/// what clamping to ±1 before it and saturating gives; `minps`/`maxps` keep
/// a NaN (it is their second operand), which is then masked to 0.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn f32x4_to_i16(s: &[f32]) -> std::arch::x86_64::__m128i {
	use std::arch::x86_64::*;
	assert!(s.len() >= 4);
	// SAFETY: SSE2 is part of every x86_64 CPU; the load reads the 4 floats
	// of `s` (checked above).
	unsafe {
		let x = _mm_mul_ps(_mm_loadu_ps(s.as_ptr()), _mm_set1_ps(32_768.0));
		let x = _mm_max_ps(_mm_set1_ps(-32_768.0), _mm_min_ps(_mm_set1_ps(32_767.0), x));
		_mm_and_si128(_mm_cvttps_epi32(x), _mm_castps_si128(_mm_cmpord_ps(x, x)))
	}
}

/// Four 32-bit sums halved toward zero, as `i32 / 2` does.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn halved(sum: std::arch::x86_64::__m128i) -> std::arch::x86_64::__m128i {
	use std::arch::x86_64::*;
	// SAFETY: SSE2 is part of every x86_64 CPU.
	unsafe { _mm_srai_epi32(_mm_add_epi32(sum, _mm_srli_epi32(sum, 31)), 1) }
}

/// The mono mix of `left` and `right` as [`downmix_planar`] makes it, eight
/// frames a step with SSE2 (the generic loop converts sample by sample: 8 %
/// of an MP3's fingerprinting).
fn downmix_stereo_f32(left: &[f32], right: &[f32], out: &mut Vec<i16>) {
	let n = left.len().min(right.len());
	let at = out.len();
	out.resize(at + n, 0);
	let dst = &mut out[at..];
	let whole = n - n % 8;
	#[cfg(target_arch = "x86_64")]
	{
		use std::arch::x86_64::*;
		let half = |l: &[f32], r: &[f32]| {
			// SAFETY: SSE2 is part of every x86_64 CPU.
			halved(unsafe { _mm_add_epi32(f32x4_to_i16(l), f32x4_to_i16(r)) })
		};
		for ((d, l), r) in dst[..whole]
			.chunks_exact_mut(8)
			.zip(left[..whole].chunks_exact(8))
			.zip(right[..whole].chunks_exact(8))
		{
			let (lo, hi) = (half(&l[..4], &r[..4]), half(&l[4..], &r[4..]));
			// SAFETY: SSE2; the store writes the 8 samples of `d`.
			unsafe { _mm_storeu_si128(d.as_mut_ptr() as *mut __m128i, _mm_packs_epi32(lo, hi)) }
		}
	}
	#[cfg(not(target_arch = "x86_64"))]
	let whole = 0;
	for i in whole..n {
		dst[i] = ((f32_to_i16(left[i]) + f32_to_i16(right[i])) / 2) as i16;
	}
}

/// `samples` converted as [`f32_to_i16`], appended to `out` (eight a step
/// with SSE2).
fn to_i16_f32(samples: &[f32], out: &mut Vec<i16>) {
	let n = samples.len();
	let at = out.len();
	out.resize(at + n, 0);
	let dst = &mut out[at..];
	let whole = n - n % 8;
	#[cfg(target_arch = "x86_64")]
	for (d, s) in dst[..whole].chunks_exact_mut(8).zip(samples[..whole].chunks_exact(8)) {
		use std::arch::x86_64::*;
		// SAFETY: SSE2 is part of every x86_64 CPU; the store writes the 8
		// samples of `d`.
		unsafe {
			let packed = _mm_packs_epi32(f32x4_to_i16(&s[..4]), f32x4_to_i16(&s[4..]));
			_mm_storeu_si128(d.as_mut_ptr() as *mut __m128i, packed)
		}
	}
	#[cfg(not(target_arch = "x86_64"))]
	let whole = 0;
	for i in whole..n {
		dst[i] = f32_to_i16(samples[i]) as i16;
	}
}

/// [`downmix_planar`] for the `f32` buffers of the lossy decoders (MP3,
/// AAC, Vorbis).
fn downmix_planar_f32(
	buf: &symphonia::core::audio::AudioBuffer<f32>,
	skip: usize,
	out: &mut Vec<i16>,
) {
	use symphonia::core::audio::Signal;
	let frames = buf.frames();
	let skip = skip.min(frames);
	match buf.planes().planes() {
		[mono] => to_i16_f32(&mono[skip..frames], out),
		[left, right] => downmix_stereo_f32(&left[skip..frames], &right[skip..frames], out),
		_ => downmix_planar(buf, skip, out),
	}
}

/// The same from a decoder's planar buffer, its first `skip` frames left
/// out, each sample converted to 16 bits as `SampleBuffer` would.
fn downmix_planar<S>(buf: &symphonia::core::audio::AudioBuffer<S>, skip: usize, out: &mut Vec<i16>)
where
	S: symphonia::core::sample::Sample + symphonia::core::conv::IntoSample<i16>,
{
	use symphonia::core::audio::Signal;
	let frames = buf.frames();
	let skip = skip.min(frames);
	let planes = buf.planes();
	let planes = planes.planes();
	let pcm = |s: &S| -> i32 { i32::from((*s).into_sample()) };
	match planes {
		[] => {},
		[mono] => out.extend(mono[skip..frames].iter().map(|s| (*s).into_sample())),
		[left, right] => out.extend(
			left[skip..frames]
				.iter()
				.zip(&right[skip..frames])
				.map(|(l, r)| ((pcm(l) + pcm(r)) / 2) as i16),
		),
		many => {
			let n = many.len() as i32;
			out.extend(
				(skip..frames).map(|i| (many.iter().map(|p| pcm(&p[i])).sum::<i32>() / n) as i16),
			)
		},
	}
}

impl Codec {
	/// Decodes one packet, dropping priming frames and the packet's trims;
	/// downmixed to mono when `mono`. `Ok(None)` is a damaged packet; `Err`
	/// a decoder that cannot go on.
	fn decode(&mut self, packet: &Packet, mono: bool) -> Result<Option<Pcm<'_>>, SymError> {
		match self {
			Codec::Symphonia { dec, buf, skip, down, mixes } => {
				let audio = match dec.decode(packet) {
					Ok(audio) => audio,
					Err(SymError::DecodeError(_)) | Err(SymError::IoError(_)) => return Ok(None),
					Err(e) => return Err(e),
				};
				let spec = *audio.spec();
				let channels = mixes.unwrap_or_else(|| spec.channels.count());
				let frames = audio.frames();
				let start = (*skip).min(frames);
				*skip -= start;
				if mono {
					use symphonia::core::audio::AudioBufferRef as B;
					down.clear();
					match audio {
						B::U8(b) => downmix_planar(&b, start, down),
						B::U16(b) => downmix_planar(&b, start, down),
						B::U24(b) => downmix_planar(&b, start, down),
						B::U32(b) => downmix_planar(&b, start, down),
						B::S8(b) => downmix_planar(&b, start, down),
						B::S16(b) => downmix_planar(&b, start, down),
						B::S24(b) => downmix_planar(&b, start, down),
						B::S32(b) => downmix_planar(&b, start, down),
						B::F32(b) => downmix_planar_f32(&b, start, down),
						B::F64(b) => downmix_planar(&b, start, down),
					}
					return Ok(Some(Pcm {
						samples: down,
						rate: spec.rate,
						channels,
						interleaved: 1,
					}));
				}
				let needed = audio.capacity() as u64 * channels as u64;
				if buf.as_ref().is_some_and(|b| (b.capacity() as u64) < needed) {
					*buf = None;
				}
				let buf =
					buf.get_or_insert_with(|| SampleBuffer::new(audio.capacity() as u64, spec));
				buf.copy_interleaved_ref(audio);
				let ch = channels.max(1);
				Ok(Some(Pcm {
					samples: &buf.samples()[start * ch..],
					rate: spec.rate,
					channels,
					interleaved: channels,
				}))
			},
			Codec::Opus(dec, skip, down) => {
				let (channels, stream_channels) = (dec.channels(), dec.stream_channels());
				let Ok(pcm) = dec.decode(&packet.data) else { return Ok(None) };
				let ch = channels.max(1);
				let frames = pcm.len() / ch;
				let start = (packet.trim_start() as usize + *skip).min(frames);
				*skip -= (*skip).min(frames);
				let end = frames.saturating_sub(packet.trim_end() as usize).max(start);
				let samples = &pcm[start * ch..end * ch];
				if mono {
					down.clear();
					downmix(samples, channels, down);
					return Ok(Some(Pcm {
						samples: down,
						rate: opus::SAMPLE_RATE,
						channels: stream_channels,
						interleaved: 1,
					}));
				}
				Ok(Some(Pcm { samples, rate: opus::SAMPLE_RATE, channels, interleaved: channels }))
			},
		}
	}
}

/// A demuxer on a file's audio track, with its decoder.
struct Track {
	inner: Inner,
	/// Packet durations and the declared length are in the track's time
	/// base: 1/sample rate for most containers, but the `mdhd` timescale for
	/// MP4 and the segment's timestamp scale (usually 1 ms) for Matroska.
	time_base: Option<symphonia::core::units::TimeBase>,
	declared_length: Option<u64>,
	/// Tags found by the demuxer.
	tags: Vec<(StandardTagKey, String)>,
	name: &'static str,
}

enum Inner {
	Symphonia {
		reader: Box<dyn FormatReader>,
		track_id: u32,
		codec: Codec,
	},
	#[cfg(feature = "ffmpeg")]
	Ffmpeg(Box<super::ffmpeg::FfTrack>),
}

impl Track {
	/// Reads the track's next packet: decoded when `decode`, else only
	/// demuxed where the container gives its time span.
	fn step(&mut self, want: Want) -> Result<Step<'_>, AudioError> {
		let name = self.name;
		match &mut self.inner {
			Inner::Symphonia { reader, track_id, codec } => loop {
				let packet = match reader.next_packet() {
					Ok(p) => p,
					Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
						return Ok(Step::End)
					},
					Err(SymError::ResetRequired) => return Ok(Step::End),
					Err(SymError::IoError(e)) => {
						return Err(AudioError::Container { format: name, reason: e.to_string() })
					},
					Err(_) => return Ok(Step::Damaged),
				};
				if packet.track_id() != *track_id {
					continue;
				}
				if want == Want::Span {
					return Ok(Step::Span(packet.ts, packet.ts.saturating_add(packet.dur)));
				}
				return match codec.decode(&packet, want == Want::Mono) {
					Ok(Some(pcm)) => Ok(Step::Pcm(pcm)),
					Ok(None) => Ok(Step::Damaged),
					Err(e) => Err(AudioError::Codec { format: name, reason: sym_reason(&e) }),
				};
			},
			#[cfg(feature = "ffmpeg")]
			Inner::Ffmpeg(track) => track.step(want),
		}
	}
}

/// A decoder whose output is the mean of the stream's channels, and their
/// number.
type MonoDecoder = (Box<dyn Decoder>, usize);

/// A decoder of `params` that mixes the channels to mono itself, where the
/// codec's has one (MP3, AAC, Vorbis: `vendor/symphonia-*/NOTICE.md`), and
/// the stream's channels. It synthesises the mean of the channels' spectra
/// once, instead of each channel's audio; its samples are those of
/// [`downmix_planar`] up to rounding.
fn mono_decoder(params: &CodecParameters) -> Option<Result<MonoDecoder, SymError>> {
	let options = DecoderOptions::default();
	let declared = params.channels.map(|c| c.count()).filter(|n| *n > 0);
	fn boxed(dec: impl Decoder + 'static, channels: usize) -> MonoDecoder {
		(Box::new(dec), channels)
	}
	Some(match params.codec {
		CODEC_TYPE_MP3 => {
			let channels = declared?;
			symphonia_bundle_mp3::MpaDecoder::try_new_mono(params, &options)
				.map(|dec| boxed(dec, channels))
		},
		CODEC_TYPE_VORBIS => {
			let channels = declared?;
			symphonia_codec_vorbis::VorbisDecoder::try_new_mono(params, &options)
				.map(|dec| boxed(dec, channels))
		},
		// MP4 declares no channels: the decoder's config says them.
		CODEC_TYPE_AAC => {
			symphonia_codec_aac::AacDecoder::try_new_mono(params, &options).map(|dec| {
				let channels = dec.channel_count();
				boxed(dec, channels)
			})
		},
		_ => return None,
	})
}

/// Opens `source` (a file of container `format`) at its first audio track;
/// for a fingerprint when `mono` (only [`Want::Mono`] and [`Want::Span`]
/// are then asked of it).
///
/// `mp4_moov` is the `moov` box of an MP4 file, whose edit list says how many
/// priming frames to drop at the start.
fn open_track(
	source: Box<dyn MediaSource>,
	format: Format,
	mp4_moov: Option<&[u8]>,
	mono: bool,
) -> Result<Track, AudioError> {
	let name = format_name(format);
	#[cfg(feature = "ffmpeg")]
	if super::ffmpeg::decodes(format) {
		let track = super::ffmpeg::FfTrack::open(source, format)?;
		return Ok(Track {
			time_base: track.time_base,
			declared_length: track.declared_length,
			tags: track.tags.clone(),
			inner: Inner::Ffmpeg(Box::new(track)),
			name,
		});
	}
	let mut hint = Hint::new();
	hint.with_extension(format.extension());
	let stream = MediaSourceStream::new(source, Default::default());
	let fmt_opts = FormatOptions { enable_gapless: true, ..Default::default() };
	let mut probed = symphonia::default::get_probe()
		.format(&hint, stream, &fmt_opts, &MetadataOptions::default())
		.map_err(|e| AudioError::Container { format: name, reason: sym_reason(&e) })?;
	let mut tags = Vec::new();
	let mut collect = |rev: &symphonia::core::meta::MetadataRevision| {
		for tag in rev.tags() {
			if let Some(key) = tag.std_key {
				tags.push((key, tag.value.to_string()));
			}
		}
	};
	if let Some(rev) = probed.metadata.get().as_ref().and_then(|m| m.current()) {
		collect(rev);
	}
	let mut reader: Box<dyn FormatReader> = probed.format;
	if let Some(rev) = reader.metadata().current() {
		collect(rev);
	}

	let track = reader
		.tracks()
		.iter()
		.find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
		.ok_or(AudioError::NoTrack)?;
	let track_id = track.id;
	let params = track.codec_params.clone();

	let codec = if params.codec == CODEC_TYPE_OPUS {
		let head =
			params.extra_data.as_deref().and_then(opus::OpusHead::parse).ok_or_else(|| {
				AudioError::Container {
					format: name,
					reason: "Opus track without a valid OpusHead".into(),
				}
			})?;
		let dec =
			if mono { opus::OpusDecoder::new_mono(&head) } else { opus::OpusDecoder::new(&head) }
				.map_err(AudioError::Opus)?;
		// Ogg pages carry the pre-skip as packet trims; Matroska does not.
		let manual_skip = if format == Format::Mka { usize::from(head.pre_skip) } else { 0 };
		Codec::Opus(dec, manual_skip, Vec::new())
	} else {
		let made = match mono.then(|| mono_decoder(&params)).flatten() {
			Some(made) => made.map(|(dec, channels)| (dec, Some(channels))),
			None => symphonia::default::get_codecs()
				.make(&params, &DecoderOptions::default())
				.map(|dec| (dec, None)),
		};
		let (dec, mixes) =
			made.map_err(|e| AudioError::Codec { format: name, reason: sym_reason(&e) })?;
		let rate = params.sample_rate.unwrap_or(0);
		let priming = mp4_moov.and_then(|m| super::mp4::priming_frames(m, rate)).unwrap_or(0);
		Codec::Symphonia { dec, buf: None, skip: priming as usize, down: Vec::new(), mixes }
	};
	Ok(Track {
		inner: Inner::Symphonia { reader, track_id, codec },
		time_base: params.time_base,
		declared_length: params.n_frames,
		tags,
		name,
	})
}

/// Decoded audio, packet by packet, for playback.
pub struct PcmStream {
	track: Track,
	damage: Damage,
	/// Packets read so far (decoded or damaged).
	packets: u64,
}

/// The interleaved samples of one packet and their layout.
#[derive(Clone, Debug, Default)]
pub struct PcmChunk {
	pub samples: Vec<i16>,
	pub rate: u32,
	pub channels: u16,
}

impl PcmStream {
	/// Opens `source`, a file of container `format`, for decoding.
	pub fn open(
		source: Box<dyn MediaSource>,
		format: Format,
		mp4_moov: Option<&[u8]>,
	) -> Result<PcmStream, AudioError> {
		let track = open_track(source, format, mp4_moov, false)?;
		Ok(PcmStream { track, damage: Damage::default(), packets: 0 })
	}

	/// The next packet's audio; `None` at the end. Damaged packets are
	/// skipped (a stream with too many in a row ends as corrupt).
	pub fn next_chunk(&mut self) -> Result<Option<PcmChunk>, AudioError> {
		loop {
			self.packets += 1;
			match self.track.step(Want::All)? {
				Step::End => return Ok(None),
				Step::Pcm(pcm) if pcm.channels > 0 && pcm.rate > 0 => {
					self.damage.in_a_row = 0;
					return Ok(Some(PcmChunk {
						samples: pcm.samples.to_vec(),
						rate: pcm.rate,
						channels: pcm.channels as u16,
					}));
				},
				Step::Pcm(_) | Step::Span(..) => {},
				Step::Damaged => {
					if self.damage.hit() {
						return Err(AudioError::Corrupt {
							failed: self.damage.failed,
							total: self.packets.max(self.damage.failed),
						});
					}
				},
			}
		}
	}
}

/// Decodes `source` (a file of container `format`) and fingerprints its
/// first `seconds` (the whole stream if it is shorter).
///
/// `mp4_moov` is the `moov` box of an MP4 file, whose edit list says how many
/// priming frames to drop at the start.
pub fn decode(
	source: Box<dyn MediaSource>,
	format: Format,
	mp4_moov: Option<&[u8]>,
	seconds: u64,
) -> Result<Decoded, AudioError> {
	let name = format_name(format);
	let mut track = open_track(source, format, mp4_moov, true)?;
	let time_base = track.time_base;

	// Started at the first decoded audio; once it has taken the whole window
	// (`left == 0`), packets are only demuxed for the duration.
	let mut printer: Option<Printer> = None;
	let mut frames_total: u64 = 0;
	// The packets only demuxed, by their timestamps, not durations:
	// Matroska blocks usually carry no duration (the last packet's is then
	// missing, a few tens of milliseconds).
	let mut spans = Spans::default();
	let mut packets: u64 = 0;
	let mut damage = Damage::default();

	loop {
		// Past the fingerprint window only the duration is needed: demux,
		// do not decode.
		let window_open = printer.as_ref().is_none_or(|p| p.left != 0);
		let step = track.step(if window_open { Want::Mono } else { Want::Span })?;
		if !matches!(step, Step::End) {
			packets += 1;
		}
		let pcm = match step {
			Step::End => break,
			Step::Damaged => {
				if damage.hit() {
					break;
				}
				continue;
			},
			Step::Span(start, end) => {
				// A timestamp that leaps (a damaged or forged packet header)
				// counts as damage, not as hours of audio.
				let rate = printer.as_ref().map_or(0, |p| u64::from(p.rate));
				let max_step = time_base_units(time_base, rate, MAX_PACKET_SECONDS);
				if spans.add(start, end, max_step) {
					damage.in_a_row = 0;
				} else if damage.hit() {
					break;
				}
				continue;
			},
			Step::Pcm(pcm) => pcm,
		};
		damage.in_a_row = 0;
		if pcm.channels == 0 || pcm.rate == 0 {
			continue;
		}
		frames_total += (pcm.samples.len() / pcm.interleaved.max(1)) as u64;
		if !window_open {
			// Audio the decoder still held when the window closed.
			continue;
		}
		let p = match &mut printer {
			Some(p) => p,
			None => printer.insert(
				Printer::start(pcm.rate, pcm.channels, pcm.interleaved, seconds)
					.map_err(|reason| AudioError::Codec { format: name, reason })?,
			),
		};
		if (p.rate, p.channels, p.interleaved) != (pcm.rate, pcm.channels, pcm.interleaved) {
			// The stream changed its layout midway (a spliced file): the
			// fingerprint covers the audio up to the change.
			p.left = 0;
			continue;
		}
		let whole = pcm.samples.len() - pcm.samples.len() % p.interleaved;
		let take = whole.min(usize::try_from(p.left).unwrap_or(usize::MAX));
		p.consume(&pcm.samples[..take]);
		p.left -= take as u64;
	}
	let tags = std::mem::take(&mut track.tags);
	let declared_length = track.declared_length;
	drop(track);

	let Some(Printer { mut fp, rate: sample_rate, channels, .. }) = printer else {
		return Err(if damage.failed > 0 {
			AudioError::Corrupt { failed: damage.failed, total: packets.max(damage.failed) }
		} else {
			AudioError::NoAudio
		});
	};
	// More than a tenth of the packets lost (and more than a couple) is not
	// a file worth registering.
	let failed = damage.failed;
	if failed > 2 && failed * 10 > packets {
		return Err(AudioError::Corrupt { failed, total: packets.max(failed) });
	}
	let rate = u64::from(sample_rate);
	let to_frames = |length: u64| match time_base {
		Some(tb) if tb.denom > 0 => {
			let frames =
				u128::from(length) * u128::from(tb.numer) * u128::from(rate) / u128::from(tb.denom);
			u64::try_from(frames).unwrap_or(u64::MAX)
		},
		_ => length,
	};
	let to_ms = |frames: u64| frames.saturating_mul(1000) / rate;
	// A header that declares more than a song may be is broken (a damaged
	// length field): the audio itself says how long the file is.
	let declared = declared_length.map(to_frames).filter(|d| to_ms(*d) <= MAX_DURATION_MS);
	let mut frames_total = frames_total.saturating_add(to_frames(spans.covered()));
	// Packets without a duration (Matroska blocks, APE frames) leave the
	// last one's out; the header's length says it, when it is no more than a
	// packet beyond.
	if let Some(declared) = declared.filter(|_| spans.open_ended()) {
		let beyond = declared.saturating_sub(frames_total);
		if beyond <= to_frames(spans.longest_step()) {
			frames_total = frames_total.max(declared);
		}
	}
	let duration_ms = to_ms(frames_total);
	if duration_ms > MAX_DURATION_MS {
		return Err(AudioError::TooLong { duration_ms });
	}
	if let Some(declared) = declared {
		let missing = declared.saturating_sub(frames_total);
		if missing > rate / 2 && missing.saturating_mul(100) > declared {
			return Err(AudioError::Truncated {
				actual_ms: duration_ms,
				declared_ms: to_ms(declared),
			});
		}
	}
	fp.finish();
	let items = fp.fingerprint().to_vec();
	if items.is_empty() {
		return Err(AudioError::TooShort(duration_ms));
	}
	Ok(Decoded {
		sample_rate,
		channels: channels as u16,
		duration_ms,
		fingerprint: Fingerprint {
			algorithm: musicchain_primitives::fingerprint::DEFAULT_ALGORITHM,
			items,
		},
		tags,
	})
}

fn sym_reason(e: &SymError) -> String {
	match e {
		SymError::Unsupported(what) => format!("unsupported {what}"),
		SymError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
			"unexpected end of file (truncated or corrupt)".into()
		},
		other => other.to_string(),
	}
}

#[cfg(test)]
pub(crate) mod tests {
	use super::Spans;

	/// The mono samples a fingerprint is made of: from the decoder that
	/// mixes when `mixing`, else every channel decoded and downmixed.
	fn mono_samples(path: &std::path::Path, mixing: bool) -> (Vec<i16>, u32, usize) {
		let ext = path.extension().and_then(|e| e.to_str());
		let format = musicchain_primitives::Format::from_extension(ext.unwrap_or_default())
			.expect("a known extension");
		let file = std::fs::File::open(path).expect("fixture readable");
		let mut track = super::open_track(Box::new(file), format, None, mixing).expect("opens");
		let (mut samples, mut layout) = (Vec::new(), (0, 0));
		let want = if mixing { super::Want::Mono } else { super::Want::All };
		loop {
			match track.step(want).expect("decodes") {
				super::Step::Pcm(pcm) => {
					layout = (pcm.rate, pcm.channels);
					super::downmix(pcm.samples, pcm.interleaved, &mut samples);
				},
				super::Step::End => break,
				super::Step::Damaged => panic!("{}: a damaged packet", path.display()),
				super::Step::Span(..) => unreachable!("every packet is decoded"),
			}
		}
		(samples, layout.0, layout.1)
	}

	/// The fixtures in `split/` (channels unlike each other) take the
	/// decoders' paths for channels with different block types (MP3, 167
	/// granules) and windows (AAC, 197 frames): counted by hand once.
	#[test]
	fn decoders_that_mix_give_the_mean_of_the_channels() {
		use musicchain_testkit::fixtures;
		let files = [
			"good/a-128k.mp3",
			"good/a-320k.mp3",
			"good/a-vbr-mono.mp3",
			"good/a-q6.ogg",
			"good/a-192k.m4a",
			"good/a-128k.aac",
			"good/a-96k.opus",
			"split/split.mp3",
			"split/split.m4a",
			"split/split.ogg",
			"split/split.opus",
		];
		for file in files {
			let path = fixtures().join(file);
			let (mixed, rate, channels) = mono_samples(&path, true);
			let (each, each_rate, each_channels) = mono_samples(&path, false);
			assert_eq!((rate, channels), (each_rate, each_channels), "{file}: layout");
			assert_eq!(mixed.len(), each.len(), "{file}: length");
			let diffs: Vec<u32> = mixed
				.iter()
				.zip(&each)
				.map(|(a, b)| (i32::from(*a) - i32::from(*b)).unsigned_abs())
				.collect();
			let worst = diffs.iter().max().copied().unwrap_or(0);
			let off = diffs.iter().filter(|d| **d > 0).count();
			let power = |x: &mut dyn Iterator<Item = f64>| x.map(|v| v * v).sum::<f64>();
			let signal = power(&mut each.iter().map(|v| f64::from(*v)));
			let error = power(&mut diffs.iter().map(|d| f64::from(*d)));
			let snr = 10.0 * (signal / error.max(1.0)).log10();
			println!(
				"{file}: {} samples, {off} differ, by at most {worst}; {snr:.1} dB",
				mixed.len()
			);
			if file.ends_with(".opus") {
				// libopus mixes the channels' spectra inside its decoder, before
				// its post-filter: not the same samples, the same audio.
				assert!(snr > 30.0, "{file}: the mix is {snr:.1} dB from the mean");
			} else {
				// The mean in float, rounded once, against the mean of two
				// roundings: at most 1 apart.
				assert!(worst <= 1, "{file}: samples differ by {worst}");
			}
		}
	}

	/// Left and right channels of awkward samples for a converter: every
	/// edge (±1, beyond, rounding ties at 16 bits, infinities, NaN) against
	/// every other, then a sweep past both ends; of a length that is not a
	/// multiple of 8, so the vector loops' tails run too.
	pub(crate) fn awkward_stereo() -> (Vec<f32>, Vec<f32>) {
		let edges = [
			0.0,
			-0.0,
			1.0,
			-1.0,
			1.5,
			-1.5,
			0.999_99,
			-0.999_99,
			0.499_999_97 / 32_768.0,
			-0.5 / 32_768.0,
			1.5 / 32_768.0,
			-2.5 / 32_768.0,
			3e-5,
			-3e-5,
			1e38,
			-1e38,
			f32::INFINITY,
			f32::NEG_INFINITY,
			f32::NAN,
			30_517e-9,
		];
		let (mut left, mut right) = (Vec::new(), Vec::new());
		for a in edges {
			for b in edges {
				left.push(a);
				right.push(b);
			}
		}
		for i in 0..5_003 {
			left.push(-1.2 + i as f32 * 4.8e-4);
			right.push(0.7 - i as f32 * 3.1e-4);
		}
		(left, right)
	}

	#[test]
	fn the_fast_f32_downmix_gives_symphonias_samples() {
		use symphonia::core::conv::IntoSample;
		let (left, right) = awkward_stereo();
		let mut fast = Vec::new();
		super::downmix_stereo_f32(&left, &right, &mut fast);
		let expected: Vec<i16> = left
			.iter()
			.zip(&right)
			.map(|(l, r)| {
				let (l, r): (i16, i16) = ((*l).into_sample(), (*r).into_sample());
				((i32::from(l) + i32::from(r)) / 2) as i16
			})
			.collect();
		assert_eq!(fast, expected);
	}

	#[test]
	fn leaping_or_backward_timestamps_are_damage_not_hours() {
		// One-second packets in a millisecond time base; at most 10 s apart.
		let mut spans = Spans::default();
		for i in 0..5 {
			assert!(spans.add(i * 1000, i * 1000 + 1000, 10_000));
		}
		assert!(!spans.add(u64::MAX - 5, u64::MAX, 10_000), "a leap of 584 million years");
		assert!(!spans.add(3000, 4000, 10_000), "back in time");
		assert!(!spans.add(5000, 5000 + 3_600_000, 10_000), "an hour-long packet");
		assert!(spans.add(5000, 6000, 10_000), "the stream goes on after the damage");
		assert_eq!(spans.covered(), 6000);
		assert_eq!(Spans::default().covered(), 0);
		assert!(!spans.open_ended());
		// Packets without durations (APE frames): the last one's is unknown.
		let mut frames = Spans::default();
		for start in [0, 73_728, 147_456] {
			assert!(frames.add(start, start, 10 * 44_100));
		}
		assert_eq!((frames.covered(), frames.longest_step()), (147_456, 73_728));
		assert!(frames.open_ended());
	}
}

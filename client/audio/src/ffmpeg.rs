//! WMA and APE through FFmpeg's own libraries (libavformat, libavcodec),
//! for the containers symphonia cannot read.
//!
//! The libraries are FFmpeg's source (Debian's), built by
//! `scripts/build-ffmpeg.sh` with nothing but these two demuxers and their
//! decoders, and linked in statically: the client needs no FFmpeg on the
//! machine, and starts without loading the ~130 libraries that a full
//! FFmpeg pulls in (25-30 ms of every process that opens one such file).
//!
//! FFmpeg reads the file through our [`MediaSource`] (a custom I/O context),
//! so a file still arriving from peers plays as any other. Only the demuxer
//! and decoders of these two formats are allowed (`format_whitelist`,
//! `codec_whitelist`): a file that claims to be WMA cannot reach the rest of
//! FFmpeg's parsers.

use super::{
	decode::{downmix, Pcm, Step, Want},
	AudioError, Format,
};
use ffmpeg_sys_next as ff;
use std::{
	ffi::{c_int, c_void, CStr},
	io::SeekFrom,
	ptr,
};
use symphonia::core::{io::MediaSource, meta::StandardTagKey, units::TimeBase};

/// Bytes FFmpeg reads from the source at a time.
const IO_BUFFER: usize = 64 * 1024;

/// The demuxer (FFmpeg's name), the decoders allowed behind it, and a human
/// name, for a format FFmpeg decodes here.
fn allowed(format: Format) -> Option<(&'static CStr, &'static CStr, &'static str)> {
	match format {
		Format::Wma => Some((c"asf", c"wmav1,wmav2,wmapro,wmalossless", "WMA")),
		Format::Ape => Some((c"ape", c"ape", "Monkey's Audio (APE)")),
		_ => None,
	}
}

/// FFmpeg says nothing on the terminal: what a damaged file does is
/// reported through [`AudioError`].
fn quiet() {
	static QUIET: std::sync::Once = std::sync::Once::new();
	// SAFETY: sets a global integer.
	QUIET.call_once(|| unsafe { ff::av_log_set_level(ff::AV_LOG_QUIET) });
}

/// Whether FFmpeg decodes files of this format here.
pub fn decodes(format: Format) -> bool {
	allowed(format).is_some()
}

/// An open audio track of a WMA or APE file, with its decoder.
pub(crate) struct FfTrack {
	fmt: *mut ff::AVFormatContext,
	io: *mut ff::AVIOContext,
	source: *mut Box<dyn MediaSource>,
	dec: *mut ff::AVCodecContext,
	pkt: *mut ff::AVPacket,
	frame: *mut ff::AVFrame,
	stream: c_int,
	/// Packets have gone into the decoder that may still give frames.
	feeding: bool,
	/// The demuxer is done and the decoder was told so.
	flushed: bool,
	pcm: Vec<i16>,
	mono: Vec<i16>,
	name: &'static str,
	pub time_base: Option<TimeBase>,
	pub declared_length: Option<u64>,
	pub tags: Vec<(StandardTagKey, String)>,
}

// SAFETY: the FFmpeg contexts are owned by this value alone and used from one
// thread at a time (`&mut self`); the source is `Send`.
unsafe impl Send for FfTrack {}

fn reason(code: c_int) -> String {
	let mut buf = [0 as std::ffi::c_char; 128];
	// SAFETY: the buffer's length is passed; av_strerror NUL-terminates.
	unsafe {
		ff::av_strerror(code, buf.as_mut_ptr(), buf.len());
		CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned()
	}
}

unsafe extern "C" fn read_packet(opaque: *mut c_void, buf: *mut u8, size: c_int) -> c_int {
	let Ok(len) = usize::try_from(size) else { return ff::AVERROR(ff::EINVAL) };
	let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
		// SAFETY: `opaque` is the `Box<dyn MediaSource>` FfTrack owns, alive
		// while FFmpeg reads; `buf` holds `size` bytes.
		let source = unsafe { &mut *(opaque as *mut Box<dyn MediaSource>) };
		let buf = unsafe { std::slice::from_raw_parts_mut(buf, len) };
		source.read(buf)
	}));
	match result {
		Ok(Ok(0)) => ff::AVERROR_EOF,
		Ok(Ok(n)) => c_int::try_from(n).unwrap_or(size),
		Ok(Err(_)) | Err(_) => ff::AVERROR(ff::EIO),
	}
}

unsafe extern "C" fn seek(opaque: *mut c_void, offset: i64, whence: c_int) -> i64 {
	let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
		// SAFETY: as in `read_packet`.
		let source = unsafe { &mut *(opaque as *mut Box<dyn MediaSource>) };
		if whence & ff::AVSEEK_SIZE != 0 {
			return source.byte_len().and_then(|n| i64::try_from(n).ok()).unwrap_or(-1);
		}
		let to = match whence & !ff::AVSEEK_FORCE {
			0 => SeekFrom::Start(u64::try_from(offset).unwrap_or(0)),
			1 => SeekFrom::Current(offset),
			2 => SeekFrom::End(offset),
			_ => return -1,
		};
		source.seek(to).ok().and_then(|p| i64::try_from(p).ok()).unwrap_or(-1)
	}));
	result.unwrap_or(-1)
}

impl FfTrack {
	/// Opens `source`, a file of `format` (WMA or APE), at its first audio
	/// track.
	pub fn open(source: Box<dyn MediaSource>, format: Format) -> Result<FfTrack, AudioError> {
		let Some((demuxer, codecs, name)) = allowed(format) else {
			return Err(AudioError::Unsupported(super::format_name(format)));
		};
		quiet();
		let container = |reason: String| AudioError::Container { format: name, reason };
		let mut track = FfTrack {
			fmt: ptr::null_mut(),
			io: ptr::null_mut(),
			source: Box::into_raw(Box::new(source)),
			dec: ptr::null_mut(),
			pkt: ptr::null_mut(),
			frame: ptr::null_mut(),
			stream: -1,
			feeding: false,
			flushed: false,
			pcm: Vec::new(),
			mono: Vec::new(),
			name,
			time_base: None,
			declared_length: None,
			tags: Vec::new(),
		};
		// SAFETY: every pointer is checked before use and owned by `track`,
		// whose Drop frees what was allocated whichever step fails.
		unsafe {
			let buffer = ff::av_malloc(IO_BUFFER) as *mut u8;
			if buffer.is_null() {
				return Err(container("out of memory".into()));
			}
			track.io = ff::avio_alloc_context(
				buffer,
				IO_BUFFER as c_int,
				0,
				track.source as *mut c_void,
				Some(read_packet),
				None,
				Some(seek),
			);
			if track.io.is_null() {
				ff::av_free(buffer as *mut c_void);
				return Err(container("out of memory".into()));
			}
			let mut fmt = ff::avformat_alloc_context();
			if fmt.is_null() {
				return Err(container("out of memory".into()));
			}
			(*fmt).pb = track.io;
			(*fmt).flags |= ff::AVFMT_FLAG_CUSTOM_IO;
			(*fmt).format_whitelist = ff::av_strdup(demuxer.as_ptr());
			(*fmt).codec_whitelist = ff::av_strdup(codecs.as_ptr());
			let input = ff::av_find_input_format(demuxer.as_ptr());
			// On failure FFmpeg frees the context (not our I/O) and nulls it.
			let opened = ff::avformat_open_input(&mut fmt, ptr::null(), input, ptr::null_mut());
			if opened < 0 {
				return Err(container(reason(opened)));
			}
			track.fmt = fmt;
			track.tags = read_tags((*fmt).metadata);

			let stream = ff::av_find_best_stream(
				fmt,
				ff::AVMediaType::AVMEDIA_TYPE_AUDIO,
				-1,
				-1,
				ptr::null_mut(),
				0,
			);
			if stream < 0 {
				return Err(AudioError::NoTrack);
			}
			track.stream = stream;
			let st = *(*fmt).streams.add(stream as usize);
			let par = (*st).codecpar;
			let codec = ff::avcodec_find_decoder((*par).codec_id);
			let allowed = !codec.is_null()
				&& codecs
					.to_bytes()
					.split(|b| *b == b',')
					.any(|c| c == CStr::from_ptr((*codec).name).to_bytes());
			if !allowed {
				let what = CStr::from_ptr(ff::avcodec_get_name((*par).codec_id)).to_string_lossy();
				return Err(AudioError::Codec {
					format: name,
					reason: format!("unsupported codec {what}"),
				});
			}
			track.dec = ff::avcodec_alloc_context3(codec);
			track.pkt = ff::av_packet_alloc();
			track.frame = ff::av_frame_alloc();
			if track.dec.is_null() || track.pkt.is_null() || track.frame.is_null() {
				return Err(container("out of memory".into()));
			}
			let codec_err = |code| AudioError::Codec { format: name, reason: reason(code) };
			let r = ff::avcodec_parameters_to_context(track.dec, par);
			if r < 0 {
				return Err(codec_err(r));
			}
			(*track.dec).thread_count = 1;
			let r = ff::avcodec_open2(track.dec, codec, ptr::null_mut());
			if r < 0 {
				return Err(codec_err(r));
			}

			let tb = (*st).time_base;
			if tb.num > 0 && tb.den > 0 {
				track.time_base = Some(TimeBase::new(tb.num as u32, tb.den as u32));
				let declared = if (*st).duration > 0 && (*st).duration != ff::AV_NOPTS_VALUE {
					Some((*st).duration)
				} else if (*fmt).duration > 0 && (*fmt).duration != ff::AV_NOPTS_VALUE {
					// AV_TIME_BASE (microseconds) into the stream's time base.
					let d = i128::from((*fmt).duration) * i128::from(tb.den)
						/ (i128::from(ff::AV_TIME_BASE) * i128::from(tb.num));
					i64::try_from(d).ok()
				} else {
					None
				};
				track.declared_length = declared.and_then(|d| u64::try_from(d).ok());
			}
		}
		Ok(track)
	}

	/// Reads the next packet of the track: decoded when `decode`, else
	/// only demuxed (when its time span is known).
	pub fn step(&mut self, want: Want) -> Result<Step<'_>, AudioError> {
		// SAFETY: the contexts were opened in `open` and are used from
		// `&mut self` only.
		unsafe {
			loop {
				if self.feeding {
					let r = ff::avcodec_receive_frame(self.dec, self.frame);
					if r == 0 {
						let got = self.convert(want == Want::Mono);
						ff::av_frame_unref(self.frame);
						return Ok(match got {
							Some((rate, channels)) => {
								let samples =
									if want == Want::Mono { &self.mono } else { &self.pcm };
								let interleaved = if want == Want::Mono { 1 } else { channels };
								Step::Pcm(Pcm { samples, rate, channels, interleaved })
							},
							None => Step::Damaged,
						});
					}
					if r == ff::AVERROR_EOF {
						return Ok(Step::End);
					}
					if r != ff::AVERROR(ff::EAGAIN) {
						// A frame the decoder could not make; it goes on.
						return Ok(Step::Damaged);
					}
					self.feeding = false;
				}
				if self.flushed {
					return Ok(Step::End);
				}
				let r = ff::av_read_frame(self.fmt, self.pkt);
				if r == ff::AVERROR_EOF || (r < 0 && ff::avio_feof(self.io) != 0) {
					// Drain what the decoder still holds.
					self.flushed = true;
					self.feeding = ff::avcodec_send_packet(self.dec, ptr::null()) == 0;
					continue;
				}
				if r == ff::AVERROR(ff::EIO) {
					return Err(AudioError::Container { format: self.name, reason: reason(r) });
				}
				if r < 0 {
					return Ok(Step::Damaged);
				}
				let pkt = &*self.pkt;
				if pkt.stream_index != self.stream {
					ff::av_packet_unref(self.pkt);
					continue;
				}
				let ts = if pkt.pts != ff::AV_NOPTS_VALUE { pkt.pts } else { pkt.dts };
				if want == Want::Span && ts != ff::AV_NOPTS_VALUE {
					// APE packets carry no duration: the next one's start says it.
					let start = u64::try_from(ts).unwrap_or(0);
					let end = start.saturating_add(u64::try_from(pkt.duration).unwrap_or(0));
					ff::av_packet_unref(self.pkt);
					return Ok(Step::Span(start, end));
				}
				let r = ff::avcodec_send_packet(self.dec, self.pkt);
				ff::av_packet_unref(self.pkt);
				self.feeding = true;
				if r < 0 && r != ff::AVERROR(ff::EAGAIN) {
					return Ok(Step::Damaged);
				}
			}
		}
	}

	/// The current frame as interleaved 16-bit samples in `self.pcm` (and
	/// downmixed into `self.mono` when `mono`): its rate and channels, or
	/// `None` for a layout that cannot be used.
	unsafe fn convert(&mut self, mono: bool) -> Option<(u32, usize)> {
		use ff::AVSampleFormat as S;
		// SAFETY: `frame` holds a decoded audio frame; its planes hold
		// `nb_samples` samples of `format` (one plane per channel when planar,
		// one interleaved plane otherwise).
		unsafe {
			let f = &*self.frame;
			let channels = usize::try_from(f.ch_layout.nb_channels).ok().filter(|c| *c > 0)?;
			let rate = u32::try_from(f.sample_rate).ok().filter(|r| *r > 0)?;
			let n = usize::try_from(f.nb_samples).ok()?;
			let format = f.format;
			let is = |a: S, b: S| format == a as c_int || format == b as c_int;
			let planar = [S::AV_SAMPLE_FMT_U8P, S::AV_SAMPLE_FMT_S16P, S::AV_SAMPLE_FMT_S32P]
				.iter()
				.chain(&[S::AV_SAMPLE_FMT_FLTP, S::AV_SAMPLE_FMT_DBLP])
				.any(|p| *p as c_int == format);
			if mono && channels == 2 && format == S::AV_SAMPLE_FMT_FLTP as c_int {
				// WMA's layout, straight to mono: 10 % of a WMA's
				// fingerprinting went to interleaving, then downmixing.
				let plane = |ch: usize| {
					std::slice::from_raw_parts(*f.extended_data.add(ch) as *const f32, n)
				};
				self.mono.clear();
				mean_of_floats(plane(0), plane(1), &mut self.mono, crate::has_avx2());
				return Some((rate, channels));
			}
			let out = &mut self.pcm;
			if is(S::AV_SAMPLE_FMT_S16, S::AV_SAMPLE_FMT_S16P) {
				interleave(f, planar, n, channels, |s: i16| s, out);
			} else if is(S::AV_SAMPLE_FMT_S32, S::AV_SAMPLE_FMT_S32P) {
				interleave(f, planar, n, channels, |s: i32| (s >> 16) as i16, out);
			} else if is(S::AV_SAMPLE_FMT_FLT, S::AV_SAMPLE_FMT_FLTP) {
				interleave(f, planar, n, channels, |s: f32| float_to_i16(f64::from(s)), out);
			} else if is(S::AV_SAMPLE_FMT_DBL, S::AV_SAMPLE_FMT_DBLP) {
				interleave(f, planar, n, channels, float_to_i16, out);
			} else if is(S::AV_SAMPLE_FMT_U8, S::AV_SAMPLE_FMT_U8P) {
				interleave(f, planar, n, channels, |s: u8| (i16::from(s) - 128) << 8, out);
			} else {
				return None;
			}
			if mono {
				self.mono.clear();
				downmix(&self.pcm, channels, &mut self.mono);
			}
			Some((rate, channels))
		}
	}
}

/// The `n` samples of each of a frame's `channels`, converted by `conv`, into
/// `out`, interleaved.
///
/// # Safety
/// `f` holds `n` samples of type `T` per channel: in one plane per channel
/// when `planar`, else interleaved in the first.
unsafe fn interleave<T: Copy>(
	f: &ff::AVFrame,
	planar: bool,
	n: usize,
	channels: usize,
	conv: impl Fn(T) -> i16,
	out: &mut Vec<i16>,
) {
	out.clear();
	out.reserve(n * channels);
	// SAFETY: as the caller promises.
	let plane = |ch: usize, len: usize| unsafe {
		std::slice::from_raw_parts(*f.extended_data.add(ch) as *const T, len)
	};
	if !planar {
		out.extend(plane(0, n * channels).iter().map(|s| conv(*s)));
		return;
	}
	match channels {
		1 => out.extend(plane(0, n).iter().map(|s| conv(*s))),
		2 => {
			for (l, r) in plane(0, n).iter().zip(plane(1, n)) {
				out.extend([conv(*l), conv(*r)]);
			}
		},
		_ => {
			let planes: Vec<&[T]> = (0..channels).map(|ch| plane(ch, n)).collect();
			for i in 0..n {
				out.extend(planes.iter().map(|p| conv(p[i])));
			}
		},
	}
}

/// The mono mix of two planes of floats, as [`downmix`] makes it of their
/// [`float_to_i16`] samples: eight frames a step with AVX2 when `avx2` (the
/// CPU must have it), else one by one.
fn mean_of_floats(left: &[f32], right: &[f32], out: &mut Vec<i16>, avx2: bool) {
	let n = left.len().min(right.len());
	let at = out.len();
	out.resize(at + n, 0);
	let dst = &mut out[at..];
	#[cfg(target_arch = "x86_64")]
	let whole = if avx2 {
		let whole = n - n % 8;
		// SAFETY: the caller promises the CPU has AVX2.
		unsafe { mean_of_floats_avx2(&left[..whole], &right[..whole], &mut dst[..whole]) };
		whole
	} else {
		0
	};
	#[cfg(not(target_arch = "x86_64"))]
	let whole = {
		let _ = avx2;
		0
	};
	for i in whole..n {
		let (l, r) = (float_to_i16(f64::from(left[i])), float_to_i16(f64::from(right[i])));
		dst[i] = ((i32::from(l) + i32::from(r)) / 2) as i16;
	}
}

/// [`mean_of_floats`]' steps eight frames at a time with AVX2; the lengths
/// are multiples of 8.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn mean_of_floats_avx2(left: &[f32], right: &[f32], dst: &mut [i16]) {
	use std::arch::x86_64::*;
	// Eight floats converted as `float_to_i16`, exactly, in `f32`: scaled
	// (by a power of two, exact), rounded half away from zero as the whole
	// part plus one step away from zero where the fraction (exact: `v -
	// trunc(v)`) is at least a half, clipped (`vminps`/`vmaxps` keep a NaN,
	// their second operand), truncated; a NaN is made 0 first, as `as i16`
	// makes it. An infinity's fraction is NaN, so it only clips.
	let convert = |p: &[f32]| {
		// SAFETY: AVX2 (this function's contract); the load reads the 8
		// floats of `p`.
		unsafe {
			let v = _mm256_mul_ps(_mm256_loadu_ps(p.as_ptr()), _mm256_set1_ps(32_768.0));
			let whole = _mm256_round_ps::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(v);
			let fraction = _mm256_andnot_ps(_mm256_set1_ps(-0.0), _mm256_sub_ps(v, whole));
			let away = _mm256_or_ps(_mm256_and_ps(v, _mm256_set1_ps(-0.0)), _mm256_set1_ps(1.0));
			let up = _mm256_cmp_ps::<_CMP_GE_OQ>(fraction, _mm256_set1_ps(0.5));
			let v = _mm256_add_ps(whole, _mm256_and_ps(up, away));
			let v = _mm256_max_ps(
				_mm256_set1_ps(-32_768.0),
				_mm256_min_ps(_mm256_set1_ps(32_767.0), v),
			);
			_mm256_cvttps_epi32(_mm256_and_ps(v, _mm256_cmp_ps::<_CMP_ORD_Q>(v, v)))
		}
	};
	for ((d, l), r) in dst.chunks_exact_mut(8).zip(left.chunks_exact(8)).zip(right.chunks_exact(8))
	{
		// SAFETY: AVX2; the store writes the 8 samples of `d`.
		unsafe {
			let sum = _mm256_add_epi32(convert(l), convert(r));
			let low = crate::decode::halved(_mm256_castsi256_si128(sum));
			let high = crate::decode::halved(_mm256_extracti128_si256::<1>(sum));
			_mm_storeu_si128(d.as_mut_ptr() as *mut __m128i, _mm_packs_epi32(low, high));
		}
	}
}

/// As FFmpeg's own conversion to 16 bits: scaled, rounded (half away from
/// zero, without a call into libm), clipped.
fn float_to_i16(x: f64) -> i16 {
	let v = x * 32768.0;
	(v + 0.5f64.copysign(v)).clamp(-32768.0, 32767.0) as i16
}

/// The container's tags, under the keys FFmpeg's demuxers give them (ASF's
/// `WM/AlbumTitle` is `album`, APEv2's `Year` is `year`, ...).
unsafe fn read_tags(dict: *const ff::AVDictionary) -> Vec<(StandardTagKey, String)> {
	let mut tags = Vec::new();
	let mut entry: *const ff::AVDictionaryEntry = ptr::null();
	loop {
		// SAFETY: iterating a dictionary FFmpeg owns, with its own cursor.
		entry = unsafe { ff::av_dict_get(dict, c"".as_ptr(), entry, ff::AV_DICT_IGNORE_SUFFIX) };
		if entry.is_null() {
			return tags;
		}
		// SAFETY: a non-null entry has NUL-terminated key and value.
		let (key, value) = unsafe {
			(
				CStr::from_ptr((*entry).key).to_string_lossy().to_ascii_lowercase(),
				CStr::from_ptr((*entry).value).to_string_lossy().into_owned(),
			)
		};
		let std = match key.as_str() {
			"title" => StandardTagKey::TrackTitle,
			"artist" | "author" | "album_artist" => StandardTagKey::Artist,
			"album" => StandardTagKey::Album,
			"genre" => StandardTagKey::Genre,
			"date" | "year" => StandardTagKey::Date,
			"track" => StandardTagKey::TrackNumber,
			_ => continue,
		};
		tags.push((std, value));
	}
}

impl Drop for FfTrack {
	fn drop(&mut self) {
		// SAFETY: each pointer is null or owned by this value; the FFmpeg
		// free functions take null and null the pointer they free.
		unsafe {
			ff::av_frame_free(&mut self.frame);
			ff::av_packet_free(&mut self.pkt);
			ff::avcodec_free_context(&mut self.dec);
			// With a custom I/O context, closing the input leaves it to us.
			ff::avformat_close_input(&mut self.fmt);
			if !self.io.is_null() {
				ff::av_freep(&mut (*self.io).buffer as *mut *mut u8 as *mut c_void);
				ff::avio_context_free(&mut self.io);
			}
			if !self.source.is_null() {
				drop(Box::from_raw(self.source));
			}
		}
	}
}

#[cfg(test)]
mod tests {
	#[test]
	fn floats_are_mixed_to_mono_as_converted_then_downmixed() {
		let (mut left, mut right) = crate::decode::tests::awkward_stereo();
		// Halves, where rounding away from zero decides, and the floats
		// either side of each, over and beyond the 16-bit range.
		for k in (-33_000..33_000).step_by(3) {
			let tie = (k as f32 + 0.5) / 32_768.0;
			let near = [f32::from_bits(tie.to_bits() - 1), tie, f32::from_bits(tie.to_bits() + 1)];
			left.extend(near);
			right.extend(near.map(|x| -x));
		}
		let (mut plain, mut fast) = (Vec::new(), Vec::new());
		super::mean_of_floats(&left, &right, &mut plain, false);
		super::mean_of_floats(&left, &right, &mut fast, crate::has_avx2());
		let mut interleaved = Vec::new();
		for (l, r) in left.iter().zip(&right) {
			interleaved.push(super::float_to_i16(f64::from(*l)));
			interleaved.push(super::float_to_i16(f64::from(*r)));
		}
		let mut expected = Vec::new();
		super::downmix(&interleaved, 2, &mut expected);
		assert_eq!(plain, expected);
		assert_eq!(fast, expected);
	}
}

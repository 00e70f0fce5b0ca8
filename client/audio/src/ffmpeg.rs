//! WMA and APE through FFmpeg's own libraries (libavformat, libavcodec),
//! for the containers symphonia cannot read.
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
	ffi::{c_char, c_int, c_void, CStr},
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

/// `read_packet` and `seek` callbacks of a custom I/O context.
type ReadFn = unsafe extern "C" fn(*mut c_void, *mut u8, c_int) -> c_int;
type SeekFn = unsafe extern "C" fn(*mut c_void, i64, c_int) -> i64;

/// Declares the FFmpeg functions used here as a table loaded at run time
/// (`lib` is the library that exports each), and a test that each entry has
/// the type of FFmpeg's own declaration in `ffmpeg-sys-next`.
macro_rules! ffmpeg_api {
	($($lib:ident $name:ident($($arg:ty),*) $(-> $ret:ty)?;)*) => {
		/// FFmpeg's functions, from its libraries loaded when a WMA or APE
		/// file first needs them: the client does not depend on FFmpeg to
		/// start (its ~130 libraries cost 25 ms of every start), nor to run
		/// without it.
		#[allow(non_snake_case)]
		pub(crate) struct Api {
			$($name: unsafe extern "C" fn($($arg),*) $(-> $ret)?,)*
			avio_alloc_context: unsafe extern "C" fn(
				*mut u8, c_int, c_int, *mut c_void, Option<ReadFn>, *const c_void, Option<SeekFn>,
			) -> *mut ff::AVIOContext,
		}

		impl Api {
			/// # Safety
			/// The libraries must be FFmpeg's, of the versions whose headers
			/// `ffmpeg-sys-next` was built with (their sonames say so).
			unsafe fn load(libs: &Libraries) -> Result<Api, libloading::Error> {
				// SAFETY: each symbol has the type FFmpeg declares (checked by
				// `the_table_has_ffmpegs_types`).
				unsafe {
					Ok(Api {
						$($name: *libs.$lib.get(concat!(stringify!($name), "\0").as_bytes())?,)*
						avio_alloc_context: *libs.avformat.get(b"avio_alloc_context\0")?,
					})
				}
			}
		}

		#[cfg(test)]
		#[test]
		fn the_table_has_ffmpegs_types() {
			$(let _: unsafe extern "C" fn($($arg),*) $(-> $ret)? = ff::$name;)*
		}
	};
}

ffmpeg_api! {
	avutil av_dict_get(*const ff::AVDictionary, *const c_char, *const ff::AVDictionaryEntry, c_int) -> *mut ff::AVDictionaryEntry;
	avutil av_frame_alloc() -> *mut ff::AVFrame;
	avutil av_frame_free(*mut *mut ff::AVFrame);
	avutil av_frame_unref(*mut ff::AVFrame);
	avutil av_free(*mut c_void);
	avutil av_freep(*mut c_void);
	avutil av_log_set_level(c_int);
	avutil av_malloc(usize) -> *mut c_void;
	avutil av_strdup(*const c_char) -> *mut c_char;
	avutil av_strerror(c_int, *mut c_char, usize) -> c_int;
	avcodec av_packet_alloc() -> *mut ff::AVPacket;
	avcodec av_packet_free(*mut *mut ff::AVPacket);
	avcodec av_packet_unref(*mut ff::AVPacket);
	avcodec avcodec_alloc_context3(*const ff::AVCodec) -> *mut ff::AVCodecContext;
	avcodec avcodec_find_decoder(ff::AVCodecID) -> *const ff::AVCodec;
	avcodec avcodec_free_context(*mut *mut ff::AVCodecContext);
	avcodec avcodec_get_name(ff::AVCodecID) -> *const c_char;
	avcodec avcodec_open2(*mut ff::AVCodecContext, *const ff::AVCodec, *mut *mut ff::AVDictionary) -> c_int;
	avcodec avcodec_parameters_to_context(*mut ff::AVCodecContext, *const ff::AVCodecParameters) -> c_int;
	avcodec avcodec_receive_frame(*mut ff::AVCodecContext, *mut ff::AVFrame) -> c_int;
	avcodec avcodec_send_packet(*mut ff::AVCodecContext, *const ff::AVPacket) -> c_int;
	avformat av_find_best_stream(*mut ff::AVFormatContext, ff::AVMediaType, c_int, c_int, *mut *const ff::AVCodec, c_int) -> c_int;
	avformat av_find_input_format(*const c_char) -> *const ff::AVInputFormat;
	avformat av_read_frame(*mut ff::AVFormatContext, *mut ff::AVPacket) -> c_int;
	avformat avformat_alloc_context() -> *mut ff::AVFormatContext;
	avformat avformat_close_input(*mut *mut ff::AVFormatContext);
	avformat avformat_open_input(*mut *mut ff::AVFormatContext, *const c_char, *const ff::AVInputFormat, *mut *mut ff::AVDictionary) -> c_int;
	avformat avio_context_free(*mut *mut ff::AVIOContext);
	avformat avio_feof(*mut ff::AVIOContext) -> c_int;
}

/// FFmpeg's libraries, by the sonames of the versions built against.
struct Libraries {
	avutil: libloading::Library,
	avcodec: libloading::Library,
	avformat: libloading::Library,
}

/// The FFmpeg functions, loaded once; why not, when they cannot be.
fn api() -> Result<&'static Api, String> {
	static API: std::sync::OnceLock<Result<(Libraries, Api), String>> = std::sync::OnceLock::new();
	let loaded = API.get_or_init(|| {
		let open = |name: &str, major: c_int| {
			let soname = format!("lib{name}.so.{major}");
			// SAFETY: FFmpeg's libraries run no code at load that could
			// break this process' invariants.
			unsafe { libloading::Library::new(&soname) }.map_err(|e| {
				format!(
					"FFmpeg's {soname} cannot be loaded ({e}); install it (Debian: apt-get install \
					 lib{name}{major})"
				)
			})
		};
		let libs = Libraries {
			avutil: open("avutil", ff::LIBAVUTIL_VERSION_MAJOR)?,
			avcodec: open("avcodec", ff::LIBAVCODEC_VERSION_MAJOR)?,
			avformat: open("avformat", ff::LIBAVFORMAT_VERSION_MAJOR)?,
		};
		// SAFETY: the sonames name the versions of the headers built against.
		let api = unsafe { Api::load(&libs) }
			.map_err(|e| format!("FFmpeg's libraries lack a function: {e}"))?;
		// What a damaged file does is reported through `AudioError`, not as
		// FFmpeg's log on the terminal.
		// SAFETY: sets a global integer.
		unsafe { (api.av_log_set_level)(ff::AV_LOG_QUIET) };
		Ok((libs, api))
	});
	loaded.as_ref().map(|(_, api)| api).map_err(Clone::clone)
}

/// Whether FFmpeg decodes files of this format here.
pub fn decodes(format: Format) -> bool {
	allowed(format).is_some()
}

/// An open audio track of a WMA or APE file, with its decoder.
pub(crate) struct FfTrack {
	api: &'static Api,
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

fn reason(api: &Api, code: c_int) -> String {
	let mut buf = [0 as std::ffi::c_char; 128];
	// SAFETY: the buffer's length is passed; av_strerror NUL-terminates.
	unsafe {
		(api.av_strerror)(code, buf.as_mut_ptr(), buf.len());
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
		let api = api().map_err(|reason| AudioError::NoFfmpeg { format: name, reason })?;
		let container = |reason: String| AudioError::Container { format: name, reason };
		let mut track = FfTrack {
			api,
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
			let buffer = (api.av_malloc)(IO_BUFFER) as *mut u8;
			if buffer.is_null() {
				return Err(container("out of memory".into()));
			}
			track.io = (api.avio_alloc_context)(
				buffer,
				IO_BUFFER as c_int,
				0,
				track.source as *mut c_void,
				Some(read_packet),
				ptr::null(),
				Some(seek),
			);
			if track.io.is_null() {
				(api.av_free)(buffer as *mut c_void);
				return Err(container("out of memory".into()));
			}
			let mut fmt = (api.avformat_alloc_context)();
			if fmt.is_null() {
				return Err(container("out of memory".into()));
			}
			(*fmt).pb = track.io;
			(*fmt).flags |= ff::AVFMT_FLAG_CUSTOM_IO;
			(*fmt).format_whitelist = (api.av_strdup)(demuxer.as_ptr());
			(*fmt).codec_whitelist = (api.av_strdup)(codecs.as_ptr());
			let input = (api.av_find_input_format)(demuxer.as_ptr());
			// On failure FFmpeg frees the context (not our I/O) and nulls it.
			let opened = (api.avformat_open_input)(&mut fmt, ptr::null(), input, ptr::null_mut());
			if opened < 0 {
				return Err(container(reason(api, opened)));
			}
			track.fmt = fmt;
			track.tags = read_tags(api, (*fmt).metadata);

			let stream = (api.av_find_best_stream)(
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
			let codec = (api.avcodec_find_decoder)((*par).codec_id);
			let allowed = !codec.is_null()
				&& codecs
					.to_bytes()
					.split(|b| *b == b',')
					.any(|c| c == CStr::from_ptr((*codec).name).to_bytes());
			if !allowed {
				let what =
					CStr::from_ptr((api.avcodec_get_name)((*par).codec_id)).to_string_lossy();
				return Err(AudioError::Codec {
					format: name,
					reason: format!("unsupported codec {what}"),
				});
			}
			track.dec = (api.avcodec_alloc_context3)(codec);
			track.pkt = (api.av_packet_alloc)();
			track.frame = (api.av_frame_alloc)();
			if track.dec.is_null() || track.pkt.is_null() || track.frame.is_null() {
				return Err(container("out of memory".into()));
			}
			let codec_err = |code| AudioError::Codec { format: name, reason: reason(api, code) };
			let r = (api.avcodec_parameters_to_context)(track.dec, par);
			if r < 0 {
				return Err(codec_err(r));
			}
			(*track.dec).thread_count = 1;
			let r = (api.avcodec_open2)(track.dec, codec, ptr::null_mut());
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
		let api = self.api;
		// SAFETY: the contexts were opened in `open` and are used from
		// `&mut self` only.
		unsafe {
			loop {
				if self.feeding {
					let r = (api.avcodec_receive_frame)(self.dec, self.frame);
					if r == 0 {
						let got = self.convert(want == Want::Mono);
						(api.av_frame_unref)(self.frame);
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
				let r = (api.av_read_frame)(self.fmt, self.pkt);
				if r == ff::AVERROR_EOF || (r < 0 && (api.avio_feof)(self.io) != 0) {
					// Drain what the decoder still holds.
					self.flushed = true;
					self.feeding = (api.avcodec_send_packet)(self.dec, ptr::null()) == 0;
					continue;
				}
				if r == ff::AVERROR(ff::EIO) {
					return Err(AudioError::Container {
						format: self.name,
						reason: reason(api, r),
					});
				}
				if r < 0 {
					return Ok(Step::Damaged);
				}
				let pkt = &*self.pkt;
				if pkt.stream_index != self.stream {
					(api.av_packet_unref)(self.pkt);
					continue;
				}
				let ts = if pkt.pts != ff::AV_NOPTS_VALUE { pkt.pts } else { pkt.dts };
				if want == Want::Span && ts != ff::AV_NOPTS_VALUE {
					// APE packets carry no duration: the next one's start says it.
					let start = u64::try_from(ts).unwrap_or(0);
					let end = start.saturating_add(u64::try_from(pkt.duration).unwrap_or(0));
					(api.av_packet_unref)(self.pkt);
					return Ok(Step::Span(start, end));
				}
				let r = (api.avcodec_send_packet)(self.dec, self.pkt);
				(api.av_packet_unref)(self.pkt);
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
/// [`float_to_i16`] samples: four frames a step with AVX2 when `avx2` (the
/// CPU must have it), else one by one.
fn mean_of_floats(left: &[f32], right: &[f32], out: &mut Vec<i16>, avx2: bool) {
	let n = left.len().min(right.len());
	let at = out.len();
	out.resize(at + n, 0);
	let dst = &mut out[at..];
	#[cfg(target_arch = "x86_64")]
	let whole = if avx2 {
		let whole = n - n % 4;
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

/// [`mean_of_floats`]' steps four frames at a time with AVX2; the lengths
/// are multiples of 4.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn mean_of_floats_avx2(left: &[f32], right: &[f32], dst: &mut [i16]) {
	use std::arch::x86_64::*;
	// Four floats widened to `f64` (where adding 0.5 is exact) and
	// converted as `float_to_i16`: scaled, 0.5 away from zero added, clipped
	// (`vminpd`/`vmaxpd` keep a NaN, their second operand), truncated; a NaN
	// is made 0 before the truncation, as `as i16` makes it.
	let convert = |p: &[f32]| {
		// SAFETY: AVX2 (this function's contract); the load reads the 4
		// floats of `p`.
		unsafe {
			let v =
				_mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(p.as_ptr())), _mm256_set1_pd(32_768.0));
			let half = _mm256_or_pd(_mm256_and_pd(v, _mm256_set1_pd(-0.0)), _mm256_set1_pd(0.5));
			let v = _mm256_add_pd(v, half);
			let v = _mm256_max_pd(
				_mm256_set1_pd(-32_768.0),
				_mm256_min_pd(_mm256_set1_pd(32_767.0), v),
			);
			_mm256_cvttpd_epi32(_mm256_and_pd(v, _mm256_cmp_pd(v, v, _CMP_ORD_Q)))
		}
	};
	for ((d, l), r) in dst.chunks_exact_mut(4).zip(left.chunks_exact(4)).zip(right.chunks_exact(4))
	{
		// SAFETY: AVX2; the store writes the 4 samples of `d`.
		unsafe {
			let sum = _mm_add_epi32(convert(l), convert(r));
			let mean = crate::decode::halved(sum);
			_mm_storel_epi64(d.as_mut_ptr() as *mut __m128i, _mm_packs_epi32(mean, mean));
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
unsafe fn read_tags(api: &Api, dict: *const ff::AVDictionary) -> Vec<(StandardTagKey, String)> {
	let mut tags = Vec::new();
	let mut entry: *const ff::AVDictionaryEntry = ptr::null();
	loop {
		// SAFETY: iterating a dictionary FFmpeg owns, with its own cursor.
		entry = unsafe { (api.av_dict_get)(dict, c"".as_ptr(), entry, ff::AV_DICT_IGNORE_SUFFIX) };
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
		let api = self.api;
		// SAFETY: each pointer is null or owned by this value; the FFmpeg
		// free functions take null and null the pointer they free.
		unsafe {
			(api.av_frame_free)(&mut self.frame);
			(api.av_packet_free)(&mut self.pkt);
			(api.avcodec_free_context)(&mut self.dec);
			// With a custom I/O context, closing the input leaves it to us.
			(api.avformat_close_input)(&mut self.fmt);
			if !self.io.is_null() {
				(api.av_freep)(&mut (*self.io).buffer as *mut *mut u8 as *mut c_void);
				(api.avio_context_free)(&mut self.io);
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
		let (left, right) = crate::decode::tests::awkward_stereo();
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

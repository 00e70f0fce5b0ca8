//! Decoding to PCM (symphonia, plus the libopus adapter) and fingerprinting
//! the first [`FINGERPRINT_SECONDS`] with rusty-chromaprint.

use super::{format_name, opus, AudioError};
use musicchain_primitives::{fingerprint::Fingerprint, Format};
use rusty_chromaprint::{Configuration, Fingerprinter};
use symphonia::core::{
	audio::SampleBuffer,
	codecs::{Decoder, DecoderOptions, CODEC_TYPE_NULL, CODEC_TYPE_OPUS},
	errors::Error as SymError,
	formats::{FormatOptions, FormatReader},
	io::{MediaSource, MediaSourceStream},
	meta::{MetadataOptions, StandardTagKey},
	probe::Hint,
};

/// Seconds of audio the fingerprint covers (as `fpcalc`'s default `-length`).
pub const FINGERPRINT_SECONDS: u64 = 120;

/// Demuxer errors in a row after which a stream is given up as corrupt.
const MAX_CONSECUTIVE_ERRORS: u32 = 64;

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
	left: u64,
	rate: u32,
	channels: usize,
}

enum Codec {
	/// Decoder, sample buffer, frames still to drop (MP4 priming).
	Symphonia(Box<dyn Decoder>, Option<SampleBuffer<i16>>, usize),
	Opus(opus::OpusDecoder, usize),
}

/// Decodes `source` (a file of container `format`) and fingerprints it.
///
/// `mp4_moov` is the `moov` box of an MP4 file, whose edit list says how many
/// priming frames to drop at the start.
pub fn decode(
	source: Box<dyn MediaSource>,
	format: Format,
	mp4_moov: Option<&[u8]>,
) -> Result<Decoded, AudioError> {
	let name = format_name(format);
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
	let declared_frames = params.n_frames;

	let (mut codec, mut sample_rate, mut channels) = if params.codec == CODEC_TYPE_OPUS {
		let head =
			params.extra_data.as_deref().and_then(opus::OpusHead::parse).ok_or_else(|| {
				AudioError::Container {
					format: name,
					reason: "Opus track without a valid OpusHead".into(),
				}
			})?;
		let dec = opus::OpusDecoder::new(&head).map_err(AudioError::Opus)?;
		let channels = dec.channels();
		// Ogg pages carry the pre-skip as packet trims; Matroska does not.
		let manual_skip = if format == Format::Mka { usize::from(head.pre_skip) } else { 0 };
		(Codec::Opus(dec, manual_skip), opus::SAMPLE_RATE, channels)
	} else {
		let dec = symphonia::default::get_codecs()
			.make(&params, &DecoderOptions::default())
			.map_err(|e| AudioError::Codec { format: name, reason: sym_reason(&e) })?;
		let rate = params.sample_rate.unwrap_or(0);
		let channels = params.channels.map(|c| c.count()).unwrap_or(0);
		let priming = mp4_moov.and_then(|m| super::mp4::priming_frames(m, rate)).unwrap_or(0);
		(Codec::Symphonia(dec, None, priming as usize), rate, channels)
	};

	let mut printer: Option<Printer> = None;
	let mut fingerprinting = true;
	let mut frames_total: u64 = 0;
	let mut packets: u64 = 0;
	let mut failed: u64 = 0;
	let mut consecutive: u32 = 0;

	loop {
		let packet = match reader.next_packet() {
			Ok(p) => p,
			Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
			Err(SymError::ResetRequired) => break,
			Err(SymError::IoError(e)) => {
				return Err(AudioError::Container { format: name, reason: e.to_string() })
			},
			Err(_) => {
				failed += 1;
				consecutive += 1;
				if consecutive >= MAX_CONSECUTIVE_ERRORS {
					break;
				}
				continue;
			},
		};
		if packet.track_id() != track_id {
			continue;
		}
		packets += 1;
		if !fingerprinting {
			// Past the fingerprint window only the duration is needed: demux,
			// do not decode.
			frames_total += packet.dur;
			consecutive = 0;
			continue;
		}
		let samples: &[i16] = match &mut codec {
			Codec::Symphonia(dec, buf, skip) => match dec.decode(&packet) {
				Ok(audio) => {
					let spec = *audio.spec();
					sample_rate = spec.rate;
					channels = spec.channels.count();
					let needed = audio.capacity() as u64 * spec.channels.count() as u64;
					if buf.as_ref().is_none_or(|b| (b.capacity() as u64) < needed) {
						*buf = Some(SampleBuffer::new(audio.capacity() as u64, spec));
					}
					match buf {
						Some(b) => {
							b.copy_interleaved_ref(audio);
							let ch = channels.max(1);
							let frames = b.samples().len() / ch;
							let start = (*skip).min(frames);
							*skip -= start;
							&b.samples()[start * ch..]
						},
						None => &[],
					}
				},
				Err(SymError::DecodeError(_)) | Err(SymError::IoError(_)) => {
					failed += 1;
					consecutive += 1;
					if consecutive >= MAX_CONSECUTIVE_ERRORS {
						break;
					}
					continue;
				},
				Err(e) => return Err(AudioError::Codec { format: name, reason: sym_reason(&e) }),
			},
			Codec::Opus(dec, skip) => match dec.decode(&packet.data) {
				Ok(pcm) => {
					let ch = channels.max(1);
					let frames = pcm.len() / ch;
					let start = (packet.trim_start() as usize + *skip).min(frames);
					*skip -= (*skip).min(frames);
					let end = frames.saturating_sub(packet.trim_end() as usize).max(start);
					&pcm[start * ch..end * ch]
				},
				Err(_) => {
					failed += 1;
					consecutive += 1;
					if consecutive >= MAX_CONSECUTIVE_ERRORS {
						break;
					}
					continue;
				},
			},
		};
		consecutive = 0;
		if channels == 0 || sample_rate == 0 {
			continue;
		}
		frames_total += (samples.len() / channels) as u64;
		if printer.is_none() {
			let mut fp = Fingerprinter::new(&Configuration::preset_test2());
			fp.start(sample_rate, channels as u32).map_err(|e| AudioError::Codec {
				format: name,
				reason: format!("cannot fingerprint {sample_rate} Hz, {channels} channels: {e:?}"),
			})?;
			let left = FINGERPRINT_SECONDS * u64::from(sample_rate) * channels as u64;
			printer = Some(Printer { fp, left, rate: sample_rate, channels });
		}
		if let Some(p) = &mut printer {
			if p.rate != sample_rate || p.channels != channels {
				// The stream changed its layout midway (a spliced file): the
				// fingerprint covers the audio up to the change.
				fingerprinting = false;
				continue;
			}
			let whole = samples.len() - samples.len() % channels;
			let take = whole.min(p.left as usize);
			p.fp.consume(&samples[..take]);
			p.left -= take as u64;
			if p.left == 0 {
				fingerprinting = false;
			}
		}
	}

	let Some(Printer { mut fp, .. }) = printer else {
		return Err(if failed > 0 {
			AudioError::Corrupt { failed, total: packets.max(failed) }
		} else {
			AudioError::NoAudio
		});
	};
	// More than a tenth of the packets lost (and more than a couple) is not
	// a file worth registering.
	if failed > 2 && failed * 10 > packets {
		return Err(AudioError::Corrupt { failed, total: packets.max(failed) });
	}
	let rate = u64::from(sample_rate);
	let duration_ms = frames_total * 1000 / rate;
	if let Some(declared) = declared_frames {
		let missing = declared.saturating_sub(frames_total);
		if missing > rate / 2 && missing * 100 > declared {
			return Err(AudioError::Truncated {
				actual_ms: duration_ms,
				declared_ms: declared * 1000 / rate,
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

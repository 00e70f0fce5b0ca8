//! Turning one audio file into what the library stores and the chain needs:
//! container, duration, Chromaprint fingerprint, tags, content hash and the
//! per-piece hashes with their manifest root.
//!
//! Everything here is a function of the file's bytes; nothing touches the
//! library store.

pub mod decode;
pub mod detect;
#[cfg(feature = "ffmpeg")]
pub mod ffmpeg;
pub mod mkv;
pub mod mp4;
pub mod opus;
pub mod resample;
pub mod tags;

pub use musicchain_primitives::pieces::hash_pieces;
use musicchain_primitives::{
	blake2_256, manifest_root, ContentHash, FingerprintHash, Format, ManifestRoot, PIECE_SIZE,
};
use serde::{Deserialize, Serialize};
use std::{
	fs::File,
	io::{BufReader, Read, Seek, SeekFrom},
	path::Path,
};

pub use decode::{Decoded, FINGERPRINT_SECONDS};

/// Whether the CPU has AVX2, for the loops that have an AVX2 form (checked
/// at run time: the client is built for every x86_64 CPU).
pub(crate) fn has_avx2() -> bool {
	#[cfg(target_arch = "x86_64")]
	return std::arch::is_x86_feature_detected!("avx2");
	#[cfg(not(target_arch = "x86_64"))]
	false
}
pub use tags::Tags;

/// Why a file could not be analysed. The path is added by the caller.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
	#[error("cannot read: {0}")]
	Io(#[from] std::io::Error),
	#[error("not a regular file")]
	NotAFile,
	#[error("empty file")]
	Empty,
	#[error("not an audio file (no known audio container signature)")]
	NotAudio,
	#[error("{0} is not supported (no decoder is available; convert it to FLAC or Opus)")]
	Unsupported(&'static str),
	#[error("cannot read the {format} container: {reason}")]
	Container { format: &'static str, reason: String },
	#[error("cannot decode the {format} audio: {reason}")]
	Codec { format: &'static str, reason: String },
	#[error("Opus: {0}")]
	Opus(String),
	#[error("no audio track")]
	NoTrack,
	#[error("no decodable audio")]
	NoAudio,
	#[error("corrupt: {failed} of {total} audio packets failed to decode")]
	Corrupt { failed: u64, total: u64 },
	#[error("truncated: {actual_ms} ms of audio where the header declares {declared_ms} ms")]
	Truncated { actual_ms: u64, declared_ms: u64 },
	#[error("{} of audio: longer than a song may be ({} hours), or its timestamps are broken", hours(*duration_ms), decode::MAX_DURATION_MS / 3_600_000)]
	TooLong { duration_ms: u64 },
	#[error("too short to fingerprint ({0} ms of audio)")]
	TooShort(u64),
	#[error("damaged data made the decoder fail: {0}")]
	Internal(String),
}

/// A duration in hours, or years when it is that absurd.
fn hours(ms: u64) -> String {
	let hours = ms as f64 / 3_600_000.0;
	if hours < 24.0 * 365.0 {
		format!("{hours:.1} hours")
	} else {
		format!("{:.0} years", hours / (24.0 * 365.25))
	}
}

thread_local! {
	static IN_GUARD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside a decoder library right now: a panic hook
/// can stay quiet about a panic there, which the decoding functions turn
/// into an [`AudioError::Internal`] (the `musicchain` binary's hook does).
pub fn in_decoder() -> bool {
	IN_GUARD.with(|g| g.get())
}

/// Runs `f`, turning a panic inside a decoder library into an error: no
/// file may crash the client.
fn guarded<T>(f: impl FnOnce() -> Result<T, AudioError>) -> Result<T, AudioError> {
	let was = IN_GUARD.with(|g| g.replace(true));
	let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
	IN_GUARD.with(|g| g.set(was));
	result.unwrap_or_else(|panic| {
		let msg = panic
			.downcast_ref::<&str>()
			.map(|s| s.to_string())
			.or_else(|| panic.downcast_ref::<String>().cloned())
			.unwrap_or_else(|| "panic".into());
		Err(AudioError::Internal(msg))
	})
}

/// A human name for a container format.
pub fn format_name(format: Format) -> &'static str {
	match format {
		Format::Mp3 => "MP3",
		Format::Ogg => "Ogg",
		Format::Flac => "FLAC",
		Format::M4a => "MP4/M4A",
		Format::Aac => "ADTS AAC",
		Format::Opus => "Ogg Opus",
		Format::Wav => "WAV",
		Format::Aiff => "AIFF",
		Format::Wma => "WMA",
		Format::Ape => "Monkey's Audio (APE)",
		Format::Mka => "Matroska",
	}
}

/// Whether files of this format can be decoded: all of them, but WMA and
/// APE only in a build with FFmpeg (the default `ffmpeg` feature).
pub fn is_supported(format: Format) -> bool {
	cfg!(feature = "ffmpeg") || !matches!(format, Format::Wma | Format::Ape)
}

/// Whether a path's extension is one the library scan looks at.
pub fn has_audio_extension(path: &Path) -> bool {
	path.extension().and_then(|e| e.to_str()).and_then(Format::from_extension).is_some()
}

/// What a file is, when its extension names an audio format musicchain does
/// not take (WavPack, Musepack, DSD, ...): a library scan names each such
/// file, with this, rather than passing it over.
pub fn unsupported_audio(path: &Path) -> Option<&'static str> {
	let ext = path.extension()?.to_str()?.to_ascii_lowercase();
	Some(match ext.as_str() {
		"wv" | "wvc" => "WavPack",
		"mpc" | "mp+" | "mpp" => "Musepack",
		"dsf" | "dff" => "DSD audio",
		"tak" => "TAK",
		"tta" => "True Audio (TTA)",
		"ofr" | "ofs" => "OptimFROG",
		"shn" => "Shorten",
		"spx" => "Speex",
		"ra" | "rm" | "ram" => "RealAudio",
		"au" | "snd" => "Sun/NeXT audio",
		"aa" | "aax" => "an Audible audiobook (DRM)",
		"m4p" => "iTunes-protected AAC (DRM)",
		"mp1" | "mp2" | "mpa" => "MPEG audio layer I/II",
		"ac3" | "eac3" => "Dolby Digital (AC-3)",
		"dts" => "DTS",
		"amr" | "awb" => "AMR speech audio",
		"caf" => "Core Audio Format (CAF)",
		"w64" => "Sony Wave64",
		"voc" => "Creative Voice",
		"gsm" => "GSM audio",
		"mid" | "midi" | "kar" => "MIDI (notes, not a recording)",
		"mod" | "xm" | "s3m" | "it" => "a tracker module (notes, not a recording)",
		_ => return None,
	})
}

/// The formats this build decodes, by name, for messages about the ones it
/// does not.
pub fn supported_names() -> String {
	let names: Vec<&str> =
		Format::ALL.iter().filter(|f| is_supported(**f)).map(|f| format_name(*f)).collect();
	names.join(", ")
}

/// Everything the library keeps about one analysed file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analysis {
	/// Container, as the primitives' one-byte [`Format`] code.
	pub format: u8,
	/// File size in bytes.
	pub size: u64,
	/// Duration in milliseconds.
	pub duration_ms: u64,
	/// Sample rate and channels of the decoded audio.
	pub sample_rate: u32,
	pub channels: u16,
	/// SHA-256 of the whole file.
	pub content_hash: ContentHash,
	/// Piece size used for `piece_hashes`.
	pub piece_size: u32,
	/// SHA-256 of each piece, in order.
	pub piece_hashes: Vec<[u8; 32]>,
	/// Root over `piece_hashes` (primitives' `manifest_root`).
	pub manifest_root: ManifestRoot,
	/// Compressed Chromaprint fingerprint (the `fpcalc` wire format).
	pub fingerprint: Vec<u8>,
	/// BLAKE2-256 of `fingerprint`, as registered on chain.
	pub fingerprint_hash: FingerprintHash,
	/// Tags read from the file.
	pub tags: Tags,
}

impl Analysis {
	/// The container format.
	pub fn format(&self) -> Option<Format> {
		Format::from_code(self.format)
	}

	/// The raw fingerprint (sub-fingerprints) for matching.
	pub fn fingerprint_items(&self) -> Vec<u32> {
		musicchain_primitives::fingerprint::codec::decompress(&self.fingerprint)
			.map(|f| f.items)
			.unwrap_or_default()
	}
}

/// Opens `path` as a regular, non-empty file and detects its container.
fn open_audio(path: &Path) -> Result<(File, Format), AudioError> {
	let meta = std::fs::metadata(path)?;
	if !meta.is_file() {
		return Err(AudioError::NotAFile);
	}
	let mut file = File::open(path)?;
	if meta.len() == 0 {
		return Err(AudioError::Empty);
	}
	let mut head = Vec::with_capacity(detect::HEAD_LEN);
	(&mut file).take(detect::HEAD_LEN as u64).read_to_end(&mut head)?;
	let ext = path.extension().and_then(|e| e.to_str());
	let mut format = detect::detect(&head, ext);
	let id3 = detect::id3v2_len(&head);
	if format.is_none() && id3 >= head.len() && (id3 as u64) < meta.len() {
		// ID3v2 tags (large cover art) longer than the head: look after them.
		file.seek(SeekFrom::Start(id3 as u64))?;
		let mut after = Vec::with_capacity(detect::HEAD_LEN);
		(&mut file).take(detect::HEAD_LEN as u64).read_to_end(&mut after)?;
		format = detect::detect(&after, ext);
	}
	let format = format.ok_or(AudioError::NotAudio)?;
	if !is_supported(format) {
		return Err(AudioError::Unsupported(format_name(format)));
	}
	file.rewind()?;
	Ok((file, format))
}

/// Decodes an open file from its start (and, for MP4, its edit list) and
/// fingerprints its first `seconds`; the file is left at no particular
/// position.
fn decode_file(file: &mut File, format: Format, seconds: u64) -> Result<Decoded, AudioError> {
	let moov = if format == Format::M4a { mp4::read_moov(&mut *file) } else { None };
	file.rewind()?;
	decode::decode(Box::new(file.try_clone()?), format, moov.as_deref(), seconds)
}

/// Decodes a file and fingerprints its first [`FINGERPRINT_SECONDS`], as
/// the library and the chain do.
pub fn fingerprint_file(path: &Path) -> Result<(Format, Decoded), AudioError> {
	fingerprint_file_for(path, FINGERPRINT_SECONDS)
}

/// Decodes a file and fingerprints its first `seconds` (`fpcalc -length`;
/// `u64::MAX` for all of it).
pub fn fingerprint_file_for(path: &Path, seconds: u64) -> Result<(Format, Decoded), AudioError> {
	guarded(|| {
		let (mut file, format) = open_audio(path)?;
		Ok((format, decode_file(&mut file, format, seconds)?))
	})
}

/// Analyses one file: detect, decode, fingerprint, tags, hashes.
pub fn analyze(path: &Path) -> Result<Analysis, AudioError> {
	guarded(|| analyze_unguarded(path))
}

fn analyze_unguarded(path: &Path) -> Result<Analysis, AudioError> {
	// One open file serves the decoder, the hashes and the tags: they all
	// describe the same bytes even if the path is replaced meanwhile (a tag
	// editor saving by rename).
	let (mut file, format) = open_audio(path)?;
	let decoded = decode_file(&mut file, format, FINGERPRINT_SECONDS)?;
	file.rewind()?;
	let (content_hash, piece_hashes, size) = hash_pieces(&mut file)?;
	file.rewind()?;
	let mut tags = tags::read(BufReader::new(&mut file));
	tags.fill_from(&decoded.tags);
	if format == Format::Mka {
		tags.fill_from(&mkv::read_tags(BufReader::new(&mut file)));
	}
	let fingerprint = decoded.fingerprint.compress();
	Ok(Analysis {
		format: format.code(),
		size,
		duration_ms: decoded.duration_ms,
		sample_rate: decoded.sample_rate,
		channels: decoded.channels,
		content_hash,
		piece_size: PIECE_SIZE,
		manifest_root: manifest_root(&piece_hashes),
		piece_hashes,
		fingerprint_hash: FingerprintHash(blake2_256(&fingerprint)),
		fingerprint,
		tags,
	})
}

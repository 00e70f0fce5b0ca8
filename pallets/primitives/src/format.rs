//! Container formats, stored on chain as one byte.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The container of a concrete audio file. Encoded as a single byte on chain;
/// the discriminants are part of the chain format and never change.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[repr(u8)]
pub enum Format {
	Mp3 = 0,
	Ogg = 1,
	Flac = 2,
	M4a = 3,
	Aac = 4,
	Opus = 5,
	Wav = 6,
	Aiff = 7,
	Wma = 8,
	Ape = 9,
	Mka = 10,
}

impl Format {
	/// Every format, in discriminant order.
	pub const ALL: [Format; 11] = [
		Format::Mp3,
		Format::Ogg,
		Format::Flac,
		Format::M4a,
		Format::Aac,
		Format::Opus,
		Format::Wav,
		Format::Aiff,
		Format::Wma,
		Format::Ape,
		Format::Mka,
	];

	/// The one-byte code stored on chain.
	pub const fn code(self) -> u8 {
		self as u8
	}

	/// The format for an on-chain byte, if it names one.
	pub fn from_code(code: u8) -> Option<Format> {
		Self::ALL.get(usize::from(code)).copied()
	}

	/// The canonical file extension (without dot) used when saving a download.
	pub const fn extension(self) -> &'static str {
		match self {
			Format::Mp3 => "mp3",
			Format::Ogg => "ogg",
			Format::Flac => "flac",
			Format::M4a => "m4a",
			Format::Aac => "aac",
			Format::Opus => "opus",
			Format::Wav => "wav",
			Format::Aiff => "aiff",
			Format::Wma => "wma",
			Format::Ape => "ape",
			Format::Mka => "mka",
		}
	}

	/// The format a file extension (without dot, any case) usually denotes.
	pub fn from_extension(ext: &str) -> Option<Format> {
		let mut buf = [0u8; 8];
		let bytes = ext.as_bytes();
		let lower = buf.get_mut(..bytes.len())?;
		for (d, s) in lower.iter_mut().zip(bytes) {
			*d = s.to_ascii_lowercase();
		}
		Some(match &*lower {
			b"mp3" => Format::Mp3,
			b"ogg" | b"oga" => Format::Ogg,
			b"flac" => Format::Flac,
			b"m4a" | b"mp4" | b"m4b" | b"alac" => Format::M4a,
			b"aac" | b"adts" => Format::Aac,
			b"opus" => Format::Opus,
			b"wav" | b"wave" => Format::Wav,
			b"aiff" | b"aif" | b"aifc" => Format::Aiff,
			b"wma" | b"asf" => Format::Wma,
			b"ape" => Format::Ape,
			b"mka" | b"mkv" | b"webm" => Format::Mka,
			_ => return None,
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn code_and_extension_round_trip() {
		for f in Format::ALL {
			assert_eq!(Format::from_code(f.code()), Some(f));
			assert_eq!(Format::from_extension(f.extension()), Some(f));
			assert_eq!(f.encode(), [f.code()]);
		}
		assert_eq!(Format::from_code(11), None);
		assert_eq!(Format::from_extension("FLAC"), Some(Format::Flac));
		assert_eq!(Format::from_extension("txt"), None);
		assert_eq!(Format::from_extension("averylongextension"), None);
		assert_eq!(Format::from_extension(""), None);
	}
}

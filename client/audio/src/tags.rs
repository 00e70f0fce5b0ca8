//! Tags (title, artist, album, genre, year, track) with lofty, falling back
//! to what symphonia's demuxer reports and, for Matroska (which neither
//! reads), to [`super::mkv`].

use lofty::{
	config::ParseOptions,
	prelude::{Accessor, TaggedFileExt},
	probe::Probe,
};
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek};
use symphonia::core::meta::StandardTagKey;

/// The tags the chain's metadata carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tags {
	pub title: Option<String>,
	pub artist: Option<String>,
	pub album: Option<String>,
	pub genre: Option<String>,
	pub year: Option<u16>,
	pub track: Option<u16>,
}

impl Tags {
	/// The on-chain metadata (fields truncated to their bounds).
	pub fn to_metadata(&self) -> musicchain_primitives::Metadata {
		musicchain_primitives::Metadata::from_strs(
			self.title.as_deref().unwrap_or_default(),
			self.artist.as_deref().unwrap_or_default(),
			self.album.as_deref().unwrap_or_default(),
			self.genre.as_deref().unwrap_or_default(),
			self.year,
			self.track,
		)
	}

	/// Fills fields still empty from demuxer tags.
	pub fn fill_from(&mut self, tags: &[(StandardTagKey, String)]) {
		for (key, value) in tags {
			let value = value.trim();
			if value.is_empty() {
				continue;
			}
			let text = || Some(value.to_string());
			match key {
				StandardTagKey::TrackTitle if self.title.is_none() => self.title = text(),
				StandardTagKey::Artist if self.artist.is_none() => self.artist = text(),
				StandardTagKey::Album if self.album.is_none() => self.album = text(),
				StandardTagKey::Genre if self.genre.is_none() => self.genre = text(),
				StandardTagKey::Date | StandardTagKey::ReleaseDate if self.year.is_none() => {
					self.year = leading_number(value)
				},
				StandardTagKey::TrackNumber if self.track.is_none() => {
					self.track = leading_number(value)
				},
				_ => {},
			}
		}
	}
}

/// The number at the start of `s` ("2024-05-01" -> 2024, "3/12" -> 3).
fn leading_number(s: &str) -> Option<u16> {
	let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
	digits.parse().ok()
}

/// Tags of the file `reader` yields from its current position (its kind
/// found from its content); a file without readable tags has none.
pub fn read(reader: impl Read + Seek) -> Tags {
	let opts = ParseOptions::new().read_properties(false).read_cover_art(false);
	let Ok(file) = Probe::new(reader)
		.options(opts)
		.guess_file_type()
		.map_err(Into::into)
		.and_then(|p| p.read())
	else {
		return Tags::default();
	};
	let Some(tag) = file.primary_tag().or_else(|| file.first_tag()) else {
		return Tags::default();
	};
	let text = |v: Option<std::borrow::Cow<'_, str>>| {
		v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
	};
	Tags {
		title: text(tag.title()),
		artist: text(tag.artist()),
		album: text(tag.album()),
		genre: text(tag.genre()),
		year: tag.date().map(|d| d.year),
		track: tag.track().and_then(|t| u16::try_from(t).ok()),
	}
}

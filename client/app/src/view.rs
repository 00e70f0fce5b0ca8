//! Songs as a front end shows them: plain fields, ready for JSON (the
//! command line's `--json` and the player app's API).

use musicchain_chain::catalog::{Song, Status};

/// A song of the catalog: its id, tags, length in milliseconds, status,
/// artist address and files.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SongView {
	pub id: u32,
	pub artist: String,
	pub title: String,
	pub album: String,
	pub genre: String,
	pub track: Option<u16>,
	pub duration_ms: u32,
	/// "pending", "active" or "hidden".
	pub status: &'static str,
	pub artist_account: String,
	pub variants: Vec<VariantView>,
}

/// One file of a song.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VariantView {
	/// 64 hex digits.
	pub content_hash: String,
	pub format: &'static str,
	pub size: u64,
}

/// A song's status as a front end names it.
pub fn status_name(status: Status) -> &'static str {
	match status {
		Status::Pending => "pending",
		Status::Active => "active",
		Status::Hidden => "hidden",
	}
}

impl From<&Song> for SongView {
	fn from(song: &Song) -> SongView {
		SongView {
			id: song.id,
			artist: song.artist(),
			title: song.title(),
			album: song.album(),
			genre: song.genre(),
			track: song.metadata.track,
			duration_ms: song.duration_ms,
			status: status_name(song.status),
			artist_account: musicchain_wallet::address(&song.artist_account),
			variants: song
				.variants
				.iter()
				.map(|v| VariantView {
					content_hash: v.content_hash.to_string(),
					format: musicchain_audio::format_name(v.format),
					size: v.size,
				})
				.collect(),
		}
	}
}

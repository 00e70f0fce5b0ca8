//! The song catalog as the client reads it: songs with their metadata and
//! their files (variants), in the primitives crate's own types.

use super::{mismatch, runtime, scale_into, Chain, ChainError};
use musicchain_primitives::{ContentHash, Format, ManifestRoot, Metadata, SongId};

/// Where a song is in its life on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
	Pending,
	Active,
	Hidden,
}

/// One file of a song.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
	pub content_hash: ContentHash,
	pub format: Format,
	pub size: u64,
	pub manifest_root: ManifestRoot,
}

/// A song of the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Song {
	pub id: SongId,
	pub artist_account: [u8; 32],
	pub status: Status,
	pub duration_ms: u32,
	pub metadata: Metadata,
	pub variants: Vec<Variant>,
}

/// A bounded UTF-8 field as text.
/// A song's text as the chain holds it, safe to print: invalid UTF-8 and
/// control characters (an artist could put terminal escape sequences, tabs
/// or line breaks in a title) become U+FFFD.
pub fn text(bytes: &[u8]) -> String {
	String::from_utf8_lossy(bytes)
		.chars()
		.map(|c| if c.is_control() { char::REPLACEMENT_CHARACTER } else { c })
		.collect()
}

impl Song {
	pub fn title(&self) -> String {
		text(&self.metadata.title)
	}
	pub fn artist(&self) -> String {
		text(&self.metadata.artist)
	}
	pub fn album(&self) -> String {
		text(&self.metadata.album)
	}
	pub fn genre(&self) -> String {
		text(&self.metadata.genre)
	}
}

type GenSongRecord = runtime::runtime_types::pallet_musicchain_songs::types::SongRecord<
	subxt::utils::AccountId32,
	u32,
>;
type GenVariantRecord = runtime::runtime_types::pallet_musicchain_songs::types::VariantRecord;

fn variant(content_hash: ContentHash, v: &GenVariantRecord) -> Result<Variant, ChainError> {
	Ok(Variant {
		content_hash,
		format: scale_into(&v.format)?,
		size: v.size,
		manifest_root: ManifestRoot(v.manifest_root),
	})
}

fn song(id: SongId, record: &GenSongRecord, variants: Vec<Variant>) -> Result<Song, ChainError> {
	use runtime::runtime_types::pallet_musicchain_songs::types::SongStatus as S;
	Ok(Song {
		id,
		artist_account: record.artist.0,
		status: match record.status {
			S::Pending => Status::Pending,
			S::Active => Status::Active,
			S::Hidden => Status::Hidden,
		},
		duration_ms: record.duration_ms,
		metadata: scale_into(&record.metadata)?,
		variants,
	})
}

impl Chain {
	/// The song `id` with its files, at the best block.
	pub async fn song(&self, id: SongId) -> Result<Option<Song>, ChainError> {
		self.read(|at| async move {
			let apis = runtime::runtime_apis().musicchain_api();
			let call = |e| self.api_error(e);
			let Some(record) = at.runtime_apis().call(apis.song(id)).await.map_err(call)? else {
				return Ok(None);
			};
			let files = at.runtime_apis().call(apis.variants(id)).await.map_err(call)?;
			let variants = files
				.iter()
				.map(|(hash, v)| variant(ContentHash(*hash), v))
				.collect::<Result<Vec<_>, _>>()?;
			song(id, &record, variants).map(Some)
		})
		.await
	}

	/// Replaces song `id`'s title, artist, album, genre, year and track
	/// with `metadata`, signed by `owner`; only the song's artist may.
	pub async fn update_metadata(
		&self,
		owner: &musicchain_wallet::Account,
		id: SongId,
		metadata: &Metadata,
	) -> Result<(), ChainError> {
		let call = runtime::tx().songs().update_metadata(id, scale_into(metadata)?);
		self.submit(owner, &call).await.map(|_| ())
	}

	/// Every song of the catalog with its files, at the best block, by id.
	pub async fn songs(&self) -> Result<Vec<Song>, ChainError> {
		self.read(|at| async move {
			let fetch = |e| self.storage_error(e);
			let mut files: std::collections::BTreeMap<SongId, Vec<Variant>> = Default::default();
			let entry = at
				.storage()
				.entry(runtime::storage().songs().variants())
				.map_err(|e| mismatch(&e))?;
			let mut all = entry.iter(()).await.map_err(fetch)?;
			while let Some(item) = all.next().await {
				let item = item.map_err(fetch)?;
				let (hash,) = item.key().and_then(|k| k.decode()).map_err(|e| mismatch(&e))?;
				let record = item.value().decode().map_err(|e| mismatch(&e))?;
				files.entry(record.song).or_default().push(variant(ContentHash(hash), &record)?);
			}
			let entry =
				at.storage().entry(runtime::storage().songs().songs()).map_err(|e| mismatch(&e))?;
			let mut all = entry.iter(()).await.map_err(fetch)?;
			let mut songs = Vec::new();
			while let Some(item) = all.next().await {
				let item = item.map_err(fetch)?;
				let (id,) = item.key().and_then(|k| k.decode()).map_err(|e| mismatch(&e))?;
				let record = item.value().decode().map_err(|e| mismatch(&e))?;
				songs.push(song(id, &record, files.remove(&id).unwrap_or_default())?);
			}
			songs.sort_by_key(|s| s.id);
			Ok(songs)
		})
		.await
	}
}

#[cfg(test)]
mod tests {
	use super::text;

	#[test]
	fn song_text_cannot_drive_the_terminal() {
		assert_eq!(text("Blue Monday".as_bytes()), "Blue Monday");
		assert_eq!(text("Été – ça".as_bytes()), "Été – ça");
		// A clear-screen escape, a carriage return, a tab and a newline.
		assert_eq!(text(b"a\x1b[2Jb\rc\td\ne"), "a\u{fffd}[2Jb\u{fffd}c\u{fffd}d\u{fffd}e");
		assert_eq!(text(&[0x66, 0xff, 0x6f]), "f\u{fffd}o");
	}
}

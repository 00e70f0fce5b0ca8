//! Stored types of the song registry.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use musicchain_primitives::{
	ContentHash, FingerprintHash, Format, ManifestRoot, Metadata, RoyaltySplits, SongId,
};
use scale_info::TypeInfo;

/// Where a song is in its life.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum SongStatus {
	/// Registered, awaiting the dedupe verdict (or its timeout).
	Pending,
	/// In the catalog.
	Active,
	/// Taken down from discovery by the moderators; its plays still settle.
	Hidden,
}

/// One song: one recording, one royalty entry.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct SongRecord<AccountId, BlockNumber> {
	pub artist: AccountId,
	pub status: SongStatus,
	/// BLAKE2-256 of the compressed Chromaprint fingerprint.
	pub fingerprint_hash: FingerprintHash,
	pub duration_ms: u32,
	pub metadata: Metadata,
	pub splits: RoyaltySplits<AccountId>,
	pub registered_at: BlockNumber,
	/// Chain time of registration, unix ms.
	pub registered_ms: u64,
}

/// A concrete file of a song, as given by whoever registers it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct VariantInfo {
	/// SHA-256 of the file's bytes.
	pub content_hash: ContentHash,
	pub format: Format,
	pub size: u64,
	pub piece_size: u32,
	/// SHA-256 over the ordered per-piece SHA-256 digests.
	pub manifest_root: ManifestRoot,
}

/// A variant as stored, keyed by its content hash.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct VariantRecord {
	pub song: SongId,
	pub format: Format,
	pub size: u64,
	pub piece_size: u32,
	pub manifest_root: ManifestRoot,
}

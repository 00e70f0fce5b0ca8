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

/// What a validator's dedupe matcher decided about a pending song.
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
pub enum Outcome {
	/// No registered song is the same recording: the song becomes Active.
	Unique,
	/// The same recording as `song` (which has this fingerprint hash, so a
	/// verdict made on another fork cannot apply): the file is folded into
	/// it as a variant and the pending song is removed.
	DuplicateOf { song: SongId, fingerprint_hash: FingerprintHash, similarity_ppm: u32 },
}

impl Outcome {
	/// Whether two verdicts say the same thing: both `Unique`, or both fold
	/// into the same song (the similarity each validator measured may
	/// differ a little with what its index held).
	pub fn agrees_with(&self, other: &Outcome) -> bool {
		match (self, other) {
			(Outcome::Unique, Outcome::Unique) => true,
			(
				Outcome::DuplicateOf { song: a, fingerprint_hash: fa, .. },
				Outcome::DuplicateOf { song: b, fingerprint_hash: fb, .. },
			) => a == b && fa == fb,
			_ => false,
		}
	}
}

/// A signed dedupe verdict, as submitted by a validator's offchain worker.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Verdict<AuthorityId> {
	/// The pending song judged.
	pub song: SongId,
	/// Its fingerprint hash: binds the verdict to this registration.
	pub fingerprint_hash: FingerprintHash,
	pub outcome: Outcome,
	/// The block author key that signed the verdict.
	pub authority: AuthorityId,
}

/// Domain separator of verdict signatures.
pub const VERDICT_DOMAIN: &[u8] = b"musicchain/dedupe-verdict/v1";

impl<AuthorityId: Encode> Verdict<AuthorityId> {
	/// The bytes an authority signs: domain ‖ genesis hash ‖ SCALE(verdict).
	pub fn signing_payload(&self, genesis: &[u8]) -> alloc::vec::Vec<u8> {
		let mut payload = VERDICT_DOMAIN.to_vec();
		payload.extend_from_slice(genesis);
		self.encode_to(&mut payload);
		payload
	}
}

/// What the moderators decided about a song's rewards (DESIGN §2.6). A song
/// with no decision is unvetted: its plays settle as pending credits unless
/// its artist is approved.
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
pub enum Decision {
	/// Its rewards are minted; its pending credits are paid out.
	Approved,
	/// It never earns again; its pending credits are void.
	Rejected,
}

/// A deposit held from `who` while a song awaits the moderators.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Deposit<AccountId> {
	pub who: AccountId,
	pub amount: u128,
}

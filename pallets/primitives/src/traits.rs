//! Interfaces between the musicchain pallets, free of FRAME types so the
//! pallets stay loosely coupled and each can be tested on its own.

use crate::{ContentHash, SongId};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_arithmetic::Permill;
use scale_info::TypeInfo;

/// What the play and royalty rules need to know about a song.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PlayableSong<AccountId> {
	pub artist: AccountId,
	pub duration_ms: u32,
	pub splits: Vec<(AccountId, Permill)>,
	/// Taken down from discovery; its plays still settle.
	pub hidden: bool,
}

/// Why a song cannot be played for rewards.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CatalogError {
	/// No song with that id.
	UnknownSong,
	/// The song awaits its dedupe verdict.
	NotActive,
	/// The content hash is not a variant of the song.
	NotAVariant,
}

/// Read access to the song registry.
pub trait SongCatalog<AccountId> {
	/// The song if it is Active or Hidden and `content_hash` is one of its variants.
	fn playable(
		song: SongId,
		content_hash: &ContentHash,
	) -> Result<PlayableSong<AccountId>, CatalogError>;
}

/// The royalty tier a play settled in.
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
pub enum Tier {
	/// Fewer than the threshold of prior plays: discoverer credit, artist escrow.
	Discovery,
	/// At or past the threshold: artist paid directly, listener burns.
	Mature,
}

/// What one settled play paid, for events and clients.
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
pub struct PlayReward {
	pub tier: Tier,
	/// Plays of the song before this one.
	pub prior_plays: u32,
	/// Minted to the listener (discoverer credit).
	pub listener: u128,
	/// Minted to the serving peer.
	pub server: u128,
	/// Minted for the artist and split beneficiaries.
	pub artist: u128,
	/// Whether any of the artist's part went into escrow: all of it in the
	/// discovery tier; in the mature tier only shares too small to open
	/// their beneficiary's account.
	pub escrowed: bool,
	/// Burned from the listener.
	pub burned: u128,
	/// Mints refused because they would have crossed the issuance cap.
	pub refused_mints: u8,
}

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
	/// The moderators approved the song or its artist: its rewards are
	/// minted. Until then they settle as pending credits (DESIGN §2.6).
	pub approved: bool,
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
	/// The moderators rejected the song: it never earns again.
	Rejected,
}

/// Read access to the song registry.
pub trait SongCatalog<AccountId> {
	/// The song if it is Active or Hidden and `content_hash` is one of its variants.
	fn playable(
		song: SongId,
		content_hash: &ContentHash,
	) -> Result<PlayableSong<AccountId>, CatalogError>;
	/// Who a song pays now, whatever its status: its artist and splits
	/// (the royalty ledger's payouts read them).
	fn payees(song: SongId) -> Option<(AccountId, Vec<(AccountId, Permill)>)>;
}

/// What the royalty ledger does when the moderators vet a song (DESIGN
/// §2.6), or when a song is about to pay someone else: the registry calls
/// it, the royalties pallet implements it.
pub trait OnVetted<AccountId> {
	/// `song` was approved: its pending credits are to be paid out.
	fn approved(song: SongId);
	/// `song` was rejected: its pending credits are void.
	fn rejected(song: SongId);
	/// `artist` was approved (all its songs, now and later).
	fn artist_approved(artist: &AccountId);
	/// `song`'s splits are about to change: the royalties it owes its
	/// current artist and split beneficiaries are paid to them first (at
	/// most `MAX_SPLITS + 1` accounts).
	fn payees_changing(song: SongId);
}

impl<AccountId> OnVetted<AccountId> for () {
	fn approved(_: SongId) {}
	fn rejected(_: SongId) {}
	fn artist_approved(_: &AccountId) {}
	fn payees_changing(_: SongId) {}
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
	/// Fewer than the threshold of prior plays: the listener earns a discoverer reward.
	Discovery,
	/// At or past the threshold: the listener burns on the supply curve.
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
	/// The artist's part (for the artist and split beneficiaries): minted
	/// into the royalty account and owed to them in the song's ledger, paid
	/// out in batches (or credited, see `credited`).
	pub artist: u128,
	/// The song is not approved yet: `listener`, `server` and `artist` were
	/// credited to the song's pending credits, not minted.
	pub credited: bool,
	/// Burned from the listener.
	pub burned: u128,
	/// Mints refused because they would have crossed the issuance cap.
	pub refused_mints: u8,
}

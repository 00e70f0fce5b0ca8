//! The musicchain runtime API: what wallets, the client and the node's RPC
//! ask the chain about songs and royalties, without decoding storage.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Codec, Decode, Encode};
use musicchain_primitives::{traits::Tier, ContentHash, FingerprintHash, SongId};
pub use pallet_musicchain_plays::Bond;
pub use pallet_musicchain_songs::{Decision, SongRecord, VariantRecord};
use scale_info::TypeInfo;

/// A song's settled plays and the tier its next play settles in.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct PlayCount {
	pub plays: u32,
	pub next_tier: Tier,
}

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Songs, variants, plays and royalties.
	pub trait MusicchainApi<AccountId, BlockNumber, Balance>
	where
		AccountId: Codec,
		BlockNumber: Codec,
		Balance: Codec,
	{
		/// The song with this id.
		fn song(song: SongId) -> Option<SongRecord<AccountId, BlockNumber>>;
		/// The song a file (by content hash) belongs to, and the file's record.
		fn song_by_content(content_hash: ContentHash) -> Option<VariantRecord>;
		/// The song registered with (or folded in under) this fingerprint hash.
		fn song_by_fingerprint(fingerprint_hash: FingerprintHash) -> Option<SongId>;
		/// A song's files, in the order they were added.
		fn variants(song: SongId) -> Vec<(ContentHash, VariantRecord)>;
		/// A song's settled plays and its next play's tier.
		fn play_count(song: SongId) -> PlayCount;
		/// Royalties escrowed for this account, awaiting the moderators' release.
		fn escrow(account: AccountId) -> Balance;
		/// This account's share of what songs owe their artists and splits
		/// and have not paid out yet (each song pays out once its debt
		/// passes a mark, or on `royalties.pay_royalties`). Reads every
		/// played song: meant for wallets, not for the chain's own logic.
		fn royalties_owed(account: AccountId) -> Balance;
		/// The moderators' decision on a song (its own, or its artist's
		/// approval); `None` while it awaits them, when its plays earn
		/// pending credits.
		fn vetting(song: SongId) -> Option<Decision>;
		/// Pending credits of a song, in all.
		fn song_credits(song: SongId) -> Balance;
		/// This account's pending credits over all songs (paid out when the
		/// moderators approve each song), its shares of the artists' parts
		/// included. Reads every pending credit and played song: meant for
		/// wallets, not for the chain's own logic.
		fn credits(account: AccountId) -> Balance;
		/// This account's serving bond, if it holds one.
		fn bond(account: AccountId) -> Option<Bond<BlockNumber>>;
		/// What a listener burns per mature-tier play at the current issuance.
		fn burn_quote() -> Balance;
	}
}

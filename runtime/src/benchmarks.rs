//! The pallets benchmarked by `musicchain-node benchmark pallet`, and the
//! runtime's side of the musicchain pallets' benchmark helpers.

use crate::{AccountId, Balances, Runtime, UNIT};
use musicchain_primitives::{
	traits::Tier, ContentHash, FingerprintHash, Format, ManifestRoot, Metadata, Permill, SongId,
	PIECE_SIZE,
};
use pallet_musicchain_songs::{
	ByFingerprint, NextSongId, SongRecord, SongStatus, SongVariants, Songs, VariantRecord, Variants,
};
use polkadot_sdk::{
	frame_benchmarking::account,
	frame_support::{
		traits::{fungible::Mutate, Get},
		BoundedVec,
	},
};

polkadot_sdk::frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_musicchain_songs, Songs]
	[pallet_musicchain_plays, Plays]
	[pallet_musicchain_royalties, Royalties]
);

/// Sets up plays' `submit` benchmark in the most expensive settlement of a
/// tier: an Active song in the registry (approved by the moderators, or
/// not), every artist and split beneficiary a new account with no escrow
/// yet. In the discovery tier the song has 9,999 prior plays; in the mature
/// tier it has 10,000, at an issuance between the floor and the cap (the
/// listener burns a non-zero quote and no mint is refused).
pub struct PlaysBenchmarkHelper;

impl pallet_musicchain_plays::BenchmarkHelper<AccountId> for PlaysBenchmarkHelper {
	fn playable_song(
		listener: &AccountId,
		duration_ms: u32,
		splits: u32,
		tier: Tier,
		approved: bool,
	) -> (SongId, ContentHash) {
		let song = NextSongId::<Runtime>::get();
		NextSongId::<Runtime>::put(song.saturating_add(1));
		let file = ContentHash([0xbb; 32]);
		let fingerprint_hash = FingerprintHash([0xfb; 32]);
		let splits: BoundedVec<_, _> = (0..splits)
			.map(|i| (account::<AccountId>("split", i, 0), Permill::from_percent(10)))
			.collect::<alloc::vec::Vec<_>>()
			.try_into()
			.unwrap_or_default();
		Songs::<Runtime>::insert(
			song,
			SongRecord {
				artist: account("artist", 0, 0),
				status: SongStatus::Active,
				fingerprint_hash,
				duration_ms,
				metadata: Metadata::from_strs("Benchmark", "Artist", "Album", "Genre", None, None),
				splits,
				registered_at: 0,
				registered_ms: 0,
			},
		);
		Variants::<Runtime>::insert(
			file,
			VariantRecord {
				song,
				format: Format::Flac,
				size: u64::from(PIECE_SIZE),
				piece_size: PIECE_SIZE,
				manifest_root: ManifestRoot([0; 32]),
			},
		);
		SongVariants::<Runtime>::insert(song, BoundedVec::truncate_from(alloc::vec![file]));
		ByFingerprint::<Runtime>::insert(fingerprint_hash, song);
		if approved {
			pallet_musicchain_songs::Vetting::<Runtime>::insert(
				song,
				pallet_musicchain_songs::Decision::Approved,
			);
		}
		let discovery_plays: u32 =
			<Runtime as pallet_musicchain_royalties::Config>::DiscoveryPlays::get();
		let prior_plays = match tier {
			Tier::Discovery => discovery_plays.saturating_sub(1),
			Tier::Mature => discovery_plays,
		};
		// The play passes a payout mark, with the payout queue one short of
		// full: the settlement's costliest path.
		let reward: u128 = <Runtime as pallet_musicchain_royalties::Config>::Reward::get();
		let mark: u128 = <Runtime as pallet_musicchain_royalties::Config>::RoyaltyPayoutAt::get();
		let owed = mark.saturating_sub(reward);
		let _ = Balances::mint_into(
			&pallet_musicchain_royalties::Pallet::<Runtime>::account_id(),
			owed,
		);
		pallet_musicchain_royalties::Ledger::<Runtime>::insert(
			song,
			pallet_musicchain_royalties::SongLedger { plays: prior_plays, owed, credited: 0 },
		);
		let max_due: u32 = <Runtime as pallet_musicchain_royalties::Config>::MaxRoyaltiesDue::get();
		pallet_musicchain_royalties::RoyaltiesDue::<Runtime>::put(BoundedVec::truncate_from(
			(1..max_due).map(|i| song.wrapping_add(i)).collect::<alloc::vec::Vec<_>>(),
		));
		if tier == Tier::Mature {
			// 1.5e9 MUSIC in issuance: the burn quote is 125 MUSIC.
			let whale: AccountId = account("whale", 0, 0);
			let _ = Balances::mint_into(&whale, 1_500_000_000 * UNIT);
			let _ = Balances::mint_into(listener, 10_000 * UNIT);
		}
		(song, file)
	}

	fn set_time_ms(now_ms: u64) {
		polkadot_sdk::pallet_timestamp::Now::<Runtime>::put(now_ms);
	}
}

/// Makes a benchmark's key the last of a full list of Aura authorities, so
/// the verdict authorization's membership check is at its worst.
pub struct SongsBenchmarkHelper;

impl pallet_musicchain_songs::BenchmarkHelper<crate::AuraId> for SongsBenchmarkHelper {
	fn set_authorities(ids: &[crate::AuraId]) {
		polkadot_sdk::pallet_aura::Authorities::<Runtime>::put(BoundedVec::truncate_from(
			ids.to_vec(),
		));
	}

	fn credit_song(song: SongId) {
		pallet_musicchain_royalties::Credits::<Runtime>::insert(
			song,
			account::<AccountId>("credited", song, 0),
			UNIT,
		);
	}

	fn owe_song(song: SongId) {
		owe(song, 10 * UNIT);
	}
}

/// Makes `song` owe `amount` to its artist and splits, held in the royalty
/// account as the plays would have left it.
fn owe(song: SongId, amount: u128) {
	let _ =
		Balances::mint_into(&pallet_musicchain_royalties::Pallet::<Runtime>::account_id(), amount);
	pallet_musicchain_royalties::Ledger::<Runtime>::mutate(song, |l| l.owed = amount);
}

/// Registers songs for the royalties benchmarks.
pub struct RoyaltiesBenchmarkHelper;

impl pallet_musicchain_royalties::BenchmarkHelper<AccountId> for RoyaltiesBenchmarkHelper {
	fn song_owing(splits: &[(AccountId, Permill)], amount: u128) -> SongId {
		let song = NextSongId::<Runtime>::get();
		NextSongId::<Runtime>::put(song.saturating_add(1));
		Songs::<Runtime>::insert(
			song,
			SongRecord {
				artist: account("artist", 0, 0),
				status: SongStatus::Active,
				fingerprint_hash: FingerprintHash([0xfc; 32]),
				duration_ms: 240_000,
				metadata: Metadata::from_strs("Benchmark", "Artist", "Album", "Genre", None, None),
				splits: BoundedVec::truncate_from(splits.to_vec()),
				registered_at: 0,
				registered_ms: 0,
			},
		);
		owe(song, amount);
		song
	}
}

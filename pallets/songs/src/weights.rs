//! Weights of pallet-songs.
//!
//! PROVISIONAL: hand estimates awaiting the benchmark run on the reference
//! machine (see the runtime issue); deliberately generous. The file already
//! has the shape that `benchmark pallet --template
//! scripts/frame-weight-template.hbs` writes, so the generated file replaces
//! it as is. Proof sizes assume the musicchain runtime's bounds
//! (`MaxVariants` 32, `MaxPendingPerBlock` 64, 32 Aura authorities).

#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for `pallet_musicchain_songs`.
pub trait WeightInfo {
	fn register(f: u32, s: u32) -> Weight;
	fn add_variant() -> Weight;
	fn update_metadata() -> Weight;
	fn update_splits(s: u32) -> Weight;
	fn set_hidden() -> Weight;
	fn activate_timed_out(n: u32) -> Weight;
	fn submit_verdict() -> Weight;
	fn authorize_verdict() -> Weight;
}

/// Weights for `pallet_musicchain_songs` using the musicchain node and
/// reference hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Estimate: decoding the fingerprint, hashing it and copying it to the
	/// offchain index grow with its length `f`; validating the splits grows
	/// with `s`. Reads `ByFingerprint`, `NextSongId`, `PendingDeadlines`
	/// (nearly full), `Variants`, `SongVariants` and `Timestamp::Now`; writes
	/// `PendingDeadlines`, `SongVariants`, `Variants`, `Songs`, `ByFingerprint`
	/// and `NextSongId`.
	/// The range of component `f` is `[64, 16384]`.
	/// The range of component `s` is `[0, 8]`.
	fn register(f: u32, s: u32) -> Weight {
		Weight::from_parts(80_000_000, 14_000)
			.saturating_add(Weight::from_parts(60_000, 0).saturating_mul(f.into()))
			.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(6_u64))
	}
	/// Estimate: reads `Songs`, `Variants` and `SongVariants` (one slot
	/// free); writes `SongVariants` and `Variants`.
	fn add_variant() -> Weight {
		Weight::from_parts(40_000_000, 10_500)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
	/// Estimate: the largest `Songs` record read and written.
	fn update_metadata() -> Weight {
		Weight::from_parts(40_000_000, 4_500)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Estimate: the largest `Songs` record read and written; validating
	/// the splits grows with `s`.
	/// The range of component `s` is `[0, 8]`.
	fn update_splits(s: u32) -> Weight {
		Weight::from_parts(40_000_000, 4_500)
			.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Estimate: the largest `Songs` record read and written.
	fn set_hidden() -> Weight {
		Weight::from_parts(30_000_000, 4_500)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Estimate: `PendingDeadlines` of the block taken; each of the `n`
	/// largest `Songs` records read and written.
	/// The range of component `n` is `[0, 64]`.
	fn activate_timed_out(n: u32) -> Weight {
		Weight::from_parts(5_000_000, 4_000)
			.saturating_add(Weight::from_parts(20_000_000, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 3_400).saturating_mul(n.into()))
	}
	/// Estimate: a `DuplicateOf` fold. Reads both `Songs` records, the full
	/// `PendingDeadlines` list, both `SongVariants` lists and the file's
	/// `Variants` entry; writes those and `ByFingerprint`.
	fn submit_verdict() -> Weight {
		Weight::from_parts(60_000_000, 20_500)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(6_u64))
	}
	/// Estimate: one sr25519 verification; reads both `Songs` records, the
	/// Aura authorities and the genesis hash.
	fn authorize_verdict() -> Weight {
		Weight::from_parts(80_000_000, 12_000).saturating_add(T::DbWeight::get().reads(4_u64))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	/// The range of component `f` is `[64, 16384]`.
	/// The range of component `s` is `[0, 8]`.
	fn register(f: u32, s: u32) -> Weight {
		Weight::from_parts(80_000_000, 14_000)
			.saturating_add(Weight::from_parts(60_000, 0).saturating_mul(f.into()))
			.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(s.into()))
			.saturating_add(RocksDbWeight::get().reads(6_u64))
			.saturating_add(RocksDbWeight::get().writes(6_u64))
	}
	fn add_variant() -> Weight {
		Weight::from_parts(40_000_000, 10_500)
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(2_u64))
	}
	fn update_metadata() -> Weight {
		Weight::from_parts(40_000_000, 4_500)
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	/// The range of component `s` is `[0, 8]`.
	fn update_splits(s: u32) -> Weight {
		Weight::from_parts(40_000_000, 4_500)
			.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(s.into()))
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn set_hidden() -> Weight {
		Weight::from_parts(30_000_000, 4_500)
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	/// The range of component `n` is `[0, 64]`.
	fn activate_timed_out(n: u32) -> Weight {
		Weight::from_parts(5_000_000, 4_000)
			.saturating_add(Weight::from_parts(20_000_000, 0).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
			.saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 3_400).saturating_mul(n.into()))
	}
	fn submit_verdict() -> Weight {
		Weight::from_parts(60_000_000, 20_500)
			.saturating_add(RocksDbWeight::get().reads(6_u64))
			.saturating_add(RocksDbWeight::get().writes(6_u64))
	}
	fn authorize_verdict() -> Weight {
		Weight::from_parts(80_000_000, 12_000).saturating_add(RocksDbWeight::get().reads(4_u64))
	}
}

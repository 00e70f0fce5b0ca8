//! Weights of pallet-plays.
//!
//! PROVISIONAL: hand estimates awaiting the benchmark run on the reference
//! machine (see the runtime issue); they are deliberately generous so blocks
//! cannot be overfilled meanwhile. The file already has the shape that
//! `benchmark pallet --template scripts/frame-weight-template.hbs` writes, so
//! the generated file replaces it as is.

#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for `pallet_musicchain_plays`.
pub trait WeightInfo {
	fn submit(h: u32, s: u32) -> Weight;
	fn check(h: u32) -> Weight;
	fn sweep_entry() -> Weight;
}

/// Weights for `pallet_musicchain_plays` using the musicchain node and
/// reference hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Estimate: sr25519 verification over the payload, per-heartbeat checks
	/// and a sort for the coverage union; reads of the song, its variant,
	/// the time, the genesis hash, `LastPlay` and `DailyPlays`, plus the
	/// settlement (play count, issuance, listener, server, artist escrow);
	/// each royalty split adds one payee account or escrow entry.
	/// The range of component `h` is `[1, 4800]`.
	/// The range of component `s` is `[0, 8]`.
	fn submit(h: u32, s: u32) -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(Weight::from_parts(150_000, 0).saturating_mul(h.into()))
			.saturating_add(Weight::from_parts(30_000_000, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(12_u64))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(s.into())))
			.saturating_add(T::DbWeight::get().writes(9_u64))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(s.into())))
			.saturating_add(Weight::from_parts(0, 16).saturating_mul(h.into()))
			.saturating_add(Weight::from_parts(0, 2_700).saturating_mul(s.into()))
	}
	/// Estimate: sr25519 verification over the payload and the heartbeat
	/// rules; reads of the song, its variant, the time, the genesis hash,
	/// `LastPlay` and `DailyPlays`.
	/// The range of component `h` is `[1, 4800]`.
	fn check(h: u32) -> Weight {
		Weight::from_parts(100_000_000, 4_000)
			.saturating_add(Weight::from_parts(150_000, 0).saturating_mul(h.into()))
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(Weight::from_parts(0, 16).saturating_mul(h.into()))
	}
	/// Estimate: the sweep cursor, one `LastPlay` and one `DailyPlays` entry
	/// read and removed.
	fn sweep_entry() -> Weight {
		Weight::from_parts(20_000_000, 3_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	/// The range of component `h` is `[1, 4800]`.
	/// The range of component `s` is `[0, 8]`.
	fn submit(h: u32, s: u32) -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(Weight::from_parts(150_000, 0).saturating_mul(h.into()))
			.saturating_add(Weight::from_parts(30_000_000, 0).saturating_mul(s.into()))
			.saturating_add(RocksDbWeight::get().reads(12_u64))
			.saturating_add(RocksDbWeight::get().reads((2_u64).saturating_mul(s.into())))
			.saturating_add(RocksDbWeight::get().writes(9_u64))
			.saturating_add(RocksDbWeight::get().writes((2_u64).saturating_mul(s.into())))
			.saturating_add(Weight::from_parts(0, 16).saturating_mul(h.into()))
			.saturating_add(Weight::from_parts(0, 2_700).saturating_mul(s.into()))
	}
	/// The range of component `h` is `[1, 4800]`.
	fn check(h: u32) -> Weight {
		Weight::from_parts(100_000_000, 4_000)
			.saturating_add(Weight::from_parts(150_000, 0).saturating_mul(h.into()))
			.saturating_add(RocksDbWeight::get().reads(6_u64))
			.saturating_add(Weight::from_parts(0, 16).saturating_mul(h.into()))
	}
	fn sweep_entry() -> Weight {
		Weight::from_parts(20_000_000, 3_000)
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
}

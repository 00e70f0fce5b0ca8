//! Weights of pallet-royalties.
//!
//! PROVISIONAL: hand estimates awaiting the benchmark run on the reference
//! machine (see the runtime issue); deliberately generous. The file already
//! has the shape that `benchmark pallet --template
//! scripts/frame-weight-template.hbs` writes, so the generated file replaces
//! it as is.

#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for `pallet_musicchain_royalties`.
pub trait WeightInfo {
	fn release_escrow() -> Weight;
}

/// Weights for `pallet_musicchain_royalties` using the musicchain node and
/// reference hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Estimate: `Escrow` and `TotalEscrow`, the escrow account and the
	/// beneficiary's (new) account, each read and written.
	fn release_escrow() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	fn release_escrow() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads(4_u64))
			.saturating_add(RocksDbWeight::get().writes(4_u64))
	}
}

//! Weights of pallet-royalties.
//!
//! PROVISIONAL: estimates awaiting the benchmark run on the reference
//! machine (see the runtime issue); deliberately generous.

use polkadot_sdk::frame_support::weights::{constants::RocksDbWeight, Weight};

/// Weight functions of this pallet.
pub trait WeightInfo {
	fn release_escrow() -> Weight;
}

impl WeightInfo for () {
	fn release_escrow() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads_writes(4, 4))
	}
}

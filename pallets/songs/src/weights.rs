//! Weights of pallet-songs.
//!
//! PROVISIONAL: estimates awaiting the benchmark run on the reference
//! machine (see the runtime issue); deliberately generous.

use polkadot_sdk::frame_support::weights::{constants::RocksDbWeight, Weight};

/// Weight functions of this pallet.
pub trait WeightInfo {
	/// `register` with a fingerprint of `f` bytes and `s` splits.
	fn register(f: u32, s: u32) -> Weight;
	fn add_variant() -> Weight;
	/// `update_metadata`.
	fn update_metadata() -> Weight;
	/// `update_splits` with `s` splits.
	fn update_splits(s: u32) -> Weight;
	fn set_hidden() -> Weight;
	/// Activation of `n` songs whose verdict timed out.
	fn activate_timed_out(n: u32) -> Weight;
	/// `submit_verdict` (the heavier of Unique and DuplicateOf).
	fn submit_verdict() -> Weight;
	/// Its authorization: state checks and one signature verification.
	fn authorize_verdict() -> Weight;
}

impl WeightInfo for () {
	fn register(f: u32, s: u32) -> Weight {
		Weight::from_parts(80_000_000, 2_000)
			.saturating_add(Weight::from_parts(60_000, 1).saturating_mul(f.into()))
			.saturating_add(Weight::from_parts(1_000_000, 40).saturating_mul(s.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(5, 6))
	}
	fn add_variant() -> Weight {
		Weight::from_parts(40_000_000, 2_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 2))
	}
	fn update_metadata() -> Weight {
		Weight::from_parts(40_000_000, 2_000)
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn update_splits(s: u32) -> Weight {
		Weight::from_parts(40_000_000, 2_000)
			.saturating_add(Weight::from_parts(1_000_000, 40).saturating_mul(s.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn set_hidden() -> Weight {
		Weight::from_parts(30_000_000, 2_000)
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn activate_timed_out(n: u32) -> Weight {
		Weight::from_parts(5_000_000, 100)
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1).saturating_mul(n.into()))
	}
	fn submit_verdict() -> Weight {
		Weight::from_parts(40_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads_writes(6, 6))
	}
	fn authorize_verdict() -> Weight {
		Weight::from_parts(80_000_000, 2_000).saturating_add(RocksDbWeight::get().reads(4))
	}
}

//! Weights of pallet-plays.
//!
//! PROVISIONAL: these figures are estimates awaiting the benchmark run on
//! the reference machine (see the runtime issue); they are deliberately
//! generous so blocks cannot be overfilled meanwhile.

use polkadot_sdk::frame_support::weights::{constants::RocksDbWeight, Weight};

/// Weight functions of this pallet.
pub trait WeightInfo {
	/// `submit` with `h` heartbeats.
	fn submit(h: u32) -> Weight;
	/// One entry visited by the `on_idle` sweep.
	fn sweep_entry() -> Weight;
}

impl WeightInfo for () {
	fn submit(h: u32) -> Weight {
		// sr25519 verification plus the payload hash, per-heartbeat checks and
		// a sort for the coverage union; 4 reads and 2 writes of our own (the
		// settlement's storage is added by the royalties weight below).
		Weight::from_parts(120_000_000, 4_000)
			.saturating_add(Weight::from_parts(150_000, 16).saturating_mul(h.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(4, 2))
			// royalties settlement: issuance, three accounts, escrow, play count.
			.saturating_add(RocksDbWeight::get().reads_writes(6, 6))
	}
	fn sweep_entry() -> Weight {
		Weight::from_parts(20_000_000, 200).saturating_add(RocksDbWeight::get().reads_writes(2, 2))
	}
}

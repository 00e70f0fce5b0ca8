//! Weights of the polkadot-sdk pallets in this runtime, measured on the
//! reference machine by `scripts/benchmark.sh` (the musicchain pallets keep
//! theirs in `pallets/*/src/weights.rs`).

pub mod frame_system;
pub mod pallet_balances;
pub mod pallet_sudo;
pub mod pallet_timestamp;

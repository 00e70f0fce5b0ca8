//! Types and pure functions shared by the musicchain runtime and client.
//!
//! Everything here is `no_std`, integer-only and deterministic, so the runtime
//! (wasm), the node's offchain worker and RPC, and the client (native) compute
//! exactly the same results from the same bytes.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod burn;
pub mod fingerprint;
pub mod format;
pub mod hashes;
pub mod metadata;
#[cfg(feature = "std")]
pub mod pieces;
pub mod receipt;
pub mod traits;

pub use bounded_collections::{BoundedVec, ConstU32};
pub use burn::{burn_quote, SupplyCurve};
pub use fingerprint::{
	codec::{decode_base64 as decode_fingerprint_base64, FingerprintError},
	CompressedFingerprint, Fingerprint,
};
pub use format::Format;
pub use hashes::{ContentHash, FingerprintHash, ManifestRoot};
pub use metadata::{Metadata, RoyaltySplits, SplitError};
pub use polkadot_sdk::sp_arithmetic::Permill;
pub use receipt::{Heartbeat, PlayRules, ReceiptError, SessionReceipt};

/// Identifier of a song (one recording = one royalty entry).
pub type SongId = u32;

/// Pieces a file is split into for transfer and verification: 256 KiB.
pub const PIECE_SIZE: u32 = 256 * 1024;

/// One MUSIC token in the chain's smallest unit (12 decimals).
pub const UNIT: u128 = 1_000_000_000_000;

/// BLAKE2-256, the hash used for fingerprint hashes.
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
	polkadot_sdk::sp_crypto_hashing::blake2_256(data)
}

/// SHA-256, the hash used for content hashes, pieces and manifests.
pub fn sha2_256(data: &[u8]) -> [u8; 32] {
	polkadot_sdk::sp_crypto_hashing::sha2_256(data)
}

/// Manifest root of a file: SHA-256 over the concatenation of its ordered
/// per-piece SHA-256 digests.
pub fn manifest_root(piece_hashes: &[[u8; 32]]) -> ManifestRoot {
	let mut bytes = alloc::vec::Vec::with_capacity(piece_hashes.len().saturating_mul(32));
	for h in piece_hashes {
		bytes.extend_from_slice(h);
	}
	ManifestRoot(sha2_256(&bytes))
}

/// Number of pieces of a file of `size` bytes split into `piece_size` pieces.
pub fn piece_count(size: u64, piece_size: u32) -> u64 {
	if piece_size == 0 {
		return 0;
	}
	size.div_ceil(u64::from(piece_size))
}

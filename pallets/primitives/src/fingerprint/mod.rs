//! Chromaprint fingerprints: the compressed wire format `fpcalc` prints
//! ([`codec`]) and the AcoustID-style matcher ([`matcher`]).

pub mod codec;
pub mod index;
pub mod matcher;

use alloc::vec::Vec;
use bounded_collections::{BoundedVec, ConstU32};

/// Largest compressed fingerprint accepted on chain, in bytes. A 120 s
/// Chromaprint fingerprint has about 950 sub-fingerprints and compresses to
/// 2-4 KiB; the bound leaves room for unusual material without letting a
/// registration carry arbitrary data.
pub const MAX_COMPRESSED_LEN: u32 = 16 * 1024;

/// The JSON-RPC error code of `musicchain_matchFingerprint` answers that are
/// the node's fault, not the caller's (no offchain database, no index built
/// yet); a bad fingerprint is an invalid-params error instead.
pub const MATCH_RPC_NODE_ERROR: i32 = 1000;

/// Compressed fingerprint bytes as carried by the `register` extrinsic.
pub type CompressedFingerprint = BoundedVec<u8, ConstU32<MAX_COMPRESSED_LEN>>;

/// The Chromaprint algorithm `fpcalc` uses by default (`TEST2`).
pub const DEFAULT_ALGORITHM: u8 = 1;

/// A raw Chromaprint fingerprint: one 32-bit sub-fingerprint per ~124 ms.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Fingerprint {
	/// Chromaprint algorithm id (1 for `fpcalc`'s default).
	pub algorithm: u8,
	/// The sub-fingerprints.
	pub items: Vec<u32>,
}

impl Fingerprint {
	/// The compressed bytes of this fingerprint.
	pub fn compress(&self) -> Vec<u8> {
		codec::compress(self)
	}

	/// The compressed form, base64url without padding, as `fpcalc` prints it.
	pub fn to_base64(&self) -> alloc::string::String {
		codec::encode_base64(&self.compress())
	}
}

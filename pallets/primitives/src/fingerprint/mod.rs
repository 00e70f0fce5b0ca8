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

/// Audio a fingerprint covers at most, in ms: `fpcalc` and the client
/// fingerprint the first 120 s of a file.
pub const FINGERPRINT_SPAN_MS: u32 = 120_000;

/// Sub-fingerprints per 1,000 s of audio: Chromaprint reads 11,025 samples
/// per second in steps of 4096 / 3 samples (8.075 per second).
pub const ITEMS_PER_KILOSECOND: u64 = 8_075;

/// Sub-fingerprints a plausible fingerprint may differ from its expected
/// count by, on top of the relative tolerance: Chromaprint's filters drop
/// about 19 items at the end of any input.
pub const ITEM_SLACK: u64 = 32;

/// The number of sub-fingerprints a file of `duration_ms` gives: those of
/// its first [`FINGERPRINT_SPAN_MS`], at [`ITEMS_PER_KILOSECOND`].
pub fn expected_items(duration_ms: u32) -> u64 {
	u64::from(duration_ms.min(FINGERPRINT_SPAN_MS)).saturating_mul(ITEMS_PER_KILOSECOND) / 1_000_000
}

/// Whether `items` sub-fingerprints fit a file of `duration_ms`: within
/// `tolerance` of [`expected_items`], plus [`ITEM_SLACK`] either way. A
/// registration whose fingerprint is much shorter or longer than its
/// declared duration is not a fingerprint of that file (DESIGN §2.6).
pub fn plausible_length(items: usize, duration_ms: u32, tolerance: crate::Permill) -> bool {
	let expected = expected_items(duration_ms);
	let margin = tolerance.mul_ceil(expected).saturating_add(ITEM_SLACK);
	let items = u64::try_from(items).unwrap_or(u64::MAX);
	items >= expected.saturating_sub(margin) && items <= expected.saturating_add(margin)
}

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

#[cfg(test)]
mod tests {
	use super::*;
	use crate::Permill;

	#[test]
	fn fingerprint_length_fits_the_duration() {
		let tol = Permill::from_percent(10);
		// fpcalc: 120 s of audio gives about 950 items, 30 s about 226.
		assert_eq!(expected_items(120_000), 969);
		assert_eq!(expected_items(600_000), 969, "only the first 120 s count");
		assert!(plausible_length(950, 240_000, tol));
		assert!(plausible_length(226, 30_000, tol));
		// A 5-item fingerprint is no 30 s song, nor a 10-minute one.
		assert!(!plausible_length(5, 30_000, tol));
		assert!(!plausible_length(5, 600_000, tol));
		// A 120 s fingerprint does not belong to a 30 s song.
		assert!(!plausible_length(950, 30_000, tol));
		assert!(!plausible_length(usize::MAX, u32::MAX, tol));
	}
}

//! Fingerprint matching, AcoustID-style and integer-only, so the offchain
//! worker (wasm), the node RPC and the client agree bit for bit.
//!
//! Two stages:
//! 1. Candidates: an inverted index maps terms (the top bits of each
//!    sub-fingerprint) to songs; songs sharing many terms with a query are
//!    candidates (see [`super::index`]).
//! 2. Verification: [`compare`] finds the best alignment of two fingerprints
//!    (a histogram of offsets between equal top bits, as Chromaprint's own
//!    matcher does) and measures the bit error rate there.

use alloc::vec::Vec;

/// Offsets are found from the top `ALIGN_BITS` bits of each sub-fingerprint.
const ALIGN_BITS: u32 = 12;
/// Offsets tried in full after the histogram vote.
const PEAKS: usize = 4;
/// Fewest aligned sub-fingerprints (about 5 s of audio) a comparison needs,
/// unless one of the fingerprints is shorter.
pub const MIN_OVERLAP: usize = 40;
/// Parts per million.
pub const PPM: u32 = 1_000_000;

/// The best alignment of two fingerprints.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Alignment {
	/// `b[i]` lines up with `a[i + offset]`.
	pub offset: i32,
	/// Number of aligned sub-fingerprint pairs.
	pub overlap: u32,
	/// `1 - bit error rate` at this alignment, in parts per million.
	pub similarity_ppm: u32,
}

/// Bit errors and overlap of `a` and `b` with `b[i]` aligned to `a[i + offset]`.
pub fn errors_at(a: &[u32], b: &[u32], offset: i32) -> (u64, u32) {
	let (a, b) = if offset >= 0 {
		(a.get(offset.unsigned_abs() as usize..).unwrap_or_default(), b)
	} else {
		(a, b.get(offset.unsigned_abs() as usize..).unwrap_or_default())
	};
	let mut errors = 0u64;
	let mut overlap = 0u32;
	for (x, y) in a.iter().zip(b) {
		errors += u64::from((x ^ y).count_ones());
		overlap += 1;
	}
	(errors, overlap)
}

/// Similarity in ppm for `errors` bit errors over `overlap` aligned pairs.
pub fn similarity_ppm(errors: u64, overlap: u32) -> u32 {
	let bits = u64::from(overlap) * 32;
	if bits == 0 {
		return 0;
	}
	let ber_ppm = errors.saturating_mul(u64::from(PPM)) / bits;
	PPM.saturating_sub(u32::try_from(ber_ppm).unwrap_or(PPM))
}

/// The best alignment of `a` and `b`, or `None` when they are too short to
/// compare. Cost: a sort of `a.len() + b.len()` words plus a few linear scans.
pub fn compare(a: &[u32], b: &[u32]) -> Option<Alignment> {
	if a.is_empty() || b.is_empty() {
		return None;
	}
	let min_overlap = MIN_OVERLAP.min(a.len()).min(b.len());
	let shift = 32 - ALIGN_BITS;
	// (top bits, source, index): sort groups equal top bits together.
	let mut keyed: Vec<(u32, bool, u32)> = Vec::with_capacity(a.len() + b.len());
	keyed.extend(a.iter().enumerate().map(|(i, &x)| (x >> shift, false, i as u32)));
	keyed.extend(b.iter().enumerate().map(|(i, &x)| (x >> shift, true, i as u32)));
	keyed.sort_unstable();

	// histogram[offset + b.len()] counts pairs with a[i] ~ b[j], offset = i - j.
	let mut histogram = alloc::vec![0u32; a.len() + b.len()];
	let mut start = 0;
	while start < keyed.len() {
		let hash = keyed[start].0;
		let mut end = start;
		while end < keyed.len() && keyed[end].0 == hash {
			end += 1;
		}
		let group = &keyed[start..end];
		let split = group.partition_point(|k| !k.1);
		let (from_a, from_b) = group.split_at(split);
		// Bound the work on degenerate input (e.g. silence: one hash everywhere).
		for ka in from_a.iter().take(64) {
			for kb in from_b.iter().take(64) {
				let slot = (ka.2 as usize + b.len()).saturating_sub(kb.2 as usize);
				if let Some(h) = histogram.get_mut(slot) {
					*h += 1;
				}
			}
		}
		start = end;
	}

	// The strongest offsets, plus offset 0 (the usual case for one recording).
	let mut peaks: Vec<(u32, usize)> = Vec::with_capacity(PEAKS + 1);
	for (slot, &count) in histogram.iter().enumerate() {
		if count == 0 {
			continue;
		}
		if peaks.len() < PEAKS {
			peaks.push((count, slot));
			peaks.sort_unstable_by(|x, y| y.cmp(x));
		} else if peaks.last().is_some_and(|l| count > l.0) {
			peaks.pop();
			peaks.push((count, slot));
			peaks.sort_unstable_by(|x, y| y.cmp(x));
		}
	}
	peaks.push((0, b.len()));

	let mut best: Option<Alignment> = None;
	for (_, slot) in peaks {
		let offset = slot as i64 - b.len() as i64;
		let Ok(offset) = i32::try_from(offset) else {
			continue;
		};
		let (errors, overlap) = errors_at(a, b, offset);
		if (overlap as usize) < min_overlap {
			continue;
		}
		let candidate =
			Alignment { offset, overlap, similarity_ppm: similarity_ppm(errors, overlap) };
		if best.is_none_or(|b| candidate.similarity_ppm > b.similarity_ppm) {
			best = Some(candidate);
		}
	}
	best
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;

	/// A deterministic pseudo-random fingerprint.
	pub(crate) fn noise(seed: u32, len: usize) -> Vec<u32> {
		let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
		(0..len)
			.map(|_| {
				s ^= s << 13;
				s ^= s >> 17;
				s ^= s << 5;
				s
			})
			.collect()
	}

	#[test]
	fn identical_is_one() {
		let a = noise(1, 900);
		let m = compare(&a, &a).expect("comparable");
		assert_eq!(m, Alignment { offset: 0, overlap: 900, similarity_ppm: PPM });
	}

	#[test]
	fn finds_shifted_copy_with_bit_noise() {
		let a = noise(2, 900);
		// b starts 17 items into a and has one flipped bit in every item.
		let b: Vec<u32> = a[17..].iter().enumerate().map(|(i, x)| x ^ (1 << (i % 32))).collect();
		let m = compare(&a, &b).expect("comparable");
		assert_eq!(m.offset, 17);
		assert_eq!(m.similarity_ppm, PPM - PPM / 32);
	}

	#[test]
	fn unrelated_is_about_half() {
		let m = compare(&noise(3, 900), &noise(4, 900)).expect("comparable");
		assert!((400_000..600_000).contains(&m.similarity_ppm), "{m:?}");
	}

	#[test]
	fn degenerate_inputs() {
		assert_eq!(compare(&[], &[1]), None);
		let silence = alloc::vec![0u32; 2_000];
		let m = compare(&silence, &silence).expect("comparable");
		assert_eq!(m.similarity_ppm, PPM);
		assert_eq!(similarity_ppm(0, 0), 0);
	}
}

//! Chromaprint's compressed fingerprint format, byte-compatible with
//! `chromaprint_encode_fingerprint` (what `fpcalc` prints).
//!
//! Layout: one byte algorithm, three bytes big-endian item count, then the
//! XOR-delta of consecutive items written as the gaps between their set bits:
//! a stream of 3-bit "normal" values (gap, 7 = "7 or more", 0 = end of item),
//! followed by a stream of 5-bit "exceptional" values (gap - 7) for every 7.
//! Both streams are packed least-significant bit first.

use super::Fingerprint;
use alloc::{string::String, vec::Vec};

/// Why bytes are not a valid compressed fingerprint.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FingerprintError {
	/// Shorter than the 4-byte header, or a stream ends before all items.
	Truncated,
	/// A bit position beyond 32: the data cannot come from a fingerprint.
	InvalidBits,
	/// The text is not base64url.
	InvalidBase64,
	/// The fingerprint has no sub-fingerprint.
	Empty,
}

const NORMAL_BITS: u32 = 3;
const EXCEPTION_BITS: u32 = 5;
const MAX_NORMAL: u8 = 7;

struct BitWriter {
	out: Vec<u8>,
	acc: u32,
	n: u32,
}

impl BitWriter {
	fn new() -> Self {
		BitWriter { out: Vec::new(), acc: 0, n: 0 }
	}
	fn put(&mut self, value: u8, bits: u32) {
		self.acc |= u32::from(value) << self.n;
		self.n += bits;
		while self.n >= 8 {
			self.out.push((self.acc & 0xff) as u8);
			self.acc >>= 8;
			self.n -= 8;
		}
	}
	fn finish(mut self) -> Vec<u8> {
		if self.n > 0 {
			self.out.push((self.acc & 0xff) as u8);
		}
		self.out
	}
}

struct BitReader<'a> {
	data: &'a [u8],
	pos: usize,
	acc: u32,
	n: u32,
}

impl<'a> BitReader<'a> {
	fn new(data: &'a [u8]) -> Self {
		BitReader { data, pos: 0, acc: 0, n: 0 }
	}
	fn get(&mut self, bits: u32) -> Option<u8> {
		while self.n < bits {
			let byte = *self.data.get(self.pos)?;
			self.pos += 1;
			self.acc |= u32::from(byte) << self.n;
			self.n += 8;
		}
		let v = (self.acc & ((1 << bits) - 1)) as u8;
		self.acc >>= bits;
		self.n -= bits;
		Some(v)
	}
	/// Bytes consumed so far, counting a partly used byte as consumed.
	fn bytes_used(&self) -> usize {
		self.pos
	}
}

/// Compresses a fingerprint into Chromaprint's binary format.
pub fn compress(fp: &Fingerprint) -> Vec<u8> {
	let count = fp.items.len().min(0xff_ffff);
	let mut gaps: Vec<u8> = Vec::with_capacity(count.saturating_mul(4));
	let mut prev = 0u32;
	for &item in fp.items.iter().take(count) {
		let mut x = item ^ prev;
		prev = item;
		let mut bit = 1u8;
		let mut last = 0u8;
		while x != 0 {
			if x & 1 != 0 {
				gaps.push(bit - last);
				last = bit;
			}
			x >>= 1;
			bit += 1;
		}
		gaps.push(0);
	}
	let mut normal = BitWriter::new();
	let mut exceptional = BitWriter::new();
	for &g in &gaps {
		normal.put(g.min(MAX_NORMAL), NORMAL_BITS);
		if g >= MAX_NORMAL {
			exceptional.put(g - MAX_NORMAL, EXCEPTION_BITS);
		}
	}
	let mut out = Vec::with_capacity(4 + gaps.len() / 2);
	out.push(fp.algorithm);
	out.push((count >> 16) as u8);
	out.push((count >> 8) as u8);
	out.push(count as u8);
	out.extend(normal.finish());
	out.extend(exceptional.finish());
	out
}

/// Decompresses Chromaprint's binary format. Never panics and never
/// allocates more than a small multiple of the input size.
pub fn decompress(data: &[u8]) -> Result<Fingerprint, FingerprintError> {
	let header = data.get(..4).ok_or(FingerprintError::Truncated)?;
	let algorithm = header[0];
	let count =
		(usize::from(header[1]) << 16) | (usize::from(header[2]) << 8) | usize::from(header[3]);
	if count == 0 {
		return Err(FingerprintError::Empty);
	}
	let body = data.get(4..).unwrap_or_default();
	// Each item needs at least one 3-bit value: reject impossible counts
	// before allocating for them.
	if count > body.len().saturating_mul(8) / 3 {
		return Err(FingerprintError::Truncated);
	}
	let mut normal = BitReader::new(body);
	let mut gaps: Vec<u8> = Vec::with_capacity(count.saturating_mul(2));
	let mut items_seen = 0usize;
	let mut exceptions = 0usize;
	while items_seen < count {
		let g = normal.get(NORMAL_BITS).ok_or(FingerprintError::Truncated)?;
		if g == 0 {
			items_seen += 1;
		} else if g == MAX_NORMAL {
			exceptions += 1;
		}
		gaps.push(g);
	}
	let rest = body.get(normal.bytes_used()..).unwrap_or_default();
	let mut exceptional = BitReader::new(rest);
	if exceptions > 0 && rest.len().saturating_mul(8) < exceptions.saturating_mul(5) {
		return Err(FingerprintError::Truncated);
	}

	let mut items = Vec::with_capacity(count);
	let mut prev = 0u32;
	let mut x = 0u32;
	let mut bit = 0u32;
	for g in gaps {
		if g == 0 {
			prev ^= x;
			items.push(prev);
			x = 0;
			bit = 0;
			continue;
		}
		let mut gap = u32::from(g);
		if g == MAX_NORMAL {
			gap += u32::from(exceptional.get(EXCEPTION_BITS).ok_or(FingerprintError::Truncated)?);
		}
		bit += gap;
		if bit > 32 {
			return Err(FingerprintError::InvalidBits);
		}
		x |= 1u32 << (bit - 1);
	}
	Ok(Fingerprint { algorithm, items })
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding, Chromaprint's text encoding.
pub fn encode_base64(data: &[u8]) -> String {
	let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
	for chunk in data.chunks(3) {
		let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
		let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
		let chars = chunk.len() + 1;
		for i in 0..chars {
			let idx = ((n >> (18 - 6 * i)) & 63) as usize;
			out.push(char::from(ALPHABET[idx]));
		}
	}
	out
}

fn base64_value(c: u8) -> Option<u32> {
	Some(match c {
		b'A'..=b'Z' => c - b'A',
		b'a'..=b'z' => c - b'a' + 26,
		b'0'..=b'9' => c - b'0' + 52,
		b'-' | b'+' => 62,
		b'_' | b'/' => 63,
		_ => return None,
	} as u32)
}

/// Decodes base64url (standard base64 characters and `=` padding accepted).
pub fn decode_base64_bytes(text: &str) -> Result<Vec<u8>, FingerprintError> {
	let text = text.trim().trim_end_matches('=');
	let mut out = Vec::with_capacity(text.len() * 3 / 4);
	let mut acc = 0u32;
	let mut n = 0u32;
	for c in text.bytes() {
		acc = (acc << 6) | base64_value(c).ok_or(FingerprintError::InvalidBase64)?;
		n += 6;
		if n >= 8 {
			n -= 8;
			out.push(((acc >> n) & 0xff) as u8);
		}
	}
	if n >= 6 {
		// A single leftover character cannot encode a byte.
		return Err(FingerprintError::InvalidBase64);
	}
	Ok(out)
}

/// Decodes the text `fpcalc` prints after `FINGERPRINT=`.
pub fn decode_base64(text: &str) -> Result<Fingerprint, FingerprintError> {
	decompress(&decode_base64_bytes(text)?)
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn hand_computed_vectors() {
		// 1: one set bit at position 1 -> gaps [1, 0] -> 0b000_001.
		let fp = Fingerprint { algorithm: 0, items: alloc::vec![1] };
		assert_eq!(compress(&fp), [0, 0, 0, 1, 1]);
		// 7: gaps [1, 1, 1, 0] -> 1 | 1 << 3 | 1 << 6, then the 0 in byte two.
		let fp = Fingerprint { algorithm: 0, items: alloc::vec![7] };
		assert_eq!(compress(&fp), [0, 0, 0, 1, 73, 0]);
		// 1 << 6 twice in a row: XOR deltas 64 then 64 -> gaps [7, 0, 7, 0]
		// with two exceptional values of 0.
		let fp = Fingerprint { algorithm: 1, items: alloc::vec![1 << 6, 0] };
		assert_eq!(compress(&fp), [1, 0, 0, 2, 199, 1, 0, 0]);
		for items in [alloc::vec![u32::MAX, 0, 1 << 31], alloc::vec![7 << 8]] {
			let fp = Fingerprint { algorithm: 1, items };
			assert_eq!(decompress(&compress(&fp)), Ok(fp));
		}
	}

	#[test]
	fn base64_round_trip_and_errors() {
		for len in 0..20usize {
			let data: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37)).collect();
			assert_eq!(decode_base64_bytes(&encode_base64(&data)), Ok(data));
		}
		assert_eq!(encode_base64(b"\xfb\xff"), "-_8");
		assert_eq!(decode_base64_bytes("a b"), Err(FingerprintError::InvalidBase64));
		assert_eq!(decode_base64_bytes("A"), Err(FingerprintError::InvalidBase64));
	}

	#[test]
	fn garbage_is_rejected() {
		assert_eq!(decompress(&[]), Err(FingerprintError::Truncated));
		assert_eq!(decompress(&[1, 0, 0, 0]), Err(FingerprintError::Empty));
		assert_eq!(decompress(&[1, 0xff, 0xff, 0xff, 0]), Err(FingerprintError::Truncated));
		// 3-bit values of 6 push the bit position past 32.
		assert_eq!(decompress(&[1, 0, 0, 1, 0xb6, 0x6d, 0x03]), Err(FingerprintError::InvalidBits));
	}

	proptest! {
		#[test]
		fn round_trip(items in proptest::collection::vec(any::<u32>(), 1..400), alg in any::<u8>()) {
			let fp = Fingerprint { algorithm: alg, items };
			let bytes = compress(&fp);
			prop_assert_eq!(decompress(&bytes), Ok(fp.clone()));
			prop_assert_eq!(decode_base64(&fp.to_base64()), Ok(fp));
		}

		#[test]
		fn decompress_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
			let _ = decompress(&data);
		}
	}
}

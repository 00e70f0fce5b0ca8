//! The inverted fingerprint index kept in a node's offchain storage.
//!
//! The runtime writes each registered song's compressed fingerprint to the
//! offchain index under [`fingerprint_key`] (content-addressed by its
//! BLAKE2-256 hash). The offchain worker then adds every indexed fingerprint
//! to an inverted index: each sampled [`term`] (the top [`TERM_BITS`] bits of
//! a sub-fingerprint; one distinct term in [`SAMPLE`]) maps to the local
//! numbers of the fingerprints containing it, stored in buckets of terms
//! with the same top [`BUCKET_BITS`] bits. A query counts shared terms to
//! find candidates, one read per bucket, and verifies the best with
//! [`compare`](super::matcher::compare). At a million songs a query takes
//! about a millisecond and the index about 1.2 kB a song besides the
//! fingerprint itself (`scripts/bench-index.sh`).
//!
//! The same code runs in the offchain worker (wasm, through
//! `sp_io::offchain` local storage) and in the node's
//! `musicchain_matchFingerprint` RPC (native, reading the same database), so
//! both answer alike. Everything is keyed by fingerprint hash, never by song
//! id: an entry written on an abandoned fork only names a fingerprint, which
//! the caller resolves against the state it trusts.

use super::{codec::decompress, matcher, Fingerprint};
use crate::FingerprintHash;
use alloc::{collections::BTreeMap, vec::Vec};

/// Prefix of the keys the runtime writes compressed fingerprints under.
pub const FINGERPRINT_PREFIX: &[u8] = b"musicchain::fp::";
// Version 2 of the index (terms of 28 bits, sampled, in buckets); version 1
// (every 20-bit term, a key each) used `musicchain::ix::`. Nodes rebuild the
// index from the fingerprints under the new keys.
/// Prefix of the inverted index's posting buckets.
const BUCKET_PREFIX: &[u8] = b"musicchain::ix2::bucket::";
/// Prefix of local number -> fingerprint hash.
const NUMBER_PREFIX: &[u8] = b"musicchain::ix2::num::";
/// Prefix of fingerprint hash -> local number (the "already indexed" marker).
const HASH_PREFIX: &[u8] = b"musicchain::ix2::hash::";
/// How many fingerprints are indexed (the next local number).
const COUNT_KEY: &[u8] = b"musicchain::ix2::count";

/// An index term keeps the top `TERM_BITS` bits of a sub-fingerprint: of
/// the aligned sub-fingerprints of a real re-encode, about a third agree
/// on all 28, while a million songs spread over 2^28 terms leave each term
/// to a handful of songs.
pub const TERM_BITS: u32 = 28;
/// Terms are stored in buckets of the same top `BUCKET_BITS` bits (one key
/// each, about a million keys), each posting being the term's other bits
/// and the fingerprint's local number.
pub const BUCKET_BITS: u32 = 20;
/// Bytes per posting: the term's low `TERM_BITS - BUCKET_BITS` bits, then
/// the local number (u32, little-endian).
const POSTING: usize = 5;
/// One term in `SAMPLE` is indexed and queried, chosen by the term itself
/// (so a re-encode's equal terms are chosen too): a quarter of the postings
/// and of the reads, for the same share of matching terms.
pub const SAMPLE: u32 = 4;
/// Postings kept per bucket (80 KiB). A bucket that holds a term shared by
/// a great many fingerprints (silence, a test tone) stops growing: such a
/// term says little about a match.
pub const MAX_POSTINGS: usize = 16_384;
/// Fewest shared terms for a fingerprint to be a candidate.
pub const MIN_SHARED_TERMS: u32 = 4;

/// Key/value storage the index lives in (offchain persistent storage).
pub trait IndexStore {
	fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
	fn set(&mut self, key: &[u8], value: &[u8]);
}

/// The key of the compressed fingerprint with this hash.
pub fn fingerprint_key(hash: &FingerprintHash) -> Vec<u8> {
	key(FINGERPRINT_PREFIX, hash.as_ref())
}

fn key(prefix: &[u8], suffix: &[u8]) -> Vec<u8> {
	let mut key = Vec::with_capacity(prefix.len() + suffix.len());
	key.extend_from_slice(prefix);
	key.extend_from_slice(suffix);
	key
}

fn read_u32(bytes: Option<Vec<u8>>) -> Option<u32> {
	Some(u32::from_le_bytes(bytes?.get(..4)?.try_into().ok()?))
}

/// The fingerprint with this hash, if this node's offchain index holds it
/// and it decodes.
pub fn load(store: &impl IndexStore, hash: &FingerprintHash) -> Option<Fingerprint> {
	decompress(&store.get(&fingerprint_key(hash))?).ok()
}

/// Whether this fingerprint is in the inverted index.
pub fn is_indexed(store: &impl IndexStore, hash: &FingerprintHash) -> bool {
	store.get(&key(HASH_PREFIX, hash.as_ref())).is_some()
}

/// Number of fingerprints in the inverted index.
pub fn len(store: &impl IndexStore) -> u32 {
	read_u32(store.get(COUNT_KEY)).unwrap_or(0)
}

/// The index term of a sub-fingerprint.
pub const fn term(item: u32) -> u32 {
	item >> (32 - TERM_BITS)
}

/// Whether `term` is one of the sampled terms (see [`SAMPLE`]).
const fn sampled(term: u32) -> bool {
	(term.wrapping_mul(0x9e37_79b1) >> 24).is_multiple_of(SAMPLE)
}

/// The distinct sampled terms of a fingerprint, sorted (so terms of one
/// bucket are together).
pub fn terms(items: &[u32]) -> Vec<u32> {
	let mut terms: Vec<u32> = items.iter().map(|&x| term(x)).filter(|&t| sampled(t)).collect();
	terms.sort_unstable();
	terms.dedup();
	terms
}

fn bucket_key(term: u32) -> Vec<u8> {
	key(BUCKET_PREFIX, &(term >> (TERM_BITS - BUCKET_BITS)).to_be_bytes())
}

/// A term's bits below its bucket's.
const fn low(term: u32) -> u8 {
	(term & ((1 << (TERM_BITS - BUCKET_BITS)) - 1)) as u8
}

/// Adds a fingerprint to the inverted index. Returns `false` when it was
/// already there (adding is idempotent).
pub fn insert(store: &mut impl IndexStore, hash: &FingerprintHash, items: &[u32]) -> bool {
	if is_indexed(store, hash) {
		return false;
	}
	let number = len(store);
	let terms = terms(items);
	for bucket in
		terms.chunk_by(|a, b| a >> (TERM_BITS - BUCKET_BITS) == b >> (TERM_BITS - BUCKET_BITS))
	{
		let bucket_key = bucket_key(bucket[0]);
		let mut postings = store.get(&bucket_key).unwrap_or_default();
		let room = MAX_POSTINGS.saturating_sub(postings.len() / POSTING);
		if room == 0 {
			continue;
		}
		for &term in bucket.iter().take(room) {
			postings.push(low(term));
			postings.extend_from_slice(&number.to_le_bytes());
		}
		store.set(&bucket_key, &postings);
	}
	store.set(&key(NUMBER_PREFIX, &number.to_le_bytes()), hash.as_ref());
	store.set(&key(HASH_PREFIX, hash.as_ref()), &number.to_le_bytes());
	store.set(COUNT_KEY, &number.saturating_add(1).to_le_bytes());
	true
}

/// An indexed fingerprint similar to a query.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Match {
	/// Hash of the indexed fingerprint.
	pub hash: FingerprintHash,
	/// Sampled index terms it shares with the query.
	pub shared_terms: u32,
	/// Best alignment with the query.
	pub alignment: matcher::Alignment,
}

/// The indexed fingerprints most similar to `query`, best first: the
/// `max_candidates` sharing the most sampled terms (at least
/// [`MIN_SHARED_TERMS`]) are compared in full. `exclude` (the query's own
/// hash) is skipped. One read per bucket the query's terms fall in.
pub fn matches(
	store: &impl IndexStore,
	query: &[u32],
	exclude: Option<&FingerprintHash>,
	max_candidates: usize,
) -> Vec<Match> {
	let mut shared: BTreeMap<u32, u32> = BTreeMap::new();
	let terms = terms(query);
	for bucket in
		terms.chunk_by(|a, b| a >> (TERM_BITS - BUCKET_BITS) == b >> (TERM_BITS - BUCKET_BITS))
	{
		let Some(postings) = store.get(&bucket_key(bucket[0])) else { continue };
		// Which of the bucket's 256 low parts the query holds.
		let mut wanted = [false; 1 << (TERM_BITS - BUCKET_BITS)];
		for &term in bucket {
			wanted[usize::from(low(term))] = true;
		}
		for posting in postings.chunks_exact(POSTING) {
			if wanted[usize::from(posting[0])] {
				let number = u32::from_le_bytes([posting[1], posting[2], posting[3], posting[4]]);
				let count = shared.entry(number).or_default();
				*count = count.saturating_add(1);
			}
		}
	}
	let mut ranked: Vec<(u32, u32)> =
		shared.into_iter().filter(|&(_, n)| n >= MIN_SHARED_TERMS).collect();
	// Most shared terms first; ties by the older (lower) number.
	ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));

	let mut found = Vec::new();
	for (number, shared_terms) in ranked {
		if found.len() >= max_candidates {
			break;
		}
		let Some(raw) = store.get(&key(NUMBER_PREFIX, &number.to_le_bytes())) else { continue };
		let Ok(hash) = FingerprintHash::try_from(raw.as_slice()) else { continue };
		if exclude == Some(&hash) {
			continue;
		}
		let Some(candidate) = load(store, &hash) else { continue };
		if let Some(alignment) = matcher::compare(&candidate.items, query) {
			found.push(Match { hash, shared_terms, alignment });
		}
	}
	found.sort_by_key(|m| core::cmp::Reverse(m.alignment.similarity_ppm));
	found
}

/// An in-memory [`IndexStore`], for tests and tools.
#[derive(Default, Debug)]
pub struct MemoryStore(pub BTreeMap<Vec<u8>, Vec<u8>>);

impl IndexStore for MemoryStore {
	fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
		self.0.get(key).cloned()
	}
	fn set(&mut self, key: &[u8], value: &[u8]) {
		self.0.insert(key.to_vec(), value.to_vec());
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{blake2_256, fingerprint::matcher::tests::noise};

	/// Writes a fingerprint as the runtime does and indexes it.
	fn add(store: &mut MemoryStore, items: Vec<u32>) -> FingerprintHash {
		let bytes = Fingerprint { algorithm: 1, items: items.clone() }.compress();
		let hash = FingerprintHash(blake2_256(&bytes));
		store.set(&fingerprint_key(&hash), &bytes);
		assert!(insert(store, &hash, &items));
		hash
	}

	#[test]
	fn finds_a_noisy_shifted_copy_and_not_strangers() {
		let mut store = MemoryStore::default();
		let original = noise(1, 950);
		let a = add(&mut store, original.clone());
		for seed in 2..50 {
			add(&mut store, noise(seed, 950));
		}
		assert_eq!(len(&store), 49);
		// Another encoding: starts 3 items later, a few low bits differ.
		let copy: Vec<u32> = original[3..].iter().map(|x| x ^ (x & 0x3)).collect();
		let found = matches(&store, &copy, None, 10);
		assert_eq!(found.len(), 1, "{found:?}");
		assert_eq!(found[0].hash, a);
		assert_eq!(found[0].alignment.offset, 3);
		assert!(found[0].alignment.similarity_ppm > 950_000);
		// Excluding itself, a song finds nothing.
		assert!(matches(&store, &original, Some(&a), 10).is_empty());
		assert!(matches(&store, &noise(999, 950), None, 10).is_empty());
	}

	#[test]
	fn insert_is_idempotent_and_loads_what_was_written() {
		let mut store = MemoryStore::default();
		let items = noise(7, 300);
		let hash = add(&mut store, items.clone());
		assert!(!insert(&mut store, &hash, &items));
		assert_eq!(len(&store), 1);
		assert_eq!(load(&store, &hash).map(|f| f.items), Some(items));
		assert!(is_indexed(&store, &hash));
		assert!(load(&store, &FingerprintHash([0; 32])).is_none());
	}

	#[test]
	fn terms_are_the_sampled_top_bits_once_each() {
		let items = [0x1234_5678, 0x1234_5670, 1, 0xffff_fff0];
		let all: Vec<u32> =
			[0x0123_4567, 0, 0x0fff_ffff].into_iter().filter(|&t| sampled(t)).collect();
		let mut want = all;
		want.sort_unstable();
		assert_eq!(terms(&items), want);
		// About one in SAMPLE.
		let n = (0..100_000u32).filter(|&t| sampled(t)).count();
		assert!((20_000..30_000).contains(&n), "{n}");
	}

	#[test]
	fn common_terms_stop_growing() {
		let mut store = MemoryStore::default();
		// Silence: the same few items everywhere.
		let silence: Vec<u32> = (0..64u32).map(|i| i << (32 - TERM_BITS)).collect();
		let bucket = bucket_key(term(silence[0]));
		let per_song = terms(&silence).iter().filter(|&&t| bucket_key(t) == bucket).count();
		assert!(per_song > 0, "the test needs a sampled term in the first bucket");
		for i in 0..(MAX_POSTINGS / per_song + 5) as u32 {
			let hash = FingerprintHash(blake2_256(&i.to_le_bytes()));
			insert(&mut store, &hash, &silence);
		}
		let postings = store.get(&bucket).unwrap_or_default();
		assert_eq!(postings.len(), MAX_POSTINGS * POSTING);
	}
}

//! The inverted fingerprint index kept in a node's offchain storage.
//!
//! The runtime writes each registered song's compressed fingerprint to the
//! offchain index under [`fingerprint_key`] (content-addressed by its
//! BLAKE2-256 hash). The offchain worker then adds every indexed fingerprint
//! to an inverted index: each [`term`](super::matcher::term) maps to the
//! local numbers of the fingerprints containing it. A query counts shared
//! terms to find candidates and verifies them with
//! [`compare`](super::matcher::compare).
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
/// Prefix of the inverted index's term postings.
const TERM_PREFIX: &[u8] = b"musicchain::ix::term::";
/// Prefix of local number -> fingerprint hash.
const NUMBER_PREFIX: &[u8] = b"musicchain::ix::num::";
/// Prefix of fingerprint hash -> local number (the "already indexed" marker).
const HASH_PREFIX: &[u8] = b"musicchain::ix::hash::";
/// How many fingerprints are indexed (the next local number).
const COUNT_KEY: &[u8] = b"musicchain::ix::count";

/// Postings kept per term. A term shared by more fingerprints than this
/// (e.g. silence) says little about a match and stops growing.
pub const MAX_POSTINGS: usize = 4_096;
/// Fewest shared terms for a fingerprint to be a candidate. Unrelated
/// 120 s fingerprints share about one term by chance.
pub const MIN_SHARED_TERMS: u32 = 8;

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

/// Adds a fingerprint to the inverted index. Returns `false` when it was
/// already there (adding is idempotent).
pub fn insert(store: &mut impl IndexStore, hash: &FingerprintHash, items: &[u32]) -> bool {
	if is_indexed(store, hash) {
		return false;
	}
	let number = len(store);
	for term in matcher::query_terms(items) {
		let term_key = key(TERM_PREFIX, &term.to_be_bytes());
		let mut postings = store.get(&term_key).unwrap_or_default();
		if postings.len() / 4 < MAX_POSTINGS {
			postings.extend_from_slice(&number.to_le_bytes());
			store.set(&term_key, &postings);
		}
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
	/// Index terms it shares with the query.
	pub shared_terms: u32,
	/// Best alignment with the query.
	pub alignment: matcher::Alignment,
}

/// The indexed fingerprints most similar to `query`, best first: the
/// `max_candidates` sharing the most terms (at least [`MIN_SHARED_TERMS`])
/// are compared in full. `exclude` (the query's own hash) is skipped.
pub fn matches(
	store: &impl IndexStore,
	query: &[u32],
	exclude: Option<&FingerprintHash>,
	max_candidates: usize,
) -> Vec<Match> {
	let mut shared: BTreeMap<u32, u32> = BTreeMap::new();
	for term in matcher::query_terms(query) {
		let postings = store.get(&key(TERM_PREFIX, &term.to_be_bytes())).unwrap_or_default();
		for chunk in postings.chunks_exact(4) {
			let number = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
			let count = shared.entry(number).or_default();
			*count = count.saturating_add(1);
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
	fn common_terms_stop_growing() {
		let mut store = MemoryStore::default();
		// Silence: one term everywhere.
		for i in 0..(MAX_POSTINGS as u32 + 5) {
			let hash = FingerprintHash(blake2_256(&i.to_le_bytes()));
			insert(&mut store, &hash, &[0, 1, 2]);
		}
		let postings = store.get(&key(TERM_PREFIX, &0u32.to_be_bytes())).unwrap_or_default();
		assert_eq!(postings.len(), MAX_POSTINGS * 4);
	}
}

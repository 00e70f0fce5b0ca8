//! The dedupe offchain worker.
//!
//! Each run, under a lock so overlapping runs cannot interleave:
//! 1. Catch-up, on every node that runs offchain workers: adds the
//!    fingerprints of songs not yet in this node's inverted index (oldest
//!    first: at least [`CATCH_UP_PER_PENDING`] per song that may register in
//!    a block, then more for up to [`CATCH_UP_BUDGET_MS`]), so a node that
//!    joined late, or re-indexes after an index upgrade, still
//!    knows every earlier song, and the node's `musicchain_matchFingerprint`
//!    RPC answers from the same index (a non-validator RPC node needs
//!    `--offchain-worker always`).
//! 2. On block authors only (nodes started as validators whose keystore
//!    holds a current authority key), judges pending songs, oldest first
//!    (by verdict deadline), at most twice as many per run as may register
//!    in a block and within half a slot's time, so a busy queue drains
//!    before its songs time out: each pending song's fingerprint is indexed, then
//!    matched against the index; the best earlier, non-pending song that is
//!    similar enough (at least `MatchThreshold`) and about as long (within
//!    `DurationToleranceMs`) makes the verdict `DuplicateOf`, none makes it
//!    `Unique`. A song whose best match is itself still pending waits for that
//!    one's verdict. The signed verdict is sent as an authorized transaction.
//!
//! Fork safety: the index is content-addressed (fingerprint hashes, never
//! song ids), every candidate is resolved through the current state's
//! `ByFingerprint`, and the verdict names both fingerprint hashes, so a
//! verdict computed on another fork is refused by `check_verdict`. Double
//! submission: a local marker per (song, fingerprint) holds back a resend
//! for [`RESEND_AFTER_BLOCKS`], a song this node's key already voted on is
//! not judged again (a vote is final), and the pool keeps one verdict per
//! song and authority.
//! A verdict applies once more than half of the authorities submitted it.

use crate::{
	pallet::{ByFingerprint, Call, Config, NextSongId, PendingDeadlines, Songs, VerdictVotes},
	Outcome, Pallet, SongStatus, Verdict,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use musicchain_primitives::{
	fingerprint::index::{self, IndexStore},
	FingerprintHash, SongId,
};
use polkadot_sdk::{
	frame_support::traits::Get,
	frame_system::{
		offchain::{CreateAuthorizedTransaction, SubmitTransaction},
		pallet_prelude::BlockNumberFor,
	},
	sp_core::offchain::{Duration, StorageKind, Timestamp},
	sp_io::offchain as io,
	sp_runtime::{
		offchain::storage_lock::{StorageLock, Time},
		traits::Saturating,
		RuntimeAppPublic,
	},
};

const LOG: &str = "runtime::songs::dedupe";
/// A verdict not included after this many blocks is sent again (it is also
/// the verdict transaction's longevity).
pub const RESEND_AFTER_BLOCKS: u32 = 10;
/// Songs the catch-up adds to the index in every run, however long they
/// take, per song that may register in a block ([`Config::MaxPendingPerBlock`]):
/// a node that fell behind catches up at least four times as fast as songs
/// arrive.
pub const CATCH_UP_PER_PENDING: u32 = 4;
/// How long one run's catch-up may go on past that floor. A node that
/// re-indexes the whole catalog (after an upgrade of the index, or when it
/// joins with an empty offchain database) judges no pending song until it is
/// through, and songs that wait longer than `VerdictTimeout` activate
/// without a verdict: with a count alone (256 a run on the runtime) a
/// million songs took 4,000 blocks. Two seconds, with the judging's three,
/// leave a second of a 6 s slot.
pub const CATCH_UP_BUDGET_MS: u64 = 2_000;
/// Pending songs judged per run, per song that may register in a block:
/// twice the most that can arrive, so a backlog drains.
pub const JUDGE_PER_PENDING: u32 = 2;
/// How long one run may spend judging: half of a 6 s slot, so a run ends
/// before the next block's.
pub const JUDGE_BUDGET_MS: u64 = 3_000;
/// Candidates compared in full per query.
pub const MAX_CANDIDATES: usize = 10;

const LOCK_KEY: &[u8] = b"musicchain::ocw::lock";
/// Where the catch-up keeps the first song id not yet indexed; present once
/// this node's offchain worker has run. (Version 2 of the index: a node
/// whose index is of version 1, `musicchain::ocw::cursor`, indexes every
/// song again from its stored fingerprint.)
pub const CURSOR_KEY: &[u8] = b"musicchain::ocw::cursor2";
const SENT_PREFIX: &[u8] = b"musicchain::ocw::sent::";
/// How long one run may hold the lock.
const LOCK_MS: u64 = 30_000;

/// The node's persistent offchain storage, where the runtime's offchain
/// index writes the fingerprints.
pub struct OffchainStore;

impl IndexStore for OffchainStore {
	fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
		io::local_storage_get(StorageKind::PERSISTENT, key)
	}
	fn set(&mut self, key: &[u8], value: &[u8]) {
		io::local_storage_set(StorageKind::PERSISTENT, key, value)
	}
}

/// One offchain-worker run at block `now`.
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	let mut lock = StorageLock::<Time>::with_deadline(LOCK_KEY, Duration::from_millis(LOCK_MS));
	let Ok(_guard) = lock.try_lock() else {
		log::debug!(target: LOG, "another run holds the lock; skipping block {now:?}");
		return;
	};
	let mut store = OffchainStore;
	let until = io::timestamp().add(Duration::from_millis(CATCH_UP_BUDGET_MS));
	let indexed_to = catch_up::<T>(&mut store, until);
	if !io::is_validator() {
		return;
	}
	let Some(key) = local_authority::<T>() else {
		return;
	};
	judge_pending::<T>(&mut store, now, indexed_to, &key);
}

/// A key of this node's keystore that is a current authority.
fn local_authority<T: Config>() -> Option<T::AuthorityId> {
	let current = T::Authorities::get();
	T::AuthorityId::all().into_iter().find(|key| current.contains(key))
}

/// Adds songs to the index in id order from where the last run stopped:
/// the floor of [`CATCH_UP_PER_PENDING`] per possible arrival, then more
/// until `until`. Returns the first song id not yet visited: every song below
/// it is indexed (or its fingerprint is missing from this node's database).
pub(crate) fn catch_up<T: Config>(store: &mut OffchainStore, until: Timestamp) -> SongId {
	let next = NextSongId::<T>::get();
	let mut cursor =
		store.get(CURSOR_KEY).and_then(|v| SongId::decode(&mut &v[..]).ok()).unwrap_or(0).min(next);
	let floor = cursor
		.saturating_add(T::MaxPendingPerBlock::get().saturating_mul(CATCH_UP_PER_PENDING))
		.min(next);
	while cursor < next && (cursor < floor || io::timestamp() <= until) {
		if let Some(record) = Songs::<T>::get(cursor) {
			index_song(store, cursor, &record.fingerprint_hash);
		}
		cursor = cursor.saturating_add(1);
	}
	store.set(CURSOR_KEY, &cursor.encode());
	cursor
}

/// Adds one song's fingerprint to the index; returns its sub-fingerprints.
fn index_song(store: &mut OffchainStore, song: SongId, hash: &FingerprintHash) -> Option<Vec<u32>> {
	let Some(fingerprint) = index::load(store, hash) else {
		log::warn!(
			target: LOG,
			"song {song}: fingerprint not in this node's offchain index; \
			 run the node with offchain indexing enabled and resync to judge duplicates",
		);
		return None;
	};
	index::insert(store, hash, &fingerprint.items);
	Some(fingerprint.items)
}

fn judge_pending<T: Config>(
	store: &mut OffchainStore,
	now: BlockNumberFor<T>,
	indexed_to: SongId,
	key: &T::AuthorityId,
) {
	let per_run = T::MaxPendingPerBlock::get().saturating_mul(JUDGE_PER_PENDING);
	let until = io::timestamp().add(Duration::from_millis(JUDGE_BUDGET_MS));
	let mut judged = 0u32;
	for song in pending_oldest_first::<T>(now) {
		if judged >= per_run || io::timestamp() > until {
			log::info!(target: LOG, "judged {judged} songs; the rest wait for the next run");
			break;
		}
		// Earlier songs must all be in the index before this one is judged.
		if song >= indexed_to {
			continue;
		}
		let Some(record) = Songs::<T>::get(song).filter(|r| r.status == SongStatus::Pending) else {
			continue;
		};
		let sent_key = sent_key(song, &record.fingerprint_hash);
		let sent_at =
			store.get(&sent_key).and_then(|v| BlockNumberFor::<T>::decode(&mut &v[..]).ok());
		if sent_at.is_some_and(|at| now < at.saturating_add(RESEND_AFTER_BLOCKS.into())) {
			continue;
		}
		if VerdictVotes::<T>::get(song).iter().any(|(who, _)| who == key) {
			continue;
		}
		let Some(items) = index_song(store, song, &record.fingerprint_hash) else { continue };
		let Some(outcome) = decide::<T>(store, song, &record, &items) else { continue };
		judged += 1;
		let verdict = Verdict {
			song,
			fingerprint_hash: record.fingerprint_hash,
			outcome,
			authority: key.clone(),
		};
		let payload = verdict.signing_payload(Pallet::<T>::genesis_hash().as_ref());
		let Some(signature) = key.sign(&payload) else {
			log::warn!(target: LOG, "the keystore could not sign with the authority key");
			return;
		};
		let call = Call::<T>::submit_verdict { verdict, signature };
		let xt =
			<T as CreateAuthorizedTransaction<Call<T>>>::create_authorized_transaction(call.into());
		match SubmitTransaction::<T, Call<T>>::submit_transaction(xt) {
			Ok(()) => {
				log::info!(target: LOG, "song {song}: verdict {outcome:?} submitted");
				store.set(&sent_key, &now.encode());
			},
			Err(()) => log::warn!(target: LOG, "song {song}: the pool refused the verdict"),
		}
	}
}

/// The pending songs by verdict deadline, soonest first: those due at the
/// next block (registered longest ago) come first. A song registered at
/// block `b` is due at `b + VerdictTimeout`; songs due by `now` were
/// activated by `on_initialize`.
fn pending_oldest_first<T: Config>(now: BlockNumberFor<T>) -> impl Iterator<Item = SongId> {
	let last = now.saturating_add(T::VerdictTimeout::get());
	let mut at = now;
	core::iter::from_fn(move || {
		if at >= last {
			return None;
		}
		at = at.saturating_add(1u32.into());
		Some(PendingDeadlines::<T>::get(at))
	})
	.flatten()
}

/// The verdict on pending `song`, or `None` to wait (its best match is an
/// earlier song that is itself still pending).
pub fn decide<T: Config>(
	store: &impl IndexStore,
	song: SongId,
	record: &crate::SongRecordOf<T>,
	items: &[u32],
) -> Option<Outcome> {
	let threshold = T::MatchThreshold::get().deconstruct();
	let tolerance = T::DurationToleranceMs::get();
	// Exactly the fingerprint of an earlier song (a re-tagged copy, say):
	// the index leaves a song's own fingerprint out, so look it up.
	if let Some(other) = ByFingerprint::<T>::get(record.fingerprint_hash).filter(|o| *o < song) {
		let target = Songs::<T>::get(other)?;
		if target.duration_ms.abs_diff(record.duration_ms) <= tolerance {
			if target.status == SongStatus::Pending {
				return None;
			}
			return Some(Outcome::DuplicateOf {
				song: other,
				fingerprint_hash: target.fingerprint_hash,
				similarity_ppm: 1_000_000,
			});
		}
	}
	for found in index::matches(store, items, Some(&record.fingerprint_hash), MAX_CANDIDATES) {
		if found.alignment.similarity_ppm < threshold {
			break; // best first: no later one passes either
		}
		let Some(other) = ByFingerprint::<T>::get(found.hash) else { continue };
		// A later registration is judged against this one, not the reverse.
		if other >= song {
			continue;
		}
		let Some(target) = Songs::<T>::get(other) else { continue };
		if target.duration_ms.abs_diff(record.duration_ms) > tolerance {
			continue;
		}
		if target.status == SongStatus::Pending {
			return None;
		}
		return Some(Outcome::DuplicateOf {
			song: other,
			fingerprint_hash: target.fingerprint_hash,
			similarity_ppm: found.alignment.similarity_ppm,
		});
	}
	Some(Outcome::Unique)
}

fn sent_key(song: SongId, hash: &FingerprintHash) -> Vec<u8> {
	let mut key = SENT_PREFIX.to_vec();
	key.extend_from_slice(&song.to_le_bytes());
	key.extend_from_slice(hash.as_ref());
	key
}

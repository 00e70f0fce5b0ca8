//! The dedupe offchain worker against a real offchain database and pool.

use super::verdict::apply;
use crate::{
	mock::*, offchain::RESEND_AFTER_BLOCKS, Outcome, SongStatus, Songs as SongsMap, Verdict,
};
use codec::Decode;
use parking_lot::RwLock;
use polkadot_sdk::{
	frame_support::{
		assert_ok,
		traits::{Get, Hooks},
	},
	sp_core::offchain::{
		testing::{OffchainState, PoolState, TestOffchainExt, TestTransactionPoolExt},
		OffchainDbExt, OffchainWorkerExt, Timestamp, TransactionPoolExt,
	},
	sp_io::TestExternalities,
	sp_runtime::testing::UintAuthorityId,
};
use std::sync::Arc;

struct Node {
	ext: TestExternalities,
	pool: Arc<RwLock<PoolState>>,
	/// The offchain worker's view of the world, its clock included.
	offchain: Arc<RwLock<OffchainState>>,
}

impl Node {
	/// A validator node whose keystore holds authority key 1.
	fn new() -> Self {
		let mut ext = new_ext();
		let (offchain, offchain_state) = TestOffchainExt::with_offchain_db(ext.offchain_db());
		let (pool, pool_state) = TestTransactionPoolExt::new();
		ext.register_extension(OffchainDbExt::new(offchain.clone()));
		ext.register_extension(OffchainWorkerExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		UintAuthorityId::set_all_keys(vec![1]);
		Node { ext, pool: pool_state, offchain: offchain_state }
	}

	/// Runs `f` in a block, then commits the block's offchain-index writes
	/// as the node's import does.
	fn block<R>(&mut self, f: impl FnOnce() -> R) -> R {
		let r = self.ext.execute_with(|| {
			let r = f();
			Songs::do_try_state().expect("registry invariants hold");
			r
		});
		self.ext.persist_offchain_overlay();
		r
	}

	/// Runs the offchain worker as if block `n` were imported (the chain's
	/// state stays as it is) and returns the verdicts it sent.
	fn ocw(&mut self, n: u64) -> Vec<Verdict<UintAuthorityId>> {
		self.ext.execute_with(|| Songs::offchain_worker(n));
		self.pool
			.write()
			.transactions
			.drain(..)
			.map(|raw| match Extrinsic::decode(&mut &raw[..]).expect("an extrinsic").function {
				RuntimeCall::Songs(crate::Call::submit_verdict { verdict, .. }) => verdict,
				other => panic!("unexpected call {other:?}"),
			})
			.collect()
	}

	fn apply_all(&mut self, verdicts: Vec<Verdict<UintAuthorityId>>) {
		self.block(|| {
			for v in verdicts {
				assert_ok!(apply(v));
			}
		});
	}

	fn status(&mut self, song: u32) -> Option<SongStatus> {
		self.ext.execute_with(|| SongsMap::<Test>::get(song).map(|r| r.status))
	}
}

fn outcome_of(verdicts: &[Verdict<UintAuthorityId>], song: u32) -> Option<Outcome> {
	verdicts.iter().find(|v| v.song == song).map(|v| v.outcome)
}

#[test]
fn distinct_songs_are_unique_and_a_reencoding_folds_in() {
	let mut node = Node::new();
	node.block(|| {
		assert_ok!(register_file(compress(recording(1)), 240_000, 1));
		assert_ok!(register_file(compress(recording(2)), 200_000, 2));
	});
	let verdicts = node.ocw(2);
	assert_eq!(verdicts.len(), 2);
	assert_eq!(outcome_of(&verdicts, 0), Some(Outcome::Unique));
	assert_eq!(outcome_of(&verdicts, 1), Some(Outcome::Unique));
	node.apply_all(verdicts);
	assert_eq!(node.status(0), Some(SongStatus::Active));

	// Another encoding of song 0: shifted, a few bits off, 400 ms longer.
	node.block(|| {
		assert_ok!(register_file(compress(reencoded(1, 3)), 240_400, 3));
	});
	let verdicts = node.ocw(3);
	assert_eq!(verdicts.len(), 1);
	let Some(Outcome::DuplicateOf { song: 0, similarity_ppm, .. }) = outcome_of(&verdicts, 2)
	else {
		panic!("not folded into song 0: {verdicts:?}");
	};
	assert!(similarity_ppm > 990_000, "{similarity_ppm}");
	node.apply_all(verdicts);
	assert_eq!(node.status(2), None);
	node.ext.execute_with(|| {
		assert_eq!(
			crate::Variants::<Test>::get(musicchain_primitives::ContentHash([3; 32]))
				.map(|v| v.song),
			Some(0)
		);
	});
}

#[test]
fn another_accounts_file_with_the_same_fingerprint_folds_in() {
	// A re-tagged copy of song 0 (same audio, so the same fingerprint) by
	// another account: it cannot add a file to song 0 directly, so it
	// registers, and the verdict folds it into song 0.
	let mut node = Node::new();
	node.block(|| {
		assert_ok!(register_file(compress(recording(1)), 240_000, 1));
	});
	let verdicts = node.ocw(2);
	node.apply_all(verdicts);
	node.block(|| {
		assert_ok!(Songs::register(
			RuntimeOrigin::signed(OTHER),
			compress(recording(1)),
			240_000,
			metadata(),
			Default::default(),
			variant(2),
		));
	});
	let verdicts = node.ocw(3);
	assert_eq!(
		outcome_of(&verdicts, 1),
		Some(Outcome::DuplicateOf {
			song: 0,
			fingerprint_hash: node
				.ext
				.execute_with(|| SongsMap::<Test>::get(0).map(|r| r.fingerprint_hash))
				.unwrap_or_default(),
			similarity_ppm: 1_000_000
		})
	);
	node.apply_all(verdicts);
	assert_eq!(node.status(1), None, "folded");
	node.ext.execute_with(|| {
		assert_eq!(
			crate::Variants::<Test>::get(musicchain_primitives::ContentHash([2; 32]))
				.map(|v| v.song),
			Some(0)
		);
	});
}

#[test]
fn a_much_longer_file_is_not_the_same_recording() {
	let mut node = Node::new();
	node.block(|| {
		assert_ok!(register_file(compress(recording(1)), 240_000, 1));
	});
	let verdicts = node.ocw(2);
	node.apply_all(verdicts);
	// Same first 120 s, but an extended mix ten seconds longer.
	node.block(|| {
		assert_ok!(register_file(compress(reencoded(1, 0)), 250_000, 2));
	});
	assert_eq!(outcome_of(&node.ocw(3), 1), Some(Outcome::Unique));
}

#[test]
fn a_copy_of_a_pending_song_waits_for_its_verdict() {
	let mut node = Node::new();
	node.block(|| {
		assert_ok!(register_file(compress(recording(5)), 180_000, 1));
		assert_ok!(register_file(compress(reencoded(5, 1)), 180_000, 2));
	});
	let first = node.ocw(2);
	assert_eq!(first.len(), 1, "only the earlier song is judged: {first:?}");
	assert_eq!(outcome_of(&first, 0), Some(Outcome::Unique));
	node.apply_all(first);
	let second = node.ocw(3);
	assert!(matches!(outcome_of(&second, 1), Some(Outcome::DuplicateOf { song: 0, .. })));
}

#[test]
fn a_verdict_is_sent_once_until_it_is_overdue() {
	let mut node = Node::new();
	node.block(|| {
		assert_ok!(register(1));
	});
	assert_eq!(node.ocw(2).len(), 1);
	// Not included yet: the next runs hold back...
	assert!(node.ocw(3).is_empty());
	assert!(node.ocw(2 + u64::from(RESEND_AFTER_BLOCKS) - 1).is_empty());
	// ...until it is overdue, then send it again.
	assert_eq!(node.ocw(2 + u64::from(RESEND_AFTER_BLOCKS)).len(), 1);
}

#[test]
fn only_block_authors_judge_and_a_late_node_catches_up() {
	let mut node = Node::new();
	UintAuthorityId::set_all_keys(vec![7]); // not an authority
	node.block(|| {
		assert_ok!(register(1));
		assert_ok!(register(2));
	});
	assert!(node.ocw(2).is_empty());
	// It judged nothing but indexed both songs (its RPC can match them).
	assert_eq!(indexed(&mut node), 2);
	// Songs 0 and 1 became active without this node; it now becomes an authority.
	let others: Vec<_> =
		node.ext.execute_with(|| [0u32, 1].map(|song| super::verdict::unique(song, 2)).to_vec());
	node.apply_all(others);
	UintAuthorityId::set_all_keys(vec![1]);
	// A new song and a re-encoding of song 1 arrive: the catch-up indexes
	// 0 and 1 first.
	node.block(|| {
		System::set_block_number(2);
		assert_ok!(register(3));
		assert_ok!(register_file(compress(reencoded(2, 2)), 240_000, 9));
	});
	let verdicts = node.ocw(3);
	assert_eq!(outcome_of(&verdicts, 2), Some(Outcome::Unique));
	assert!(matches!(outcome_of(&verdicts, 3), Some(Outcome::DuplicateOf { song: 1, .. })));
}

#[test]
fn a_backlog_is_judged_oldest_first_and_drains_faster_than_songs_arrive() {
	// Two registrations a block (the most, `MaxPendingPerBlock`) for five
	// blocks while this node's worker did not run (it was restarting).
	let mut node = Node::new();
	let per_block: u32 = <Test as crate::Config>::MaxPendingPerBlock::get();
	assert_eq!(backlog(&mut node, 5), 10);
	// Each run judges twice what a block can bring, the oldest first.
	let mut order = Vec::new();
	for n in 5..8 {
		let verdicts = node.ocw(n);
		let mut songs: Vec<u32> = verdicts.iter().map(|v| v.song).collect();
		assert!(songs.len() as u32 <= 2 * per_block, "run {n} judged {songs:?}");
		songs.sort();
		order.push(songs);
		node.apply_all(verdicts);
	}
	assert_eq!(order, vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]);
	// All ten are active by their verdicts, three blocks on: the first
	// would time out at block 1 + TIMEOUT.
	for song in 0..10 {
		assert_eq!(node.status(song), Some(SongStatus::Active), "song {song}");
	}
}

/// Registrations of `blocks` blocks, the most a block takes, made while this
/// node's worker did not run; returns how many.
fn backlog(node: &mut Node, blocks: u64) -> u32 {
	let per_block = <Test as crate::Config>::MaxPendingPerBlock::get();
	for block in 1..=blocks {
		node.block(|| {
			run_to(block);
			for i in 0..per_block {
				let seed = 1000 + (block as u32) * 10 + i;
				assert_ok!(register_file(compress(recording(seed)), 240_000, seed as u8));
			}
		});
	}
	per_block * blocks as u32
}

fn indexed(node: &mut Node) -> u32 {
	node.ext.execute_with(|| {
		musicchain_primitives::fingerprint::index::len(&crate::offchain::OffchainStore)
	})
}

#[test]
fn a_node_far_behind_indexes_the_whole_backlog_in_one_run_when_time_allows() {
	// A node re-indexing (after an index upgrade, or joining late) must get
	// through before the pending songs time out, or they activate unjudged:
	// with the count floor alone (4 per possible arrival, 8 here) this run
	// would index 8 of the 40.
	let mut node = Node::new();
	UintAuthorityId::set_all_keys(vec![7]); // not an authority: indexing only
	let songs = backlog(&mut node, 20);
	assert_eq!(songs, 40);
	assert!(node.ocw(20).is_empty());
	assert_eq!(indexed(&mut node), 40);
}

#[test]
fn a_run_out_of_time_still_indexes_its_floor() {
	let mut node = Node::new();
	backlog(&mut node, 10);
	let per_block: u32 = <Test as crate::Config>::MaxPendingPerBlock::get();
	let floor = per_block * crate::offchain::CATCH_UP_PER_PENDING;
	// The clock is past the run's deadline from the start.
	node.offchain.write().timestamp = Timestamp::from_unix_millis(10_000);
	let past = Timestamp::from_unix_millis(5_000);
	let to = node.ext.execute_with(|| {
		crate::offchain::catch_up::<Test>(&mut crate::offchain::OffchainStore, past)
	});
	assert_eq!((to, indexed(&mut node)), (floor, floor));
	// With time left, the next run goes on to the end.
	let later = Timestamp::from_unix_millis(20_000);
	let to = node.ext.execute_with(|| {
		crate::offchain::catch_up::<Test>(&mut crate::offchain::OffchainStore, later)
	});
	assert_eq!((to, indexed(&mut node)), (20, 20));
}

#[test]
fn a_copy_registered_while_the_catalog_is_re_indexed_is_judged_before_its_timeout() {
	// The window an attacker would use: when every node re-indexes the
	// catalog (an index upgrade; here, a catalog this node's worker never
	// indexed), no song is judged until every earlier one is indexed, and a
	// copy registered then becomes Active unjudged at its timeout. With the
	// count floor alone (8 a run here) the 160 songs ahead of the copy take
	// 20 runs, the whole timeout.
	let mut node = Node::new();
	UintAuthorityId::set_all_keys(vec![7]); // the worker does not run meanwhile
	let per_block: u32 = <Test as crate::Config>::MaxPendingPerBlock::get();
	let catalog = 8 * TIMEOUT as u32;
	for block in 1..=u64::from(catalog / per_block) {
		node.block(|| {
			run_to(block);
			for i in 0..per_block {
				let n = (block as u32 - 1) * per_block + i;
				let who = if n.is_multiple_of(2) { ARTIST } else { OTHER };
				assert_ok!(register_as(who, 1000 + n, n as u8));
			}
		});
	}
	// The attacker's re-encoding of song 0 (ARTIST's), as another account.
	let copy = catalog;
	let registered = u64::from(catalog / per_block) + 1;
	node.block(|| {
		run_to(registered);
		assert_ok!(Songs::register(
			RuntimeOrigin::signed(OTHER),
			compress(reencoded(1000, 3)),
			240_000,
			metadata(),
			Default::default(),
			variant(250),
		));
	});
	UintAuthorityId::set_all_keys(vec![1]);
	let mut judged = None;
	for n in registered..registered + TIMEOUT {
		let verdicts = node.ocw(n);
		judged = judged.or(outcome_of(&verdicts, copy).map(|o| (n, o)));
		node.apply_all(verdicts);
		if judged.is_some() {
			break;
		}
		node.block(|| run_to(n + 1));
	}
	let Some((at, Outcome::DuplicateOf { song: 0, .. })) = judged else {
		panic!("the copy was not folded into song 0 within its timeout: {judged:?}");
	};
	assert!(at < registered + TIMEOUT, "judged at block {at}");
	assert_eq!(node.status(copy), None, "folded away, not Active");
}

//! `submit_verdict`: its authorization and its effects.

use crate::{
	mock::*, ByFingerprint, Error, Event, Outcome, PendingDeadlines, SongStatus, SongVariants,
	Songs as SongsMap, Variants, Verdict, VerdictVotes, INVALID_TARGET,
};
use musicchain_primitives::traits::SongCatalog;
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, traits::Authorize},
	frame_system::RawOrigin,
	sp_runtime::{
		testing::UintAuthorityId,
		transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
		DispatchError, RuntimeAppPublic,
	},
};

fn fp_hash(song: u32) -> musicchain_primitives::FingerprintHash {
	SongsMap::<Test>::get(song).map(|r| r.fingerprint_hash).unwrap_or_default()
}

pub fn unique(song: u32, by: u64) -> Verdict<UintAuthorityId> {
	Verdict {
		song,
		fingerprint_hash: fp_hash(song),
		outcome: Outcome::Unique,
		authority: UintAuthorityId(by),
	}
}

pub fn duplicate(song: u32, into: u32) -> Verdict<UintAuthorityId> {
	Verdict {
		song,
		fingerprint_hash: fp_hash(song),
		outcome: Outcome::DuplicateOf {
			song: into,
			fingerprint_hash: fp_hash(into),
			similarity_ppm: 990_000,
		},
		authority: UintAuthorityId(1),
	}
}

fn sign(
	verdict: &Verdict<UintAuthorityId>,
	key: u64,
) -> <UintAuthorityId as RuntimeAppPublic>::Signature {
	let payload = verdict.signing_payload(Songs::genesis_hash().as_ref());
	UintAuthorityId(key).sign(&payload).expect("test keys sign")
}

fn authorize(verdict: &Verdict<UintAuthorityId>, key: u64) -> Result<(), TransactionValidityError> {
	let call = RuntimeCall::Songs(crate::Call::submit_verdict {
		verdict: verdict.clone(),
		signature: sign(verdict, key),
	});
	call.authorize(TransactionSource::External).expect("the call is authorizable").map(|_| ())
}

/// Authorizes and dispatches a verdict signed by its own authority, as a
/// block does: one authority's vote.
pub fn vote(verdict: Verdict<UintAuthorityId>) -> polkadot_sdk::sp_runtime::DispatchResult {
	authorize(&verdict, verdict.authority.0).map_err(|e| DispatchError::Other(e.into()))?;
	let signature = sign(&verdict, verdict.authority.0);
	Songs::submit_verdict(RawOrigin::Authorized.into(), verdict, signature)
}

/// A majority of the mock's three authorities submits `verdict`: another
/// authority's vote for the same outcome, then the verdict's own, which
/// applies it.
pub fn apply(verdict: Verdict<UintAuthorityId>) -> polkadot_sdk::sp_runtime::DispatchResult {
	let seconder =
		Verdict { authority: UintAuthorityId(verdict.authority.0 % 3 + 1), ..verdict.clone() };
	vote(seconder)?;
	vote(verdict)
}

#[test]
fn unique_verdict_activates_and_cancels_the_timeout() {
	test(|| {
		assert_ok!(register(1));
		assert_ok!(apply(unique(0, 2)));
		assert_eq!(SongsMap::<Test>::get(0).map(|r| r.status), Some(SongStatus::Active));
		System::assert_last_event(
			Event::SongVerified { song: 0, authority: UintAuthorityId(2) }.into(),
		);
		assert!(PendingDeadlines::<Test>::iter().next().is_none());
		run_to(TIMEOUT + 2);
		assert!(System::events()
			.iter()
			.all(|e| !matches!(e.event, RuntimeEvent::Songs(Event::SongActivated { .. }))));
	});
}

#[test]
fn duplicate_verdict_folds_the_file_into_the_earlier_song() {
	test(|| {
		assert_ok!(register(1));
		assert_ok!(apply(unique(0, 1)));
		assert_ok!(register(2));
		let folded_fp = fp_hash(1);
		assert_ok!(apply(duplicate(1, 0)));
		System::assert_last_event(
			Event::SongFolded {
				song: 1,
				into: 0,
				similarity_ppm: 990_000,
				dropped: 0,
				authority: UintAuthorityId(1),
			}
			.into(),
		);
		assert!(SongsMap::<Test>::get(1).is_none());
		assert_eq!(SongVariants::<Test>::get(0).into_inner(), vec![[1; 32], [2; 32]]);
		assert_eq!(
			Variants::<Test>::get(musicchain_primitives::ContentHash([2; 32])).map(|v| v.song),
			Some(0)
		);
		assert_eq!(ByFingerprint::<Test>::get(folded_fp), Some(0));
		assert!(SongVariants::<Test>::get(1).is_empty());
		assert!(Songs::playable(0, &musicchain_primitives::ContentHash([2; 32])).is_ok());
		// The fingerprint keeps finding song 0.
		assert!(PendingDeadlines::<Test>::iter().next().is_none());
	});
}

#[test]
fn folding_into_a_full_song_drops_the_file_and_says_so() {
	test(|| {
		assert_ok!(register(1));
		assert_ok!(apply(unique(0, 1)));
		for file in [10, 11] {
			assert_ok!(Songs::add_variant(RuntimeOrigin::signed(ARTIST), 0, variant(file)));
		}
		assert_ok!(register(2));
		assert_ok!(apply(duplicate(1, 0)));
		System::assert_last_event(
			Event::SongFolded {
				song: 1,
				into: 0,
				similarity_ppm: 990_000,
				dropped: 1,
				authority: UintAuthorityId(1),
			}
			.into(),
		);
		assert!(Variants::<Test>::get(musicchain_primitives::ContentHash([2; 32])).is_none());
		assert_eq!(SongVariants::<Test>::get(0).len(), 3);
	});
}

#[test]
fn authorization_refuses_what_does_not_apply() {
	test(|| {
		assert_ok!(register(1));
		assert_ok!(register(2));
		let invalid = |e| Err(TransactionValidityError::Invalid(e));
		// Not a current authority, or signed by another key.
		assert_eq!(authorize(&unique(0, 9), 9), invalid(InvalidTransaction::BadSigner));
		assert_eq!(authorize(&unique(0, 1), 2), invalid(InvalidTransaction::BadProof));
		// Bound to the song's fingerprint: another fork's song 0 is refused.
		let mut other_fork = unique(0, 1);
		other_fork.fingerprint_hash = musicchain_primitives::FingerprintHash([7; 32]);
		assert_eq!(authorize(&other_fork, 1), invalid(InvalidTransaction::Stale));
		// No such song.
		assert_eq!(authorize(&unique(5, 1), 1), invalid(InvalidTransaction::Stale));
		// Targets: pending, itself, missing, another fingerprint.
		let target = invalid(InvalidTransaction::Custom(INVALID_TARGET));
		assert_eq!(authorize(&duplicate(1, 0), 1), target);
		assert_ok!(apply(unique(0, 1)));
		assert_eq!(authorize(&duplicate(1, 1), 1), target);
		assert_eq!(authorize(&duplicate(1, 7), 1), target);
		let mut wrong_target = duplicate(1, 0);
		wrong_target.outcome = Outcome::DuplicateOf {
			song: 0,
			fingerprint_hash: musicchain_primitives::FingerprintHash([3; 32]),
			similarity_ppm: 990_000,
		};
		assert_eq!(authorize(&wrong_target, 1), target);
		// Judged already.
		assert_eq!(authorize(&unique(0, 1), 1), invalid(InvalidTransaction::Stale));
		assert_ok!(authorize(&duplicate(1, 0), 1));
	});
}

#[test]
fn dispatch_rechecks_state_and_origin() {
	test(|| {
		assert_ok!(register(1));
		let authorized = || RuntimeOrigin::from(RawOrigin::Authorized);
		let v = unique(0, 1);
		assert_noop!(
			Songs::submit_verdict(RuntimeOrigin::signed(1), v.clone(), sign(&v, 1)),
			DispatchError::BadOrigin
		);
		let mut stale = v.clone();
		stale.fingerprint_hash = musicchain_primitives::FingerprintHash([7; 32]);
		assert_noop!(
			Songs::submit_verdict(authorized(), stale.clone(), sign(&stale, 1)),
			Error::<Test>::StaleVerdict
		);
		let bad_target = duplicate(0, 4);
		assert_noop!(
			Songs::submit_verdict(authorized(), bad_target.clone(), sign(&bad_target, 1)),
			Error::<Test>::InvalidTarget
		);
		assert_ok!(Songs::submit_verdict(authorized(), v.clone(), sign(&v, 1)));
		assert_noop!(
			Songs::submit_verdict(authorized(), v.clone(), sign(&v, 1)),
			Error::<Test>::AlreadyVoted
		);
		let second = unique(0, 2);
		assert_ok!(Songs::submit_verdict(authorized(), second.clone(), sign(&second, 2)));
		let third = unique(0, 3);
		assert_noop!(
			Songs::submit_verdict(authorized(), third.clone(), sign(&third, 3)),
			Error::<Test>::NotPending
		);
	});
}

#[test]
fn one_authority_alone_decides_nothing() {
	test(|| {
		assert_ok!(register(1));
		assert_ok!(apply(unique(0, 1)));
		assert_ok!(register(2));
		// One of three says song 1 is song 0: recorded, not applied.
		assert_ok!(vote(duplicate(1, 0)));
		System::assert_last_event(
			Event::VerdictVoted {
				song: 1,
				authority: UintAuthorityId(1),
				outcome: duplicate(1, 0).outcome,
				agreeing: 1,
				authorities: 3,
			}
			.into(),
		);
		assert_eq!(SongsMap::<Test>::get(1).map(|r| r.status), Some(SongStatus::Pending));
		assert_eq!(VerdictVotes::<Test>::get(1).len(), 1);
		// The same vote again is refused, in the pool and in a block.
		let invalid = |e| Err(TransactionValidityError::Invalid(e));
		assert_eq!(authorize(&duplicate(1, 0), 1), invalid(InvalidTransaction::Stale));
		assert_noop!(vote(duplicate(1, 0)), DispatchError::Other("Transaction is outdated"));
		// A vote is final: the same authority cannot vote again, not even
		// for another outcome (votes are free, so it could fill blocks).
		assert_eq!(authorize(&unique(1, 1), 1), invalid(InvalidTransaction::Stale));
		assert_noop!(
			Songs::submit_verdict(
				RawOrigin::Authorized.into(),
				unique(1, 1),
				sign(&unique(1, 1), 1)
			),
			Error::<Test>::AlreadyVoted
		);
		// Another says Unique: still no majority.
		assert_ok!(vote(unique(1, 2)));
		assert_eq!(SongsMap::<Test>::get(1).map(|r| r.status), Some(SongStatus::Pending));
		// The third agrees with the second: two of three, Unique.
		assert_ok!(vote(unique(1, 3)));
		assert_eq!(SongsMap::<Test>::get(1).map(|r| r.status), Some(SongStatus::Active));
		System::assert_last_event(
			Event::SongVerified { song: 1, authority: UintAuthorityId(3) }.into(),
		);
		assert!(!VerdictVotes::<Test>::contains_key(1));
	});
}

#[test]
fn votes_of_former_authorities_do_not_count() {
	test(|| {
		assert_ok!(register(1));
		assert_ok!(vote(unique(0, 3)));
		// Authority 3 leaves; 4 joins. 3's vote no longer counts, so 1's
		// is one of three, not two.
		AuthoritySet::set(vec![UintAuthorityId(1), UintAuthorityId(2), UintAuthorityId(4)]);
		assert_ok!(vote(unique(0, 1)));
		assert_eq!(SongsMap::<Test>::get(0).map(|r| r.status), Some(SongStatus::Pending));
		assert_eq!(
			VerdictVotes::<Test>::get(0).into_inner(),
			vec![(UintAuthorityId(1), Outcome::Unique)],
			"the former authority's vote is gone"
		);
		assert_ok!(vote(unique(0, 4)));
		assert_eq!(SongsMap::<Test>::get(0).map(|r| r.status), Some(SongStatus::Active));
	});
}

#[test]
fn a_song_without_a_majority_activates_at_its_timeout_and_its_votes_go() {
	test(|| {
		assert_ok!(register(1));
		assert_ok!(vote(unique(0, 1)));
		run_to(TIMEOUT + 2);
		assert_eq!(SongsMap::<Test>::get(0).map(|r| r.status), Some(SongStatus::Active));
		assert!(!VerdictVotes::<Test>::contains_key(0));
	});
}

#[test]
fn nothing_folds_into_a_song_rejected_while_the_votes_came_in() {
	test(|| {
		assert_ok!(register(1));
		assert_ok!(apply(unique(0, 1)));
		assert_ok!(register(2));
		// One vote to fold song 1 into song 0; then the moderators reject 0.
		assert_ok!(vote(duplicate(1, 0)));
		assert_ok!(Songs::reject_song(RuntimeOrigin::signed(MODERATOR), 0));
		let second = Verdict { authority: UintAuthorityId(2), ..duplicate(1, 0) };
		assert_eq!(
			authorize(&second, 2),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(INVALID_TARGET)))
		);
		assert_noop!(
			Songs::submit_verdict(RawOrigin::Authorized.into(), second.clone(), sign(&second, 2)),
			Error::<Test>::InvalidTarget
		);
		// The file stays with its own registration.
		assert_eq!(
			Variants::<Test>::get(musicchain_primitives::ContentHash([2; 32])).map(|v| v.song),
			Some(1)
		);
	});
}

//! Plausible songs, deposits, and the moderators' approval gate (DESIGN §2.6).

use super::verdict::{apply, duplicate, unique};
use crate::{
	migrations, mock::*, ApprovedArtists, Decision, Deposit, Deposits, Error, Event, HoldReason,
	SongStatus, Songs as SongsMap, UnvettedSongs, Vetting,
};
use musicchain_primitives::traits::{CatalogError, SongCatalog};
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::{
			fungible::{Inspect, InspectHold},
			GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
		},
	},
	sp_runtime::DispatchError,
};

fn held(who: u64) -> u128 {
	Balances::balance_on_hold(&HoldReason::SongDeposit.into(), &who)
}

fn moderator() -> RuntimeOrigin {
	RuntimeOrigin::signed(MODERATOR)
}

/// Registers song `seed` and activates it by a unique verdict.
fn active(seed: u8) -> u32 {
	let song = crate::NextSongId::<Test>::get();
	assert_ok!(register(seed));
	assert_ok!(apply(unique(song, 1)));
	song
}

#[test]
fn implausible_songs_do_not_register() {
	test(|| {
		// The 1 ms song with a 5-item fingerprint the attack began with.
		let tiny = compress(recording(1).into_iter().take(5).collect());
		assert_noop!(register_file(tiny.clone(), 1, 1), Error::<Test>::TooShort);
		assert_noop!(register_file(tiny.clone(), 29_999, 1), Error::<Test>::TooShort);
		// 5 items are no 30 s song, nor a 4-minute one.
		assert_noop!(register_file(tiny, 30_000, 1), Error::<Test>::ImplausibleFingerprint);
		// A 120 s fingerprint declared as a 30 s song.
		assert_noop!(
			register_file(fingerprint(1), 30_000, 1),
			Error::<Test>::ImplausibleFingerprint
		);
		// About 226 items for 30 s, as fpcalc gives.
		let thirty = compress(recording(1).into_iter().take(226).collect());
		assert_ok!(register_file(thirty, 30_000, 1));
	});
}

#[test]
fn registering_holds_the_deposit_and_fails_without_it() {
	test(|| {
		let issuance = Balances::total_issuance();
		assert_ok!(register(1));
		assert_eq!(held(ARTIST), DEPOSIT);
		assert_eq!(Balances::balance(&ARTIST), FUNDS - DEPOSIT, "free balance");
		assert_eq!(Deposits::<Test>::get(0), Some(Deposit { who: ARTIST, amount: DEPOSIT }));
		assert!(UnvettedSongs::<Test>::contains_key(ARTIST, 0));
		assert_eq!(Balances::total_issuance(), issuance);
		// Account 7 has nothing to hold.
		assert_noop!(register_as(7, 2, 2), Error::<Test>::CannotHoldDeposit);
		// Unvetted, a played song is not approved: its plays earn credits.
		run_to(TIMEOUT + 1);
		assert!(Songs::playable(0, &musicchain_primitives::ContentHash([1; 32]))
			.is_ok_and(|s| !s.approved));
	});
}

#[test]
fn approval_returns_the_deposit_and_pays_the_credits() {
	test(|| {
		let song = active(1);
		assert_noop!(
			Songs::approve_song(RuntimeOrigin::signed(ARTIST), song),
			DispatchError::BadOrigin
		);
		assert_ok!(Songs::approve_song(moderator(), song));
		System::assert_last_event(Event::SongApproved { song, deposit_returned: DEPOSIT }.into());
		assert_eq!((held(ARTIST), Balances::balance(&ARTIST)), (0, FUNDS));
		assert_eq!(Vetting::<Test>::get(song), Some(Decision::Approved));
		assert!(!UnvettedSongs::<Test>::contains_key(ARTIST, song));
		assert_eq!(Vetted::get(), vec![VettingCall::Approved(song)]);
		assert!(Songs::playable(song, &musicchain_primitives::ContentHash([1; 32]))
			.is_ok_and(|s| s.approved));
		assert_noop!(Songs::approve_song(moderator(), song), Error::<Test>::AlreadyApproved);
		assert_noop!(Songs::approve_song(moderator(), 9), Error::<Test>::NotFound);
	});
}

#[test]
fn a_pending_song_is_neither_approved_nor_hidden() {
	test(|| {
		assert_ok!(register(1));
		assert_noop!(Songs::approve_song(moderator(), 0), Error::<Test>::SongPending);
		// Hiding it would skip its dedupe verdict and make it playable.
		assert_noop!(Songs::hide(moderator(), 0), Error::<Test>::NotActive);
		assert_eq!(SongsMap::<Test>::get(0).map(|r| r.status), Some(SongStatus::Pending));
	});
}

#[test]
fn rejection_burns_the_deposit_hides_and_never_earns_again() {
	test(|| {
		let song = active(1);
		let issuance = Balances::total_issuance();
		assert_ok!(Songs::reject_song(moderator(), song));
		System::assert_last_event(Event::SongRejected { song, deposit_burned: DEPOSIT }.into());
		assert_eq!(held(ARTIST), 0);
		assert_eq!(Balances::balance(&ARTIST), FUNDS - DEPOSIT);
		assert_eq!(Balances::total_issuance(), issuance - DEPOSIT);
		assert_eq!(SongsMap::<Test>::get(song).map(|r| r.status), Some(SongStatus::Hidden));
		assert_eq!(Vetted::get(), vec![VettingCall::Rejected(song)]);
		assert_eq!(
			Songs::playable(song, &musicchain_primitives::ContentHash([1; 32])).err(),
			Some(CatalogError::Rejected)
		);
		assert_noop!(Songs::reject_song(moderator(), song), Error::<Test>::AlreadyRejected);
		assert_noop!(Songs::approve_song(moderator(), song), Error::<Test>::AlreadyRejected);
		// Approving the artist later does not revive it.
		assert_ok!(Songs::approve_artist(moderator(), ARTIST));
		assert_eq!(
			Songs::playable(song, &musicchain_primitives::ContentHash([1; 32])).err(),
			Some(CatalogError::Rejected)
		);
	});
}

#[test]
fn an_approved_song_can_still_be_rejected() {
	test(|| {
		let song = active(1);
		assert_ok!(Songs::approve_song(moderator(), song));
		assert_ok!(Songs::reject_song(moderator(), song));
		System::assert_last_event(Event::SongRejected { song, deposit_burned: 0 }.into());
		assert_eq!(Balances::balance(&ARTIST), FUNDS, "the returned deposit stays returned");
		assert_eq!(
			Songs::playable(song, &musicchain_primitives::ContentHash([1; 32])).err(),
			Some(CatalogError::Rejected)
		);
	});
}

#[test]
fn approving_an_artist_approves_its_songs_now_and_later() {
	test(|| {
		// Three songs (the mock allows two pending per block).
		let a = active(1);
		let b = active(2);
		run_to(2);
		let c = active(3);
		assert_eq!(held(ARTIST), 3 * DEPOSIT);
		// MaxApprovalsPerCall is 2 in the mock: two now, one more call.
		assert_ok!(Songs::approve_artist(moderator(), ARTIST));
		System::assert_last_event(
			Event::ArtistApproved { artist: ARTIST, songs: 2, remaining: true }.into(),
		);
		assert_eq!(held(ARTIST), DEPOSIT);
		assert_ok!(Songs::approve_artist(moderator(), ARTIST));
		System::assert_last_event(
			Event::ArtistApproved { artist: ARTIST, songs: 1, remaining: false }.into(),
		);
		assert_eq!((held(ARTIST), Balances::balance(&ARTIST)), (0, FUNDS));
		assert_noop!(Songs::approve_artist(moderator(), ARTIST), Error::<Test>::AlreadyApproved);
		assert_eq!(Vetted::get()[0], VettingCall::ArtistApproved(ARTIST));
		for song in [a, b, c] {
			assert!(Vetted::get().contains(&VettingCall::Approved(song)));
		}
		// A later song holds no deposit and is approved from the start.
		run_to(3);
		let d = active(4);
		assert_eq!(held(ARTIST), 0);
		assert!(Deposits::<Test>::get(d).is_none());
		assert!(Songs::playable(d, &musicchain_primitives::ContentHash([4; 32]))
			.is_ok_and(|s| s.approved));
		// On the song itself: a play reads one decision.
		assert_eq!(Vetting::<Test>::get(d), Some(Decision::Approved));
		// Another artist is not.
		assert!(!ApprovedArtists::<Test>::contains_key(OTHER));
	});
}

#[test]
fn a_folded_registration_gets_its_deposit_back() {
	test(|| {
		let song = active(1);
		// Another account's file of the same recording registers, and the
		// verdict folds it in: no second royalty entry, and its deposit
		// is returned (it was no attempt at a new song).
		assert_ok!(register_as(OTHER, 2, 2));
		assert_eq!(held(OTHER), DEPOSIT);
		assert_ok!(apply(duplicate(song + 1, song)));
		assert_eq!((held(OTHER), Balances::balance(&OTHER)), (0, FUNDS));
		assert!(!UnvettedSongs::<Test>::contains_key(OTHER, song + 1));
		assert!(Deposits::<Test>::get(song + 1).is_none());
	});
}

#[test]
fn the_v1_migration_lists_songs_registered_before_vetting() {
	test(|| {
		// State as the version-0 code left it: songs, no vetting storage.
		let a = active(1);
		let b = active(2);
		for song in [a, b] {
			UnvettedSongs::<Test>::remove(ARTIST, song);
		}
		StorageVersion::new(0).put::<Songs>();

		migrations::v1::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Songs::on_chain_storage_version(), StorageVersion::new(1));
		assert!(UnvettedSongs::<Test>::contains_key(ARTIST, a));
		assert!(UnvettedSongs::<Test>::contains_key(ARTIST, b));
		// It runs once: a second upgrade changes nothing.
		UnvettedSongs::<Test>::remove(ARTIST, a);
		migrations::v1::MigrateToV1::<Test>::on_runtime_upgrade();
		assert!(!UnvettedSongs::<Test>::contains_key(ARTIST, a));
		UnvettedSongs::<Test>::insert(ARTIST, a, ());
	});
}

#[test]
fn a_dispute_moves_the_song_to_its_rightful_artist() {
	test(|| {
		let song = active(1);
		assert_noop!(
			Songs::reassign_artist(RuntimeOrigin::signed(OTHER), song, OTHER),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Songs::reassign_artist(moderator(), song, ARTIST),
			Error::<Test>::AlreadyArtist
		);
		assert_ok!(Songs::reassign_artist(moderator(), song, OTHER));
		System::assert_last_event(Event::ArtistReassigned { song, from: ARTIST, to: OTHER }.into());
		assert_eq!(SongsMap::<Test>::get(song).map(|r| r.artist), Some(OTHER));
		assert!(UnvettedSongs::<Test>::contains_key(OTHER, song));
		assert!(!UnvettedSongs::<Test>::contains_key(ARTIST, song));
		// The deposit stays with who paid it, and returns to them on approval.
		assert_eq!(held(ARTIST), DEPOSIT);
		// Approving the new artist approves the song.
		assert_ok!(Songs::approve_artist(moderator(), OTHER));
		assert_eq!(held(ARTIST), 0);
		assert_eq!(Balances::balance(&ARTIST), FUNDS);
		assert!(Songs::playable(song, &musicchain_primitives::ContentHash([1; 32]))
			.is_ok_and(|s| s.approved));
	});
}

#[test]
fn a_song_moved_to_an_approved_artist_is_approved() {
	test(|| {
		let song = active(1);
		assert_ok!(Songs::approve_artist(moderator(), OTHER));
		assert_ok!(Songs::reassign_artist(moderator(), song, OTHER));
		assert_eq!(Vetting::<Test>::get(song), Some(Decision::Approved));
		assert_eq!(held(ARTIST), 0, "the deposit went back to its payer");
		assert!(Vetted::get().contains(&VettingCall::Approved(song)));
	});
}

#[test]
fn files_added_to_an_unvetted_song_hold_a_deposit_that_follows_the_song() {
	test(|| {
		let issuance = Balances::total_issuance();
		// Approved: the song's and its file's deposits come back.
		let kept = active(1);
		assert_ok!(Songs::add_variant(RuntimeOrigin::signed(ARTIST), kept, variant(10)));
		assert_eq!(held(ARTIST), DEPOSIT + VARIANT_DEPOSIT);
		assert_eq!(Deposits::<Test>::get(kept).map(|d| d.amount), Some(DEPOSIT + VARIANT_DEPOSIT));
		assert_ok!(Songs::approve_song(moderator(), kept));
		assert_eq!(held(ARTIST), 0);
		// Once approved, more files hold nothing.
		assert_ok!(Songs::add_variant(RuntimeOrigin::signed(ARTIST), kept, variant(11)));
		assert_eq!(held(ARTIST), 0);
		assert_eq!(Balances::total_issuance(), issuance);

		// Rejected: the song's and its file's deposits are burned.
		let squatted = active(2);
		assert_ok!(Songs::add_variant(RuntimeOrigin::signed(ARTIST), squatted, variant(20)));
		assert_eq!(held(ARTIST), DEPOSIT + VARIANT_DEPOSIT);
		let free = Balances::balance(&ARTIST);
		assert_ok!(Songs::reject_song(moderator(), squatted));
		assert_eq!((held(ARTIST), Balances::balance(&ARTIST)), (0, free));
		assert_eq!(Balances::total_issuance(), issuance - DEPOSIT - VARIANT_DEPOSIT);
	});
}

#[test]
fn a_file_needs_its_deposit() {
	test(|| {
		let song = active(1);
		// Everything the artist has beyond the existential deposit is held
		// or spent: the file is refused and nothing changes.
		let spare = Balances::balance(&ARTIST) - Balances::minimum_balance();
		assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(ARTIST), OTHER, spare));
		assert_noop!(
			Songs::add_variant(RuntimeOrigin::signed(ARTIST), song, variant(10)),
			Error::<Test>::CannotHoldDeposit
		);
	});
}

#[test]
fn rejection_frees_the_files_and_the_recording_for_their_artist() {
	test(|| {
		// A squatter registers someone's file (and so its recording) first.
		let squatted = active(1);
		let fingerprint_hash =
			SongsMap::<Test>::get(squatted).map(|r| r.fingerprint_hash).expect("the song");
		assert_ok!(Songs::reject_song(moderator(), squatted));
		assert!(crate::Variants::<Test>::get(musicchain_primitives::ContentHash([1; 32])).is_none());
		assert!(crate::SongVariants::<Test>::get(squatted).is_empty());
		assert!(crate::ByFingerprint::<Test>::get(fingerprint_hash).is_none());
		assert_eq!(
			Songs::playable(squatted, &musicchain_primitives::ContentHash([1; 32])),
			Err(CatalogError::Rejected)
		);
		// The real artist registers the same file: a new song, found by the
		// recording's fingerprint from now on.
		assert_ok!(register_as(OTHER, 1, 1));
		let song = squatted + 1;
		assert_eq!(
			crate::Variants::<Test>::get(musicchain_primitives::ContentHash([1; 32]))
				.map(|v| v.song),
			Some(song)
		);
		assert_eq!(crate::ByFingerprint::<Test>::get(fingerprint_hash), Some(song));
	});
}

#[test]
fn rejecting_a_song_that_awaits_its_verdict_hides_it_at_once() {
	test(|| {
		assert_ok!(register(1));
		assert_ok!(super::verdict::vote(unique(0, 1)));
		assert_ok!(Songs::reject_song(moderator(), 0));
		assert_eq!(SongsMap::<Test>::get(0).map(|r| r.status), Some(SongStatus::Hidden));
		assert!(!crate::VerdictVotes::<Test>::contains_key(0));
		assert!(crate::PendingDeadlines::<Test>::iter().next().is_none());
		run_to(TIMEOUT + 2);
		assert_eq!(SongsMap::<Test>::get(0).map(|r| r.status), Some(SongStatus::Hidden));
	});
}

use crate::{
	mock::*, ByFingerprint, Error, Event, NextSongId, SongStatus, Songs as SongsMap, Variants,
};
use musicchain_primitives::{
	traits::{CatalogError, SongCatalog},
	BoundedVec, Metadata, Permill,
};
use polkadot_sdk::frame_support::{assert_noop, assert_ok};

#[test]
fn register_stores_a_small_pending_record() {
	test(|| {
		assert_ok!(register(1));
		let record = SongsMap::<Test>::get(0).expect("stored");
		assert_eq!(record.status, SongStatus::Pending);
		assert_eq!(record.artist, ARTIST);
		assert_eq!(record.fingerprint_hash, musicchain_primitives::blake2_256(&fingerprint(1)));
		assert_eq!(ByFingerprint::<Test>::get(record.fingerprint_hash), Some(0));
		assert_eq!(
			Variants::<Test>::get(musicchain_primitives::ContentHash([1; 32])).map(|v| v.song),
			Some(0)
		);
		assert_eq!(NextSongId::<Test>::get(), 1);
		System::assert_last_event(
			Event::SongRegistered {
				song: 0,
				artist: ARTIST,
				fingerprint_hash: record.fingerprint_hash,
				content_hash: musicchain_primitives::ContentHash([1; 32]),
			}
			.into(),
		);
		// Pending songs are not playable yet.
		assert_eq!(
			Songs::playable(0, &musicchain_primitives::ContentHash([1; 32])).err(),
			Some(CatalogError::NotActive)
		);
	});
}

#[test]
fn pending_song_activates_at_timeout() {
	test(|| {
		assert_ok!(register(1));
		run_to(TIMEOUT);
		assert_eq!(SongsMap::<Test>::get(0).map(|r| r.status), Some(SongStatus::Pending));
		run_to(TIMEOUT + 1);
		assert_eq!(SongsMap::<Test>::get(0).map(|r| r.status), Some(SongStatus::Active));
		System::assert_last_event(Event::SongActivated { song: 0 }.into());
		assert!(Songs::playable(0, &musicchain_primitives::ContentHash([1; 32])).is_ok());
		assert_eq!(
			Songs::playable(0, &musicchain_primitives::ContentHash([9; 32])).err(),
			Some(CatalogError::NotAVariant)
		);
		assert_eq!(
			Songs::playable(5, &musicchain_primitives::ContentHash([1; 32])).err(),
			Some(CatalogError::UnknownSong)
		);
	});
}

#[test]
fn bad_registrations_are_rejected() {
	test(|| {
		let o = || RuntimeOrigin::signed(ARTIST);
		let garbage = BoundedVec::truncate_from(vec![1, 0, 0, 9, 0xff]);
		assert_noop!(
			Songs::register(o(), garbage, 1_000, metadata(), Default::default(), variant(1)),
			Error::<Test>::InvalidFingerprint
		);
		assert_noop!(
			Songs::register(o(), fingerprint(1), 0, metadata(), Default::default(), variant(1)),
			Error::<Test>::InvalidDuration
		);
		assert_noop!(
			Songs::register(
				o(),
				fingerprint(1),
				6 * 3_600_000 + 1,
				metadata(),
				Default::default(),
				variant(1)
			),
			Error::<Test>::InvalidDuration
		);
		let bad_text =
			Metadata { title: BoundedVec::truncate_from(vec![0xff, 0xfe]), ..metadata() };
		assert_noop!(
			Songs::register(o(), fingerprint(1), 240_000, bad_text, Default::default(), variant(1)),
			Error::<Test>::InvalidMetadata
		);
		let over = BoundedVec::truncate_from(vec![
			(2, Permill::from_percent(60)),
			(3, Permill::from_percent(41)),
		]);
		assert_noop!(
			Songs::register(o(), fingerprint(1), 240_000, metadata(), over, variant(1)),
			Error::<Test>::SplitsExceedWhole
		);
		let dup = BoundedVec::truncate_from(vec![
			(2, Permill::from_percent(10)),
			(2, Permill::from_percent(10)),
		]);
		assert_noop!(
			Songs::register(o(), fingerprint(1), 240_000, metadata(), dup, variant(1)),
			Error::<Test>::DuplicateBeneficiary
		);
		let zero = BoundedVec::truncate_from(vec![(2, Permill::zero())]);
		assert_noop!(
			Songs::register(o(), fingerprint(1), 240_000, metadata(), zero, variant(1)),
			Error::<Test>::ZeroShare
		);
		let mut empty_file = variant(1);
		empty_file.size = 0;
		assert_noop!(
			Songs::register(
				o(),
				fingerprint(1),
				240_000,
				metadata(),
				Default::default(),
				empty_file
			),
			Error::<Test>::InvalidVariant
		);
	});
}

#[test]
fn a_file_registered_twice_is_refused_and_a_known_fingerprint_awaits_its_fold() {
	test(|| {
		assert_ok!(register(1));
		// Other fingerprint, same file.
		assert_noop!(register_as(OTHER, 2, 1), Error::<Test>::VariantExists);
		// Same fingerprint, another account's file (a re-tagged copy): it
		// registers, Pending, while the fingerprint keeps finding song 0.
		assert_ok!(register_as(OTHER, 1, 2));
		assert_eq!(SongsMap::<Test>::get(1).map(|r| r.status), Some(SongStatus::Pending));
		let known = SongsMap::<Test>::get(0).map(|r| r.fingerprint_hash).unwrap_or_default();
		assert_eq!(ByFingerprint::<Test>::get(known), Some(0));
	});
}

#[test]
fn pending_queue_is_bounded_per_block() {
	test(|| {
		assert_ok!(register(1));
		assert_ok!(register(2));
		assert_noop!(register(3), Error::<Test>::PendingQueueFull);
		run_to(2);
		assert_ok!(register(3));
	});
}

#[test]
fn add_variant_to_active_song() {
	test(|| {
		let o = || RuntimeOrigin::signed(ARTIST);
		assert_ok!(register(1));
		assert_noop!(Songs::add_variant(o(), 0, variant(2)), Error::<Test>::SongPending);
		run_to(TIMEOUT + 1);
		// Only the artist: anyone else's file of the recording registers and
		// is folded in by the dedupe verdict.
		assert_noop!(
			Songs::add_variant(RuntimeOrigin::signed(OTHER), 0, variant(2)),
			Error::<Test>::NotArtist
		);
		assert_ok!(Songs::add_variant(o(), 0, variant(2)));
		System::assert_last_event(
			Event::VariantAdded {
				song: 0,
				content_hash: musicchain_primitives::ContentHash([2; 32]),
			}
			.into(),
		);
		assert!(Songs::playable(0, &musicchain_primitives::ContentHash([2; 32])).is_ok());
		assert_noop!(Songs::add_variant(o(), 0, variant(2)), Error::<Test>::VariantExists);
		assert_noop!(Songs::add_variant(o(), 7, variant(3)), Error::<Test>::NotFound);
		assert_ok!(Songs::add_variant(o(), 0, variant(3)));
		assert_noop!(Songs::add_variant(o(), 0, variant(4)), Error::<Test>::TooManyVariants);
	});
}

#[test]
fn song_ids_run_out_cleanly() {
	test(|| {
		NextSongId::<Test>::put(u32::MAX);
		assert_noop!(register(1), Error::<Test>::IdsExhausted);
	});
}

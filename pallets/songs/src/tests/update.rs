use crate::{mock::*, Error, Event, Songs as SongsMap};
use musicchain_primitives::{BoundedVec, Metadata, Permill};
use polkadot_sdk::frame_support::{assert_noop, assert_ok};

#[test]
fn artist_updates_metadata_and_splits() {
	test(|| {
		assert_ok!(register(1));
		let m = Metadata::from_strs("New", "Artist", "Album", "Jazz", None, None);
		assert_ok!(Songs::update_metadata(RuntimeOrigin::signed(ARTIST), 0, m.clone()));
		System::assert_last_event(Event::MetadataUpdated { song: 0 }.into());
		let s = BoundedVec::truncate_from(vec![(5, Permill::from_percent(20))]);
		Vetted::take();
		assert_ok!(Songs::update_splits(RuntimeOrigin::signed(ARTIST), 0, s.clone()));
		let r = SongsMap::<Test>::get(0).expect("stored");
		assert_eq!((r.metadata, r.splits), (m, s));
		// The royalty ledger was told before the splits changed, so that it
		// pays what the song owes its old beneficiaries first.
		assert_eq!(Vetted::get(), vec![VettingCall::PayeesChanging(0)]);
	});
}

#[test]
fn only_the_artist_updates() {
	test(|| {
		assert_ok!(register(1));
		assert_noop!(
			Songs::update_metadata(RuntimeOrigin::signed(2), 0, metadata()),
			Error::<Test>::NotArtist
		);
		Vetted::take();
		assert_noop!(
			Songs::update_splits(RuntimeOrigin::signed(2), 0, Default::default()),
			Error::<Test>::NotArtist
		);
		assert_noop!(
			Songs::update_splits(RuntimeOrigin::signed(ARTIST), 9, Default::default()),
			Error::<Test>::NotFound
		);
		assert!(Vetted::get().is_empty(), "a refused change pays nothing out");
		assert_noop!(
			Songs::update_metadata(RuntimeOrigin::signed(ARTIST), 9, metadata()),
			Error::<Test>::NotFound
		);
		let bad = Metadata { genre: BoundedVec::truncate_from(vec![0xc3]), ..metadata() };
		assert_noop!(
			Songs::update_metadata(RuntimeOrigin::signed(ARTIST), 0, bad),
			Error::<Test>::InvalidMetadata
		);
		let over = BoundedVec::truncate_from(vec![
			(5, Permill::from_percent(70)),
			(6, Permill::from_percent(31)),
		]);
		assert_noop!(
			Songs::update_splits(RuntimeOrigin::signed(ARTIST), 0, over),
			Error::<Test>::SplitsExceedWhole
		);
	});
}

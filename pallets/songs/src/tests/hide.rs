use crate::{mock::*, Error, Event, SongStatus, Songs as SongsMap};
use musicchain_primitives::traits::SongCatalog;
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::DispatchError,
};

#[test]
fn moderators_hide_and_unhide_and_hidden_still_plays() {
	test(|| {
		assert_ok!(register(1));
		run_to(TIMEOUT + 1);
		assert_ok!(Songs::hide(RuntimeOrigin::signed(MODERATOR), 0));
		System::assert_last_event(Event::SongHidden { song: 0 }.into());
		assert_eq!(SongsMap::<Test>::get(0).map(|r| r.status), Some(SongStatus::Hidden));
		assert!(Songs::playable(0, &musicchain_primitives::ContentHash([1; 32]))
			.is_ok_and(|s| s.hidden));
		assert_noop!(
			Songs::hide(RuntimeOrigin::signed(MODERATOR), 0),
			Error::<Test>::AlreadyHidden
		);
		assert_ok!(Songs::unhide(RuntimeOrigin::signed(MODERATOR), 0));
		assert_noop!(Songs::unhide(RuntimeOrigin::signed(MODERATOR), 0), Error::<Test>::NotHidden);
		assert_noop!(Songs::hide(RuntimeOrigin::signed(MODERATOR), 4), Error::<Test>::NotFound);
	});
}

#[test]
fn others_cannot_hide() {
	test(|| {
		assert_ok!(register(1));
		assert_noop!(Songs::hide(RuntimeOrigin::signed(ARTIST), 0), DispatchError::BadOrigin);
		assert_noop!(Songs::unhide(RuntimeOrigin::root(), 0), DispatchError::BadOrigin);
	});
}

use crate::{mock::*, Error, Escrow, Event};
use musicchain_primitives::{traits::PlayableSong, UNIT};
use pallet_musicchain_plays::PlaySettlement;
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, traits::fungible::Inspect},
	sp_runtime::DispatchError,
};

fn play() {
	let song = PlayableSong { artist: ARTIST, duration_ms: 1, splits: vec![], hidden: false };
	Royalties::settle(1, &song, &LISTENER, &SERVER).expect("settles");
}

#[test]
fn moderator_releases_to_the_escrowed_account() {
	test(10_000 * UNIT, || {
		play();
		play();
		assert_ok!(Royalties::release_escrow(RuntimeOrigin::signed(Moderator::get()), ARTIST));
		assert_eq!(Balances::balance(&ARTIST), 2 * UNIT);
		assert_eq!(Escrow::<Test>::get(ARTIST), 0);
		assert_eq!(Royalties::total_escrow(), Some(0));
		System::assert_last_event(
			Event::EscrowReleased { beneficiary: ARTIST, amount: 2 * UNIT }.into(),
		);
	});
}

#[test]
fn only_the_moderator_origin_may_release() {
	test(10_000 * UNIT, || {
		play();
		assert_noop!(
			Royalties::release_escrow(RuntimeOrigin::signed(ARTIST), ARTIST),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Royalties::release_escrow(RuntimeOrigin::root(), ARTIST),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn nothing_escrowed_is_an_error() {
	test(10_000 * UNIT, || {
		assert_noop!(
			Royalties::release_escrow(RuntimeOrigin::signed(Moderator::get()), CO_WRITER),
			Error::<Test>::NothingEscrowed
		);
	});
}

use crate::{mock::*, Error, Escrow, Event};
use musicchain_primitives::{traits::PlayableSong, Permill, UNIT};
use pallet_musicchain_plays::PlaySettlement;
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::fungible::{Inspect, Mutate},
	},
	sp_runtime::DispatchError,
};

/// A play of an approved song whose co-writer's share (0.01 %) is too small
/// to open the co-writer's account, paid out at once: that share is
/// escrowed.
fn play() {
	let song = PlayableSong {
		artist: ARTIST,
		duration_ms: 1,
		splits: vec![(CO_WRITER, Permill::from_parts(100))],
		hidden: false,
		approved: true,
	};
	set_payees(1, ARTIST, song.splits.clone());
	Royalties::settle(1, &song, &LISTENER, &SERVER).expect("settles");
	assert_ok!(Royalties::pay_royalties(RuntimeOrigin::signed(ARTIST), 1));
}

#[test]
fn moderator_releases_to_the_escrowed_account() {
	test(10_000 * UNIT, || {
		play();
		play();
		// The co-writer's account opens by other means; then the escrow can
		// be paid into it.
		assert_ok!(Balances::mint_into(&CO_WRITER, ED));
		assert_ok!(Royalties::release_escrow(RuntimeOrigin::signed(Moderator::get()), CO_WRITER));
		assert_eq!(Balances::balance(&CO_WRITER), ED + 2 * UNIT / 10_000);
		assert_eq!(Escrow::<Test>::get(CO_WRITER), 0);
		assert_eq!(Royalties::total_escrow(), Some(0));
		System::assert_last_event(
			Event::EscrowReleased { beneficiary: CO_WRITER, amount: 2 * UNIT / 10_000 }.into(),
		);
	});
}

#[test]
fn only_the_moderator_origin_may_release() {
	test(10_000 * UNIT, || {
		play();
		assert_noop!(
			Royalties::release_escrow(RuntimeOrigin::signed(CO_WRITER), CO_WRITER),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Royalties::release_escrow(RuntimeOrigin::root(), CO_WRITER),
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

use crate::{mock::*, Escrow, PendingEscrow, PlayCount};
use musicchain_primitives::{
	traits::{PlayableSong, Tier},
	Permill, UNIT,
};
use pallet_musicchain_plays::PlaySettlement;
use polkadot_sdk::frame_support::{
	assert_noop,
	traits::{
		fungible::{Inspect, Mutate},
		Hooks,
	},
};

/// An approved song.
fn song(splits: Vec<(u64, Permill)>) -> PlayableSong<u64> {
	PlayableSong { artist: ARTIST, duration_ms: 240_000, splits, hidden: false, approved: true }
}

/// An approved song whose co-writer, account 6 (which does not exist), gets
/// 0.01 %: less than the existential deposit, so that share is escrowed.
fn song_with_dust() -> PlayableSong<u64> {
	song(vec![(6, Permill::from_parts(100))])
}

/// 0.01 % of the reward.
const DUST: u128 = UNIT / 10_000;

const LOW: u128 = 10_000 * UNIT; // far below the floor: no burn

#[test]
fn an_approved_discovery_play_pays_one_each() {
	test(LOW, || {
		let issuance = Balances::total_issuance();
		let r = Royalties::settle(9, &song(vec![]), &LISTENER, &SERVER).expect("settles");
		assert_eq!(
			(r.tier, r.listener, r.server, r.artist, r.escrowed, r.credited, r.burned),
			(Tier::Discovery, UNIT, UNIT, UNIT, false, false, 0)
		);
		assert_eq!(Balances::balance(&LISTENER), 2_001 * UNIT);
		assert_eq!(Balances::balance(&SERVER), UNIT);
		assert_eq!(Balances::balance(&ARTIST), UNIT);
		assert_eq!(Balances::total_issuance(), issuance + 3 * UNIT);
		assert_eq!(PlayCount::<Test>::get(9), 1);
	});
}

#[test]
fn dust_is_escrowed_with_one_mint_per_block() {
	test(LOW, || {
		let issuance = Balances::total_issuance();
		let r = Royalties::settle(9, &song_with_dust(), &LISTENER, &SERVER).expect("settles");
		assert_eq!((r.artist, r.escrowed), (UNIT, true));
		assert_eq!(Balances::balance(&ARTIST), UNIT - DUST);
		assert_eq!(Escrow::<Test>::get(6), DUST);
		// The escrow is minted at the end of the block; until then the cap
		// and the curve count it as issued.
		assert_eq!(PendingEscrow::<Test>::get(), DUST);
		assert_eq!(Balances::balance(&Royalties::account_id()), ED);
		assert_eq!(Supply::issuance(), issuance + 3 * UNIT);
		Royalties::on_finalize(1);
		assert_eq!(PendingEscrow::<Test>::get(), 0);
		assert_eq!(Balances::balance(&Royalties::account_id()), ED + DUST);
		assert_eq!(Balances::total_issuance(), issuance + 3 * UNIT);
	});
}

#[test]
fn the_cap_counts_the_blocks_pending_escrow() {
	// Room under the cap for the first play's mints and escrow, and one more.
	test(Cap::get() - 4 * UNIT, || {
		Royalties::settle(9, &song_with_dust(), &LISTENER, &SERVER).expect("first play");
		assert_eq!(PendingEscrow::<Test>::get(), DUST);
		// The second play's listener mint fits; the server's, the artist's
		// and the dust's would cross the cap once the pending escrow counts.
		let r = Royalties::settle(9, &song_with_dust(), &LISTENER, &SERVER).expect("second play");
		assert_eq!((r.listener, r.server, r.artist, r.refused_mints), (UNIT, 0, 0, 3));
		assert_eq!(PendingEscrow::<Test>::get(), DUST);
		Royalties::on_finalize(1);
		assert_eq!(Balances::total_issuance(), Cap::get());
		assert_eq!(Escrow::<Test>::get(6), DUST);
	});
}

#[test]
fn release_in_the_block_of_the_play_pays_the_fresh_escrow_too() {
	test(LOW, || {
		Royalties::settle(9, &song_with_dust(), &LISTENER, &SERVER).expect("settles");
		assert_eq!(PendingEscrow::<Test>::get(), DUST);
		// Account 6 opens by other means; the release can then pay into it.
		Balances::mint_into(&6, ED).expect("opened");
		Royalties::release_escrow(RuntimeOrigin::signed(Moderator::get()), 6).expect("released");
		assert_eq!(Balances::balance(&6), ED + DUST);
		assert_eq!(PendingEscrow::<Test>::get(), 0);
		assert_eq!(Balances::balance(&Royalties::account_id()), ED);
	});
}

#[test]
fn splits_are_paid_per_beneficiary() {
	test(LOW, || {
		Royalties::settle(
			9,
			&song(vec![(CO_WRITER, Permill::from_percent(25))]),
			&LISTENER,
			&SERVER,
		)
		.expect("settles");
		assert_eq!(Balances::balance(&CO_WRITER), UNIT / 4);
		assert_eq!(Balances::balance(&ARTIST), 3 * UNIT / 4);
		assert_eq!(Royalties::total_escrow(), Some(0));
	});
}

#[test]
fn threshold_play_and_the_next_pay_differently() {
	// The 10,000th play mints 3 MUSIC and brings the supply to exactly
	// 1.5e9 MUSIC, where the mature-tier burn is 125 MUSIC.
	test(1_500_000_000 * UNIT - 3 * UNIT, || {
		PlayCount::<Test>::insert(9, 9_999);
		let r = Royalties::settle(9, &song(vec![]), &LISTENER, &SERVER).expect("10,000th play");
		assert_eq!(
			(r.tier, r.prior_plays, r.listener, r.escrowed, r.burned),
			(Tier::Discovery, 9_999, UNIT, false, 0)
		);
		let listener_before = Balances::balance(&LISTENER);
		let issuance = Balances::total_issuance();
		let r = Royalties::settle(9, &song(vec![]), &LISTENER, &SERVER).expect("10,001st play");
		assert_eq!(
			(r.tier, r.prior_plays, r.listener, r.server, r.artist, r.escrowed),
			(Tier::Mature, 10_000, 0, UNIT, UNIT, false)
		);
		assert_eq!(r.burned, 125 * UNIT);
		assert_eq!(Balances::balance(&LISTENER), listener_before - 125 * UNIT);
		assert_eq!(Balances::balance(&ARTIST), 2 * UNIT);
		assert_eq!(Balances::total_issuance(), issuance - 125 * UNIT + 2 * UNIT);
		assert_eq!(PlayCount::<Test>::get(9), 10_001);
	});
}

#[test]
fn listener_who_cannot_pay_the_burn_cannot_settle() {
	test(1_800_000_000 * UNIT, || {
		PlayCount::<Test>::insert(9, 10_000);
		// The burn is 512 MUSIC; account 5 has nothing.
		assert_noop!(
			Royalties::settle(9, &song(vec![]), &5, &SERVER),
			pallet_musicchain_supply::Error::<Test>::CannotPayBurn
		);
	});
}

#[test]
fn mint_refused_at_cap_still_counts_the_play() {
	test(Cap::get() - UNIT, || {
		let r = Royalties::settle(9, &song(vec![]), &LISTENER, &SERVER).expect("settles");
		// The listener's mint fits exactly; the server's and the artist's would cross the cap.
		assert_eq!((r.listener, r.server, r.artist, r.refused_mints), (UNIT, 0, 0, 2));
		assert_eq!(Balances::total_issuance(), Cap::get());
		assert_eq!(PlayCount::<Test>::get(9), 1);
		assert!(System::events().iter().any(|e| matches!(
			e.event,
			RuntimeEvent::Supply(pallet_musicchain_supply::Event::MintRefused { who: SERVER, .. })
		)));
		// Nothing was escrowed or paid for the refused artist's part.
		assert_eq!(Escrow::<Test>::get(ARTIST), 0);
		assert_eq!(Balances::balance(&ARTIST), 0);
	});
}

#[test]
fn a_mature_share_too_small_to_open_an_account_is_escrowed_not_fatal() {
	test(LOW, || {
		PlayCount::<Test>::insert(9, 10_000);
		// 0.01 % of 1 MUSIC is below the existential deposit, and account 6
		// does not exist: paying it directly is impossible.
		let tiny = Permill::from_parts(100);
		assert!(UNIT / 10_000 < ED && Balances::balance(&6) == 0);
		let r = Royalties::settle(9, &song(vec![(6, tiny)]), &LISTENER, &SERVER)
			.expect("the play settles");
		assert_eq!((r.tier, r.artist, r.escrowed, r.refused_mints), (Tier::Mature, UNIT, true, 0));
		assert_eq!(Balances::balance(&ARTIST), UNIT - UNIT / 10_000);
		assert_eq!(Escrow::<Test>::get(6), UNIT / 10_000);
		assert_eq!(Escrow::<Test>::get(ARTIST), 0);
		assert_eq!(Royalties::total_escrow(), Some(UNIT / 10_000));
	});
}

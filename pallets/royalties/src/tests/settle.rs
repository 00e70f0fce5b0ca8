use crate::{mock::*, Error, Escrow, Event, Ledger, PendingEscrow, RoyaltiesDue, SongLedger};
use musicchain_primitives::{
	traits::{OnVetted, PlayableSong, Tier},
	Permill, UNIT,
};
use pallet_musicchain_plays::PlaySettlement;
use polkadot_sdk::frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Inspect, Mutate},
		Hooks,
	},
};

/// An approved song 9 that pays [`ARTIST`] and `splits`.
fn song(splits: Vec<(u64, Permill)>) -> PlayableSong<u64> {
	set_payees(9, ARTIST, splits.clone());
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

fn play(song: &PlayableSong<u64>) -> musicchain_primitives::traits::PlayReward {
	Royalties::settle(9, song, &LISTENER, &SERVER).expect("settles")
}

/// Ends the block and starts the next, whose `on_initialize` pays out.
fn next_block() {
	let n = System::block_number();
	Royalties::on_finalize(n);
	System::set_block_number(n + 1);
	Royalties::on_initialize(n + 1);
}

#[test]
fn an_approved_discovery_play_mints_three_and_the_song_owes_the_artists_part() {
	test(LOW, || {
		let issuance = Balances::total_issuance();
		let r = play(&song(vec![]));
		assert_eq!(
			(r.tier, r.listener, r.server, r.artist, r.credited, r.burned),
			(Tier::Discovery, UNIT, UNIT, UNIT, false, 0)
		);
		assert_eq!(Balances::balance(&LISTENER), 2_001 * UNIT);
		assert_eq!(Balances::balance(&SERVER), UNIT);
		// The artist's part is owed by the song, not paid play by play.
		assert_eq!(Balances::balance(&ARTIST), 0);
		assert_eq!(Ledger::<Test>::get(9), SongLedger { plays: 1, owed: UNIT, credited: 0 });
		// Minted into the royalty account at the end of the block; until
		// then the cap and the curve count it as issued.
		assert_eq!(PendingEscrow::<Test>::get(), UNIT);
		assert_eq!(Supply::issuance(), issuance + 3 * UNIT);
		Royalties::on_finalize(1);
		assert_eq!(Balances::total_issuance(), issuance + 3 * UNIT);
		assert_eq!(Balances::balance(&Royalties::account_id()), ED + UNIT);
	});
}

#[test]
fn the_play_that_passes_a_mark_queues_the_payout_of_the_next_block() {
	test(LOW, || {
		let s = song(vec![(CO_WRITER, Permill::from_percent(25))]);
		play(&s);
		play(&s);
		assert!(RoyaltiesDue::<Test>::get().is_empty(), "2 MUSIC owed: below the 3 MUSIC mark");
		play(&s);
		assert_eq!(RoyaltiesDue::<Test>::get().into_inner(), vec![9]);
		let issuance = Balances::total_issuance() + PendingEscrow::<Test>::get();
		next_block();
		assert_eq!(Balances::balance(&ARTIST), 3 * UNIT - 3 * UNIT / 4);
		assert_eq!(Balances::balance(&CO_WRITER), 3 * UNIT / 4);
		assert_eq!(Ledger::<Test>::get(9), SongLedger { plays: 3, owed: 0, credited: 0 });
		assert!(RoyaltiesDue::<Test>::get().is_empty());
		assert_eq!(Balances::balance(&Royalties::account_id()), ED);
		// A payout moves tokens; it mints nothing.
		assert_eq!(Balances::total_issuance(), issuance);
		System::assert_has_event(
			Event::RoyaltiesPaid { song: 9, paid: 3 * UNIT, escrowed: 0 }.into(),
		);
		System::assert_has_event(
			Event::RoyaltyPaid { song: 9, beneficiary: CO_WRITER, amount: 3 * UNIT / 4 }.into(),
		);
		// The next mark is 6 MUSIC.
		play(&s);
		play(&s);
		assert!(RoyaltiesDue::<Test>::get().is_empty());
		play(&s);
		assert_eq!(RoyaltiesDue::<Test>::get().into_inner(), vec![9]);
	});
}

#[test]
fn a_songs_payees_may_pay_it_out_at_once_even_in_the_block_of_its_plays() {
	test(LOW, || {
		let s = song(vec![(CO_WRITER, Permill::from_percent(25))]);
		assert_noop!(
			Royalties::pay_royalties(RuntimeOrigin::signed(CO_WRITER), 9),
			Error::<Test>::NothingOwed
		);
		play(&s);
		play(&s);
		assert_eq!(PendingEscrow::<Test>::get(), 2 * UNIT);
		// Account 5 is neither artist nor beneficiary: paying early would
		// let it choose when a small share is escrowed instead of paid.
		assert_noop!(
			Royalties::pay_royalties(RuntimeOrigin::signed(5), 9),
			Error::<Test>::NotAPayee
		);
		// The co-writer may; the artist is paid its share too.
		assert_ok!(Royalties::pay_royalties(RuntimeOrigin::signed(CO_WRITER), 9));
		assert_eq!(Balances::balance(&ARTIST), 2 * UNIT * 3 / 4);
		assert_eq!(Balances::balance(&CO_WRITER), 2 * UNIT / 4);
		assert_eq!(Balances::balance(&5), 0);
		assert_eq!(PendingEscrow::<Test>::get(), 0);
		assert_eq!(Ledger::<Test>::get(9).owed, 0);
		play(&s);
		assert_ok!(Royalties::pay_royalties(RuntimeOrigin::signed(ARTIST), 9));
		assert_eq!(Balances::balance(&ARTIST), 3 * UNIT * 3 / 4);
		assert_noop!(
			Royalties::pay_royalties(RuntimeOrigin::signed(ARTIST), 9),
			Error::<Test>::NothingOwed
		);
	});
}

#[test]
fn a_share_too_small_to_open_an_account_is_escrowed_at_the_payout() {
	test(LOW, || {
		let issuance = Balances::total_issuance();
		let r = play(&song_with_dust());
		assert_eq!((r.artist, r.refused_mints), (UNIT, 0));
		assert!(DUST < ED && Balances::balance(&6) == 0);
		assert_ok!(Royalties::pay_royalties(RuntimeOrigin::signed(ARTIST), 9));
		assert_eq!(Balances::balance(&ARTIST), UNIT - DUST);
		assert_eq!(Escrow::<Test>::get(6), DUST);
		assert_eq!(Balances::balance(&Royalties::account_id()), ED + DUST);
		System::assert_has_event(
			Event::RoyaltiesPaid { song: 9, paid: UNIT - DUST, escrowed: DUST }.into(),
		);
		Royalties::on_finalize(1);
		assert_eq!(Balances::total_issuance(), issuance + 3 * UNIT);
		// Account 6 opens by other means; the release can then pay into it.
		Balances::mint_into(&6, ED).expect("opened");
		assert_ok!(Royalties::release_escrow(RuntimeOrigin::signed(Moderator::get()), 6));
		assert_eq!(Balances::balance(&6), ED + DUST);
		assert_eq!(Balances::balance(&Royalties::account_id()), ED);
	});
}

#[test]
fn the_cap_counts_what_the_block_owes() {
	// Room under the cap for the first play's three rewards, and one more.
	test(Cap::get() - 4 * UNIT, || {
		play(&song(vec![]));
		assert_eq!(PendingEscrow::<Test>::get(), UNIT);
		// The second play's listener mint fits; the server's and the
		// artist's would cross the cap once the pending mint counts.
		let r = play(&song(vec![]));
		assert_eq!((r.listener, r.server, r.artist, r.refused_mints), (UNIT, 0, 0, 2));
		assert_eq!(Ledger::<Test>::get(9), SongLedger { plays: 2, owed: UNIT, credited: 0 });
		Royalties::on_finalize(1);
		assert_eq!(Balances::total_issuance(), Cap::get());
	});
}

#[test]
fn threshold_play_and_the_next_pay_differently() {
	// The 10,000th play mints 3 MUSIC and brings the supply to exactly
	// 1.5e9 MUSIC, where the mature-tier burn is 125 MUSIC.
	test(1_500_000_000 * UNIT - 3 * UNIT, || {
		Ledger::<Test>::insert(9, SongLedger { plays: 9_999, owed: 0, credited: 0 });
		let r = play(&song(vec![]));
		assert_eq!(
			(r.tier, r.prior_plays, r.listener, r.burned),
			(Tier::Discovery, 9_999, UNIT, 0)
		);
		let listener_before = Balances::balance(&LISTENER);
		let issuance = Supply::issuance();
		let r = play(&song(vec![]));
		assert_eq!(
			(r.tier, r.prior_plays, r.listener, r.server, r.artist),
			(Tier::Mature, 10_000, 0, UNIT, UNIT)
		);
		assert_eq!(r.burned, 125 * UNIT);
		assert_eq!(Balances::balance(&LISTENER), listener_before - 125 * UNIT);
		assert_eq!(Supply::issuance(), issuance - 125 * UNIT + 2 * UNIT);
		assert_eq!(
			Ledger::<Test>::get(9),
			SongLedger { plays: 10_001, owed: 2 * UNIT, credited: 0 }
		);
		assert_ok!(Royalties::pay_royalties(RuntimeOrigin::signed(ARTIST), 9));
		assert_eq!(Balances::balance(&ARTIST), 2 * UNIT);
	});
}

#[test]
fn listener_who_cannot_pay_the_burn_cannot_settle() {
	test(1_800_000_000 * UNIT, || {
		Ledger::<Test>::insert(9, SongLedger { plays: 10_000, owed: 0, credited: 0 });
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
		let r = play(&song(vec![]));
		// The listener's mint fits exactly; the server's and the artist's would cross the cap.
		assert_eq!((r.listener, r.server, r.artist, r.refused_mints), (UNIT, 0, 0, 2));
		assert_eq!(Balances::total_issuance(), Cap::get());
		assert_eq!(Ledger::<Test>::get(9), SongLedger { plays: 1, owed: 0, credited: 0 });
		assert!(System::events().iter().any(|e| matches!(
			e.event,
			RuntimeEvent::Supply(pallet_musicchain_supply::Event::MintRefused { who: SERVER, .. })
		)));
		// Nothing is owed, escrowed or paid for the refused artist's part.
		assert_eq!(PendingEscrow::<Test>::get(), 0);
		assert_eq!(Balances::balance(&ARTIST), 0);
	});
}

#[test]
fn changing_the_splits_pays_the_old_beneficiaries_first() {
	test(LOW, || {
		play(&song(vec![(CO_WRITER, Permill::from_percent(50))]));
		play(&song(vec![(CO_WRITER, Permill::from_percent(50))]));
		// The artist cuts the co-writer out; the registry tells the ledger
		// first, while the splits are still the old ones.
		<Royalties as OnVetted<u64>>::payees_changing(9);
		set_payees(9, ARTIST, vec![]);
		assert_eq!(Balances::balance(&CO_WRITER), UNIT);
		assert_eq!(Balances::balance(&ARTIST), UNIT);
		assert_eq!(Ledger::<Test>::get(9).owed, 0);
		// Later plays pay the new splits.
		play(&song(vec![]));
		assert_ok!(Royalties::pay_royalties(RuntimeOrigin::signed(ARTIST), 9));
		assert_eq!(Balances::balance(&CO_WRITER), UNIT);
		assert_eq!(Balances::balance(&ARTIST), 2 * UNIT);
	});
}

#[test]
fn a_song_that_finds_the_queue_full_is_queued_at_its_next_mark() {
	test(LOW, || {
		// The queue holds two songs; three pass their mark in one block.
		for id in [7, 8, 9] {
			set_payees(id, ARTIST, vec![]);
			let s = song(vec![]);
			for _ in 0..3 {
				Royalties::settle(id, &s, &LISTENER, &SERVER).expect("settles");
			}
		}
		assert_eq!(RoyaltiesDue::<Test>::get().into_inner(), vec![7, 8]);
		next_block();
		assert_eq!(Balances::balance(&ARTIST), 6 * UNIT);
		// Song 9 still owes its 3 MUSIC: nothing is lost...
		assert_eq!(Ledger::<Test>::get(9).owed, 3 * UNIT);
		// ...and its next mark queues it.
		for _ in 0..3 {
			play(&song(vec![]));
		}
		assert_eq!(RoyaltiesDue::<Test>::get().into_inner(), vec![9]);
		next_block();
		assert_eq!(Balances::balance(&ARTIST), 12 * UNIT);
		assert_eq!(Ledger::<Test>::get(9).owed, 0);
	});
}

#[test]
fn the_v2_migration_makes_each_play_count_a_ledger() {
	use crate::migrations::v2::{MigrateToV2, PlayCount};
	use polkadot_sdk::frame_support::traits::{
		GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
	};
	test(LOW, || {
		// State as version 1 left it: two songs played, their artists paid
		// play by play.
		PlayCount::<Test>::insert(3, 12);
		PlayCount::<Test>::insert(9, 10_000);
		StorageVersion::new(1).put::<Royalties>();

		MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Royalties::on_chain_storage_version(), StorageVersion::new(2));
		assert_eq!(Ledger::<Test>::get(3), SongLedger { plays: 12, owed: 0, credited: 0 });
		assert_eq!(Ledger::<Test>::get(9), SongLedger { plays: 10_000, owed: 0, credited: 0 });
		assert_eq!(PlayCount::<Test>::iter().count(), 0);
		assert_eq!(Royalties::tier_of(9), Tier::Mature);
		// A second upgrade leaves the new layout alone.
		Ledger::<Test>::mutate(9, |l| l.plays += 1);
		MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Ledger::<Test>::get(9).plays, 10_001);
	});
}

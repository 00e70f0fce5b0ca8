//! Plays of songs the moderators have not approved: pending credits, paid
//! out on approval and voided on rejection (DESIGN §2.6).

use crate::{mock::*, Credits, Event, Ledger, Payouts, SongLedger};
use musicchain_primitives::{
	traits::{OnVetted, PlayableSong, Tier},
	Permill, UNIT,
};
use pallet_musicchain_plays::PlaySettlement;
use polkadot_sdk::frame_support::traits::{fungible::Inspect, Hooks};

const LOW: u128 = 10_000 * UNIT;

fn unapproved(splits: Vec<(u64, Permill)>) -> PlayableSong<u64> {
	PlayableSong { artist: ARTIST, duration_ms: 240_000, splits, hidden: false, approved: false }
}

#[test]
fn an_unapproved_play_mints_nothing_and_credits_each_party() {
	test(LOW, || {
		let issuance = Balances::total_issuance();
		let song = unapproved(vec![(CO_WRITER, Permill::from_percent(25))]);
		let r = Royalties::settle(9, &song, &LISTENER, &SERVER).expect("settles");
		assert_eq!(
			(r.tier, r.listener, r.server, r.artist, r.credited, r.burned),
			(Tier::Discovery, UNIT, UNIT, UNIT, true, 0)
		);
		assert_eq!(Balances::total_issuance(), issuance, "nothing minted");
		assert_eq!(Balances::balance(&LISTENER), LISTENER_FUNDS);
		assert_eq!(Balances::balance(&SERVER), 0);
		assert_eq!(Balances::balance(&ARTIST), 0);
		assert_eq!(Credits::<Test>::get(9, LISTENER), UNIT);
		assert_eq!(Credits::<Test>::get(9, SERVER), UNIT);
		// The artist's part is credited to the song as a whole, split when
		// it is paid.
		assert_eq!(Credits::<Test>::get(9, ARTIST), 0);
		assert_eq!(Credits::<Test>::get(9, CO_WRITER), 0);
		assert_eq!(
			Ledger::<Test>::get(9),
			SongLedger { plays: 1, owed: 0, credited: UNIT },
			"the play counts towards the tier"
		);
	});
}

#[test]
fn one_person_as_artist_server_and_many_listeners_mints_nothing() {
	// The attacker is the artist and the server, and plays with 50
	// listener keys: every reward is a credit, issuance does not move.
	test(LOW, || {
		let issuance = Balances::total_issuance();
		let song = PlayableSong { artist: SERVER, ..unapproved(vec![]) };
		set_payees(9, SERVER, vec![]);
		for listener in 100..150u64 {
			Royalties::settle(9, &song, &listener, &SERVER).expect("settles");
		}
		// Pay-outs on demand pay nothing: nothing is owed, only credited.
		assert!(Royalties::pay_royalties(RuntimeOrigin::signed(SERVER), 9).is_err());
		Royalties::on_finalize(1);
		Royalties::on_initialize(2);
		assert_eq!(Balances::total_issuance(), issuance);
		assert_eq!(Balances::balance(&SERVER), 0);
		assert_eq!(Credits::<Test>::get(9, SERVER), 50 * UNIT, "as server");
		assert_eq!(Ledger::<Test>::get(9).credited, 50 * UNIT, "as artist");
		assert_eq!(Credits::<Test>::get(9, 100), UNIT);
	});
}

#[test]
fn an_unapproved_mature_play_burns_and_credits() {
	test(1_800_000_000 * UNIT, || {
		Ledger::<Test>::insert(9, SongLedger { plays: 10_000, owed: 0, credited: 0 });
		let issuance = Balances::total_issuance();
		let r = Royalties::settle(9, &unapproved(vec![]), &LISTENER, &SERVER).expect("settles");
		assert_eq!((r.tier, r.credited, r.burned), (Tier::Mature, true, 512 * UNIT));
		assert_eq!(Balances::total_issuance(), issuance - 512 * UNIT, "only the burn");
		assert_eq!(Credits::<Test>::get(9, LISTENER), 0);
		assert_eq!(Credits::<Test>::get(9, SERVER), UNIT);
		assert_eq!(Ledger::<Test>::get(9).credited, UNIT);
	});
}

/// Settles `plays` unapproved plays of song 9, each by another listener.
fn credit_plays(plays: u64) {
	for listener in 0..plays {
		Royalties::settle(9, &unapproved(vec![]), &(100 + listener), &SERVER).expect("settles");
	}
}

#[test]
fn approval_pays_the_credits_out_a_bounded_number_per_block() {
	test(LOW, || {
		credit_plays(10); // 12 accounts: 10 listeners, the server, the artist
		let issuance = Balances::total_issuance();
		<Royalties as OnVetted<u64>>::approved(9);
		assert!(Payouts::<Test>::contains_key(9));
		// CreditPayoutsPerBlock is 9 in the mock.
		Royalties::on_initialize(2);
		let paid = Balances::total_issuance() - issuance;
		// 9 of the listeners' and the server's credits (the server's is 10).
		assert!(paid == 9 * UNIT || paid == 18 * UNIT, "9 credits paid: {paid}");
		System::assert_has_event(
			Event::CreditsPaid { song: 9, accounts: 9, amount: paid, complete: false }.into(),
		);
		Royalties::on_initialize(3);
		assert_eq!(Balances::total_issuance(), issuance + 30 * UNIT);
		assert_eq!(Balances::balance(&SERVER), 10 * UNIT);
		assert_eq!(Balances::balance(&ARTIST), 10 * UNIT);
		assert_eq!(Balances::balance(&100), UNIT);
		assert_eq!(Credits::<Test>::iter_prefix(9).count(), 0);
		assert_eq!(Ledger::<Test>::get(9).credited, 0);
		assert!(!Payouts::<Test>::contains_key(9), "done");
		// Nothing is paid twice.
		Royalties::on_initialize(4);
		assert_eq!(Balances::total_issuance(), issuance + 30 * UNIT);
	});
}

#[test]
fn a_song_with_every_split_it_may_have_is_paid_its_credits() {
	// Its artist's part is nine shares, paid in one block; a block pays
	// more than that many credits (the integrity test holds the
	// runtime to it), so the payout never stalls.
	test(LOW, || {
		let splits: Vec<_> = (20..28u64).map(|who| (who, Permill::from_percent(10))).collect();
		assert_eq!(splits.len(), musicchain_primitives::metadata::MAX_SPLITS as usize);
		set_payees(9, ARTIST, splits.clone());
		let song = unapproved(splits);
		for listener in 100..110u64 {
			Royalties::settle(9, &song, &listener, &SERVER).expect("settles");
		}
		let issuance = Balances::total_issuance();
		<Royalties as OnVetted<u64>>::approved(9);
		for n in 2..5 {
			Royalties::on_initialize(n);
		}
		assert!(!Payouts::<Test>::contains_key(9), "done");
		assert_eq!(Balances::total_issuance(), issuance + 30 * UNIT);
		assert_eq!(Balances::balance(&ARTIST), 2 * UNIT);
		for who in 20..28u64 {
			assert_eq!(Balances::balance(&who), UNIT, "split {who}");
		}
		assert_eq!(Ledger::<Test>::get(9).credited, 0);
	});
}

#[test]
fn rejection_voids_the_credits() {
	test(LOW, || {
		credit_plays(4);
		let issuance = Balances::total_issuance();
		<Royalties as OnVetted<u64>>::rejected(9);
		for n in 2..5 {
			Royalties::on_initialize(n);
		}
		assert_eq!(Balances::total_issuance(), issuance);
		assert_eq!(Balances::balance(&SERVER), 0);
		assert_eq!(Balances::balance(&ARTIST), 0);
		assert_eq!(Credits::<Test>::iter_prefix(9).count(), 0);
		assert_eq!(Ledger::<Test>::get(9).credited, 0);
		assert!(!Payouts::<Test>::contains_key(9));
		assert!(System::events().iter().any(|e| matches!(
			e.event,
			RuntimeEvent::Royalties(Event::CreditsVoided { song: 9, complete: true, .. })
		)));
	});
}

#[test]
fn a_song_rejected_while_its_payout_runs_pays_no_more() {
	test(LOW, || {
		credit_plays(10);
		let issuance = Balances::total_issuance();
		<Royalties as OnVetted<u64>>::approved(9);
		Royalties::on_initialize(2); // 9 of 12 paid
		let paid = Balances::total_issuance() - issuance;
		<Royalties as OnVetted<u64>>::rejected(9);
		Royalties::on_initialize(3);
		Royalties::on_initialize(4);
		assert_eq!(Balances::total_issuance(), issuance + paid, "the rest was voided");
		assert_eq!(Credits::<Test>::iter_prefix(9).count(), 0);
	});
}

#[test]
fn payouts_respect_the_issuance_cap() {
	test(Cap::get() - UNIT, || {
		credit_plays(2); // 4 credits of 1 MUSIC (the server's is 2)
		<Royalties as OnVetted<u64>>::approved(9);
		Royalties::on_initialize(2);
		Royalties::on_initialize(3);
		assert_eq!(Balances::total_issuance(), Cap::get());
		assert!(!Payouts::<Test>::contains_key(9));
	});
}

#[test]
fn approval_pays_the_artists_part_per_the_songs_splits() {
	test(LOW, || {
		let song = unapproved(vec![(CO_WRITER, Permill::from_percent(25))]);
		set_payees(9, ARTIST, song.splits.clone());
		for listener in 100..104u64 {
			Royalties::settle(9, &song, &listener, &SERVER).expect("settles");
		}
		let issuance = Balances::total_issuance();
		<Royalties as OnVetted<u64>>::approved(9);
		for n in 2..5 {
			Royalties::on_initialize(n);
		}
		assert_eq!(Balances::balance(&ARTIST), 3 * UNIT);
		assert_eq!(Balances::balance(&CO_WRITER), UNIT);
		assert_eq!(Balances::balance(&SERVER), 4 * UNIT);
		// 4 listeners, the server's 4 and the artist's 4.
		assert_eq!(Balances::total_issuance(), issuance + 12 * UNIT);
		assert_eq!(Ledger::<Test>::get(9), SongLedger { plays: 4, owed: 0, credited: 0 });
	});
}

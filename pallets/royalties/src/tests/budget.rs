//! The daily discovery budget: discovery mints never exceed it; what does
//! not fit waits as credits, paid out when a new day's budget allows.

use crate::{mock::*, Credits, DiscoveryBudget, DiscoveryMinted, Event, Payouts};
use musicchain_primitives::{traits::PlayableSong, UNIT};
use pallet_musicchain_plays::{PlaySettlement, DAY_MS};
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::{fungible::Inspect, Hooks},
	},
	sp_runtime::DispatchError,
};

const LOW: u128 = 10_000 * UNIT;

fn approved() -> PlayableSong<u64> {
	PlayableSong {
		artist: ARTIST,
		duration_ms: 240_000,
		splits: vec![],
		hidden: false,
		approved: true,
	}
}

/// Runs blocks day after day (five a day) while `song`'s payout is queued,
/// at most ten days; returns what each day minted. The clock is put back.
fn pay_out_day_by_day(song: u32) -> Vec<u128> {
	let mut daily = Vec::new();
	while Payouts::<Test>::contains_key(song) && daily.len() < 10 {
		let before = Balances::total_issuance();
		for n in 0..5 {
			Royalties::on_initialize(n);
		}
		daily.push(Balances::total_issuance() - before);
		NowMs::mutate(|t| *t += DAY_MS);
	}
	NowMs::mutate(|t| *t -= daily.len() as u64 * DAY_MS);
	daily
}

#[test]
fn discovery_mints_stop_at_the_budget_and_resume_the_next_day() {
	test(LOW, || {
		assert_ok!(Royalties::set_discovery_budget(RuntimeOrigin::root(), 6 * UNIT));
		System::assert_last_event(Event::DiscoveryBudgetSet { budget: 6 * UNIT }.into());
		let issuance = Supply::issuance();
		// Two plays fit (3 MUSIC each) with distinct listeners.
		for listener in [100, 101] {
			let r = Royalties::settle(9, &approved(), &listener, &SERVER).expect("settles");
			assert!(!r.credited);
		}
		assert_eq!(Supply::issuance(), issuance + 6 * UNIT);
		assert_eq!(Royalties::budget_left(), 0);
		// (The artists' parts are owed by the song: minted at the end of
		// the block, counted as issued now.)
		// The third is past the budget: its rewards wait as credits.
		let r = Royalties::settle(9, &approved(), &102, &SERVER).expect("settles");
		assert!(r.credited);
		assert_eq!(Supply::issuance(), issuance + 6 * UNIT, "not a unit more");
		assert_eq!(Credits::<Test>::get(9, 102), UNIT);
		assert!(Payouts::<Test>::contains_key(9));
		// Blocks go by; the day's budget is spent, nothing is paid.
		Royalties::on_initialize(2);
		assert_eq!(Supply::issuance(), issuance + 6 * UNIT);
		// The next chain day: the waiting credits are paid first.
		NowMs::mutate(|t| *t += DAY_MS);
		Royalties::on_initialize(3);
		assert_eq!(Supply::issuance(), issuance + 9 * UNIT);
		assert_eq!(Balances::balance(&102), UNIT);
		assert!(!Payouts::<Test>::contains_key(9));
		assert_eq!(DiscoveryMinted::<Test>::get().minted, 3 * UNIT);
		NowMs::mutate(|t| *t -= DAY_MS);
	});
}

#[test]
fn credits_paid_on_approval_count_against_the_budget() {
	test(LOW, || {
		DiscoveryBudget::<Test>::put(2 * UNIT);
		let song = PlayableSong { approved: false, ..approved() };
		for listener in [100, 101] {
			Royalties::settle(9, &song, &listener, &SERVER).expect("settles");
		}
		// 4 credits, 6 MUSIC in all; the budget lets 2 through a day.
		let issuance = Balances::total_issuance();
		<Royalties as musicchain_primitives::traits::OnVetted<u64>>::approved(9);
		assert_eq!(pay_out_day_by_day(9), vec![2 * UNIT; 3], "each day exactly its budget");
		assert_eq!(Balances::total_issuance(), issuance + 6 * UNIT);
		assert_eq!(Credits::<Test>::iter_prefix(9).count(), 0);
	});
}

#[test]
fn only_governance_sets_the_budget() {
	test(LOW, || {
		assert_noop!(
			Royalties::set_discovery_budget(RuntimeOrigin::signed(LISTENER), u128::MAX),
			DispatchError::BadOrigin
		);
		assert_eq!(DiscoveryBudget::<Test>::get(), 1_000 * UNIT, "the default");
	});
}

#[test]
fn a_credit_larger_than_a_days_budget_is_paid_in_parts() {
	// The server's credit (5 MUSIC) and the artist's part (5) are each
	// larger than the day's budget (3): each day pays what the budget
	// allows, part of a credit if need be, and the payout never stalls.
	test(LOW, || {
		DiscoveryBudget::<Test>::put(3 * UNIT);
		let song = PlayableSong { approved: false, ..approved() };
		for listener in 100..105 {
			Royalties::settle(9, &song, &listener, &SERVER).expect("settles");
		}
		let issuance = Balances::total_issuance();
		<Royalties as musicchain_primitives::traits::OnVetted<u64>>::approved(9);
		assert_eq!(pay_out_day_by_day(9), vec![3 * UNIT; 5], "15 MUSIC at 3 a day");
		assert_eq!(Balances::total_issuance(), issuance + 15 * UNIT);
		assert_eq!(Balances::balance(&SERVER), 5 * UNIT);
		assert_eq!(Balances::balance(&ARTIST), 5 * UNIT);
		assert_eq!(Balances::balance(&100), UNIT);
		assert_eq!(Credits::<Test>::iter_prefix(9).count(), 0);
		assert_eq!(crate::Ledger::<Test>::get(9).credited, 0);
	});
}

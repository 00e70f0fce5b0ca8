//! Serving bonds: only a bonded server countersigns rewarded receipts, each
//! server has a daily cap, and the moderators can slash (DESIGN §2.6).

use crate::{mock::*, Bond, Bonds, DayCount, Error, Event, HoldReason};
use musicchain_primitives::SessionReceipt;
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::fungible::{Inspect, InspectHold},
	},
	sp_keyring::Sr25519Keyring::{self, Bob, Charlie, Dave, Eve, Ferdie},
	sp_runtime::DispatchError,
};

fn held(who: Sr25519Keyring) -> u128 {
	Balances::balance_on_hold(&HoldReason::ServingBond.into(), &who.to_account_id())
}

/// A valid receipt of `listener` served by `server`, signed by `server`.
fn play(
	listener: Sr25519Keyring,
	server: Sr25519Keyring,
	nonce: u64,
) -> polkadot_sdk::frame_support::dispatch::DispatchResultWithPostInfo {
	let receipt = SessionReceipt {
		listener: listener.to_account_id(),
		server: server.to_account_id(),
		..receipt_for(&[(0, 130_000)], nonce)
	};
	let signature = sign_with(server, &receipt, &GENESIS);
	Plays::submit(RuntimeOrigin::signed(listener.to_account_id()), receipt, signature)
}

#[test]
fn an_unbonded_server_cannot_countersign() {
	test(|| {
		// Charlie holds no bond: as many keys as an attacker likes, none bonded.
		assert_noop!(play(Dave, Charlie, 1), Error::<Test>::ServerNotBonded);
		assert_eq!(settled_count(), 0);
		assert_ok!(Plays::bond(RuntimeOrigin::signed(Charlie.to_account_id())));
		assert_ok!(play(Dave, Charlie, 1));
	});
}

#[test]
fn bonding_holds_exactly_the_bond() {
	test(|| {
		let issuance = Balances::total_issuance();
		let charlie = Charlie.to_account_id();
		assert_ok!(Plays::bond(RuntimeOrigin::signed(charlie.clone())));
		System::assert_last_event(Event::Bonded { server: charlie.clone(), amount: BOND }.into());
		assert_eq!(held(Charlie), BOND);
		assert_eq!(Balances::balance(&charlie), FUNDS - BOND);
		assert_eq!(Balances::total_issuance(), issuance);
		assert_noop!(Plays::bond(RuntimeOrigin::signed(charlie)), Error::<Test>::AlreadyBonded);
		// An account without 100 MUSIC cannot bond.
		let poor = polkadot_sdk::sp_runtime::AccountId32::new([7; 32]);
		assert_noop!(Plays::bond(RuntimeOrigin::signed(poor)), Error::<Test>::CannotHoldBond);
	});
}

#[test]
fn a_server_has_a_daily_cap() {
	test(|| {
		// MaxServerPlaysPerDay is 3 in the mock: three listeners, then no more.
		for (n, listener) in [Charlie, Dave, Eve].into_iter().enumerate() {
			assert_ok!(play(listener, Bob, n as u64));
		}
		assert_noop!(play(Ferdie, Bob, 9), Error::<Test>::ServerDailyLimitReached);
		// The next chain day the count starts again.
		polkadot_sdk::pallet_timestamp::Now::<Test>::put(NOW + crate::DAY_MS);
		let mut receipt =
			SessionReceipt { listener: Ferdie.to_account_id(), ..receipt_for(&[(0, 130_000)], 9) };
		for h in receipt.heartbeats.iter_mut() {
			h.at_ms += crate::DAY_MS;
		}
		let signature = sign_with(Bob, &receipt, &GENESIS);
		assert_ok!(Plays::submit(
			RuntimeOrigin::signed(Ferdie.to_account_id()),
			receipt,
			signature
		));
		let day = (NOW / crate::DAY_MS + 1) as u32;
		assert_eq!(
			Bonds::<Test>::get(Bob.to_account_id()).map(|b| b.served),
			Some(DayCount { day, count: 1 })
		);
	});
}

#[test]
fn unbonding_stops_serving_at_once_and_returns_the_bond_later() {
	test(|| {
		let bob = Bob.to_account_id();
		assert_noop!(
			Plays::withdraw_bond(RuntimeOrigin::signed(bob.clone())),
			Error::<Test>::BondLocked
		);
		assert_ok!(Plays::unbond(RuntimeOrigin::signed(bob.clone())));
		let at = System::block_number() + UNBONDING;
		System::assert_last_event(Event::Unbonding { server: bob.clone(), at }.into());
		assert_noop!(play(Charlie, Bob, 1), Error::<Test>::ServerNotBonded);
		assert_noop!(
			Plays::unbond(RuntimeOrigin::signed(bob.clone())),
			Error::<Test>::AlreadyUnbonding
		);
		System::set_block_number(at - 1);
		assert_noop!(
			Plays::withdraw_bond(RuntimeOrigin::signed(bob.clone())),
			Error::<Test>::BondLocked
		);
		System::set_block_number(at);
		assert_ok!(Plays::withdraw_bond(RuntimeOrigin::signed(bob.clone())));
		assert_eq!((held(Bob), Balances::balance(&bob)), (0, FUNDS));
		assert!(Bonds::<Test>::get(&bob).is_none());
		assert_noop!(Plays::withdraw_bond(RuntimeOrigin::signed(bob)), Error::<Test>::NotBonded);
	});
}

#[test]
fn moderators_slash_a_bond_even_while_it_unbonds() {
	test(|| {
		let bob = Bob.to_account_id();
		let issuance = Balances::total_issuance();
		assert_ok!(Plays::unbond(RuntimeOrigin::signed(bob.clone())));
		assert_noop!(
			Plays::slash_bond(RuntimeOrigin::signed(Charlie.to_account_id()), bob.clone()),
			DispatchError::BadOrigin
		);
		assert_ok!(Plays::slash_bond(RuntimeOrigin::root(), bob.clone()));
		System::assert_last_event(Event::BondSlashed { server: bob.clone(), amount: BOND }.into());
		assert_eq!(held(Bob), 0);
		assert_eq!(Balances::balance(&bob), FUNDS - BOND);
		assert_eq!(Balances::total_issuance(), issuance - BOND, "burned");
		assert!(Bonds::<Test>::get(&bob).is_none());
		assert_noop!(play(Charlie, Bob, 1), Error::<Test>::ServerNotBonded);
		assert_noop!(Plays::slash_bond(RuntimeOrigin::root(), bob), Error::<Test>::NotBonded);
	});
}

#[test]
fn a_bond_is_what_the_mock_server_starts_with() {
	test(|| {
		assert_eq!(
			Bonds::<Test>::get(Bob.to_account_id()),
			Some(Bond { amount: BOND, unbonding_at: None, served: DayCount::default() })
		);
	});
}

#[test]
fn the_v2_migration_moves_the_servers_counts_into_their_bonds() {
	use crate::migrations::v2::{MigrateToV2, OldBond, ServerDailyPlays};
	use codec::Encode;
	use polkadot_sdk::frame_support::{
		storage::unhashed,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
	};
	test(|| {
		// State as version 1 left it: Bob bonded and served twice today,
		// Charlie is unbonding and served nothing; a stale count of Dave's.
		let (bob, charlie, dave) =
			(Bob.to_account_id(), Charlie.to_account_id(), Dave.to_account_id());
		let put_old = |who: &AccountId, old: OldBond<u64>| {
			unhashed::put_raw(&Bonds::<Test>::hashed_key_for(who), &old.encode());
		};
		put_old(&bob, OldBond { amount: BOND, unbonding_at: None });
		put_old(&charlie, OldBond { amount: BOND, unbonding_at: Some(9) });
		ServerDailyPlays::<Test>::insert(&bob, DayCount { day: 7, count: 2 });
		ServerDailyPlays::<Test>::insert(&dave, DayCount { day: 7, count: 1 });
		StorageVersion::new(1).put::<Plays>();

		MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Plays::on_chain_storage_version(), StorageVersion::new(2));
		assert_eq!(
			Bonds::<Test>::get(&bob),
			Some(Bond { amount: BOND, unbonding_at: None, served: DayCount { day: 7, count: 2 } })
		);
		assert_eq!(
			Bonds::<Test>::get(&charlie),
			Some(Bond { amount: BOND, unbonding_at: Some(9), served: DayCount::default() })
		);
		assert!(Bonds::<Test>::get(&dave).is_none());
		assert_eq!(ServerDailyPlays::<Test>::iter().count(), 0);
		// A second upgrade leaves the new layout alone.
		MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Bonds::<Test>::get(&bob).map(|b| b.served.count), Some(2));
		// (Charlie's bond was never held in this mock.)
		Bonds::<Test>::remove(&charlie);
	});
}

use crate::{mock::*, Error, Event, SupplyControl};
use musicchain_primitives::UNIT;
use polkadot_sdk::frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};

#[test]
fn quote_follows_the_curve() {
	for (supply_music, burn_music) in [
		(1, 0),
		(1_000_000_000, 0),
		(1_500_000_000, 125),
		(1_800_000_000, 512),
		(2_000_000_000, 1_000),
	] {
		test(supply_music * UNIT, || {
			assert_eq!(Supply::issuance(), supply_music * UNIT);
			assert_eq!(<Supply as SupplyControl<u64>>::burn_quote(), burn_music * UNIT);
		});
	}
}

#[test]
fn mint_within_cap_succeeds() {
	test(Cap::get() - UNIT, || {
		assert_eq!(<Supply as SupplyControl<u64>>::mint_capped(&2, UNIT), Ok(true));
		assert_eq!(Balances::balance(&2), UNIT);
		assert_eq!(Supply::issuance(), Cap::get());
	});
}

#[test]
fn mint_crossing_cap_is_refused_with_event() {
	test(Cap::get() - UNIT + 1, || {
		assert_eq!(<Supply as SupplyControl<u64>>::mint_capped(&2, UNIT), Ok(false));
		assert_eq!(Balances::balance(&2), 0);
		System::assert_last_event(
			Event::MintRefused { who: 2, amount: UNIT, issuance: Cap::get() - UNIT + 1 }.into(),
		);
	});
	// Overflowing issuance arithmetic is a refusal too, never a panic.
	test(Cap::get(), || {
		assert_eq!(<Supply as SupplyControl<u64>>::mint_capped(&2, u128::MAX), Ok(false));
	});
}

#[test]
fn burn_takes_exact_amount() {
	test(10 * UNIT, || {
		assert_ok!(<Supply as SupplyControl<u64>>::burn(&1, 3 * UNIT));
		assert_eq!(Balances::balance(&1), 7 * UNIT);
		assert_eq!(Supply::issuance(), 7 * UNIT);
		System::assert_last_event(Event::Burned { who: 1, amount: 3 * UNIT }.into());
	});
}

#[test]
fn burn_beyond_balance_is_refused() {
	test(10 * UNIT, || {
		assert_noop!(
			<Supply as SupplyControl<u64>>::burn(&1, 10 * UNIT),
			Error::<Test>::CannotPayBurn
		);
		assert_noop!(<Supply as SupplyControl<u64>>::burn(&3, 1), Error::<Test>::CannotPayBurn);
	});
}
